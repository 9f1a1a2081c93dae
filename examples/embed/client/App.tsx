// The integration guide's first snippet: the whole dashboard.
import React from 'react'
import { Dashboard, HubProvider } from 'wireguard-hub'
import 'wireguard-hub/style.css'

export function App() {
  return (
    <HubProvider apiBaseUrl="/api/wireguard">
      <Dashboard />
    </HubProvider>
  )
}
