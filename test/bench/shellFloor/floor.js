/* global cockpit */
// The least a Cockpit page can do before its first paint: one request through the bridge, then
// one word on the screen. test/bench/page.ts times it in the same shell as the hub's page.
cockpit.spawn(["true"]).then(() => {
    document.getElementById("floor").textContent = "ready";
    requestAnimationFrame(() => performance.mark("shell-floor:painted"));
});
