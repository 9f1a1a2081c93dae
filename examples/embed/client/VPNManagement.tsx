// The integration guide's second snippet: the Proxmox VE nodes of the hub, as a tab of a
// Proxmox UI plugin that decides what selecting a node means.
import React from 'react'
import { HubProvider, SpokeManager, type Spoke } from 'wireguard-hub'

function handleNodeSelection(spoke: Spoke) {
  document.getElementById('selected-node')!.textContent = `${spoke.name} (${spoke.address ?? ''})`
}

export function ProxmoxVPNTab() {
  return (
    <HubProvider apiBaseUrl="/api/wireguard">
      <SpokeManager
        showProxmoxOnly={true}  // Filter to Proxmox spokes only
        onSpokeClick={handleNodeSelection}
      />
    </HubProvider>
  )
}
