// Follows Cockpit's light/dark choice the way Cockpit's own pages do: the shell stores it
// in localStorage "shell:style" (auto, light, dark) and tells open pages with a
// "cockpit-style" event; "auto" follows the browser.
const DARK_CLASS = "pf-v6-theme-dark";
const STYLE_KEY = "shell:style";

function storedStyle(): string {
    try {
        return window.localStorage.getItem(STYLE_KEY) ?? "auto";
    } catch {
        return "auto";
    }
}

function apply(style: string): void {
    const prefersDark = window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
    const dark = style === "dark" || (style !== "light" && prefersDark);
    document.documentElement.classList.toggle(DARK_CLASS, dark);
}

export function followCockpitTheme(): void {
    apply(storedStyle());
    window.addEventListener("storage", event => {
        if (event.key === STYLE_KEY) apply(event.newValue ?? "auto");
    });
    window.addEventListener("cockpit-style", event => {
        const style = (event as CustomEvent<{ style?: string }>).detail?.style;
        apply(style ?? storedStyle());
    });
    window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener("change", () => apply(storedStyle()));
}
