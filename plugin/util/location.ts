// The page's address (the part of the shell's URL after the page's name), through Cockpit's
// own cockpit.location: #/traffic?spoke=<id> is path ["traffic"] with options { spoke }.
import { useEffect, useState } from "react";
import cockpit from "cockpit";

export interface PageLocation {
    path: string[];
    options: Record<string, string>;
}

function current(): PageLocation {
    const options: Record<string, string> = {};
    for (const [key, value] of Object.entries(cockpit.location.options))
        options[key] = Array.isArray(value) ? value[0] ?? "" : value;
    return { path: [...cockpit.location.path], options };
}

/** The current location, followed as the admin navigates (back/forward, links, go()). */
export function usePageLocation(): PageLocation {
    const [location, setLocation] = useState(current);
    useEffect(() => {
        const follow = () => setLocation(current());
        cockpit.addEventListener("locationchanged", follow);
        return () => cockpit.removeEventListener("locationchanged", follow);
    }, []);
    return location;
}

/** Goes to a location; Cockpit keeps it in the shell's URL, so a reload comes back to it. */
export function goTo(path: string[], options: Record<string, string> = {}): void {
    cockpit.location.go(path, options);
}
