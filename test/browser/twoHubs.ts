// A page world whose hub shares a private PostgreSQL database with a second hub: hub-east (the
// page's), hub-west joined through the API, and a spoke on each (east-site in Paris, west-site
// in Lyon, made on hub-east with a token for hub-west and registered on hub-west).
import assert from "node:assert/strict";
import { defaultInit, spokePublicKey, startHub, type RunningHub } from "../support/hub";
import { startPostgres, type RunningPostgres } from "../support/postgres";
import { usePageWorld, type PageWorld } from "./world";

export interface TwoHubWorld {
    world: PageWorld;
    /** The second hub (the page's is world.hub). */
    west(): RunningHub;
    spokeIds: Map<string, string>;
}

export function useTwoHubWorld(options: { locale?: string } = {}): TwoHubWorld {
    let pg: RunningPostgres | null = null;
    let west: RunningHub | null = null;
    const spokeIds = new Map<string, string>();
    const hubEnv = (name: string) => ({ WGHUB_TLS: "off", WGHUB_WG_MODE: "off", WGHUB_DATABASE_URL: pg!.url, WGHUB_HUB_NAME: name });

    async function enroll(on: RunningHub, by: RunningHub, spokeName: string, extra: Record<string, unknown>): Promise<void> {
        const token = await on.admin("POST", "/api/installation/token", { spokeName, ...extra });
        assert.equal(token.status, 201, token.text);
        const registered = await by.publicRequest("POST", "/api/spoke/register", { token: token.body.token.token, publicKey: spokePublicKey(), os: "linux" });
        assert.equal(registered.status, 201, registered.text);
        spokeIds.set(spokeName, registered.body.spoke.id);
    }

    const world = usePageWorld({
        locale: options.locale,
        hub: async () => {
            pg = await startPostgres();
            return startHub({ env: hubEnv("hub-east") });
        },
        init: defaultInit,
        prepare: async east => {
            west = await startHub({ env: hubEnv("hub-west") });
            const joined = await west.admin("POST", "/api/hub/join", { publicEndpoint: "198.51.100.7:51820", privateEndpoint: "192.168.7.2:51820" });
            assert.equal(joined.status, 201, joined.text);
            await enroll(east, east, "east-site", { datacenter: "Paris" });
            await enroll(east, west, "west-site", { datacenter: "Lyon", hub: "hub-west" });
        },
    });

    // After the world's own after(): the page's hub stops before the database does.
    after(async () => {
        await west?.stop();
        await pg?.stop();
    });

    return { world, west: () => west!, spokeIds };
}
