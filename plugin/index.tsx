import "@patternfly/patternfly/patternfly-base.css";
import "@patternfly/patternfly/patternfly-addons.css";
import "./index.css";
import React from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { followCockpitTheme } from "./theme";

followCockpitTheme();
document.addEventListener("DOMContentLoaded", () => {
    createRoot(document.getElementById("app")!).render(<App />);
});
