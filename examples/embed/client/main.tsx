// The page: PatternFly's base styles (the host brings them once), then the dashboard, or the
// Proxmox VE tab on /proxmox.html.
import "@patternfly/react-core/dist/styles/base.css";
import React from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ProxmoxVPNTab } from "./VPNManagement";

const root = document.getElementById("app")!;
createRoot(root).render(root.dataset.view === "proxmox" ? <ProxmoxVPNTab /> : <App />);
