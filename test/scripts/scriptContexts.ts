// Script contexts the script tests render: the shapes a hub can have, and hostile values.
import type { ScriptContext } from "../../backend/scripts/render";

export const hubKey = "yq8jgqe04vJqd87p+wPyJKCdlNkn8T/Av8hTs0X7d2o=";
export const fakePin = "sha256//" + "Q".repeat(43) + "=";

export const baseContext: ScriptContext = {
    token: "AMx_82XJO6F5FFKNy01556dr6PAiVnorbgIVdhBJmB4",
    spokeName: "web-1",
    hubUrl: "https://203.0.113.5:51821",
    pin: fakePin,
    interfaceName: "wg0",
    agentPort: 51823,
    reenroll: false,
    addresses: ["10.0.1.5/32"],
    hubPublicKey: hubKey,
    publicEndpoint: "203.0.113.5:51820",
    privateEndpoint: "192.168.1.15:51820",
    allowedIPs: ["10.0.1.0/24"],
    dns: ["1.1.1.1", "8.8.8.8"],
    persistentKeepalive: 25,
    hubAddress: "10.0.1.1",
};

export const contexts: Record<string, ScriptContext> = {
    "IPv4 with private endpoint and DNS": baseContext,
    "public endpoint only, no DNS, no pin, plain http": {
        ...baseContext, privateEndpoint: null, dns: [], pin: null, hubUrl: "http://hub.example.net:51821",
    },
    "dual stack (IPv6 endpoints, addresses and DNS)": {
        ...baseContext,
        addresses: ["10.0.1.5/32", "fd00:1::5/128"],
        publicEndpoint: "[2001:db8::1]:51820",
        privateEndpoint: "[fd12:3456::1]:51820",
        allowedIPs: ["10.0.1.0/24", "fd00:1::/64"],
        dns: ["1.1.1.1", "2606:4700:4700::1111"],
        hubAddress: "fd00:1::1",
    },
    "routed subnets of other spokes, keepalive off, other interface": {
        ...baseContext,
        interfaceName: "wghub1",
        agentPort: 51823,
        allowedIPs: ["10.0.1.0/24", "192.168.50.0/24", "172.16.8.0/22"],
        persistentKeepalive: 0,
        dns: ["10.0.1.53", "corp.example"],
    },
};

/** Where hostile code would leave its mark. */
export function canaryPayloads(canary: string): string[] {
    return [
        `$(touch ${canary})`,
        `\`touch ${canary}\``,
        `'; touch ${canary}; '`,
        `"; touch ${canary}; "`,
        `x; touch ${canary}`,
        `x && touch ${canary} #`,
        `%s%n%x ${canary}`,
        `\\'$(touch ${canary})\\'`,
        `$IFS$(touch\${IFS}${canary})`,
        `\u2019; touch ${canary}; \u2018`,
    ];
}

/** Values that render into a script (no line breaks: those are refused for config values). */
export function hostileContext(canary: string, index: number): ScriptContext {
    const payloads = canaryPayloads(canary);
    const p = (i: number) => payloads[(index + i) % payloads.length]!;
    return {
        ...baseContext,
        spokeName: `web ${p(0)}\n$(touch ${canary})\r\n`,
        dns: [`1.1.1.1`, p(1)],
        publicEndpoint: `203.0.113.5:51820${p(2)}`,
        privateEndpoint: `192.168.1.15:51820${p(3)}`,
        allowedIPs: ["10.0.1.0/24", `192.168.7.0/24${p(4)}`],
        hubAddress: `10.0.1.1${p(5)}`,
    };
}
