import "@patternfly/patternfly/patternfly-base.css";
import "@patternfly/patternfly/patternfly-addons.css";
import "./index.css";
import React from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { setTransport } from "./api";
import { store } from "./store";
import { followCockpitTheme } from "./theme";
import { cockpitTransport } from "./transport/cockpitTransport";

followCockpitTheme();
// The first requests leave now: their round trip through the bridge overlaps React's first
// render instead of following it (HubProvider's start finds the loop running).
setTransport(cockpitTransport);
store.start();
document.addEventListener("DOMContentLoaded", () => {
    createRoot(document.getElementById("app")!).render(<App />);
});
