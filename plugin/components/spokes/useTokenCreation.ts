// Making a token from a dialog: once at a time, the error kept for the form, the dashboard
// refreshed so the new waiting row (or cluster) shows behind the dialog.
import { useState } from "react";
import * as api from "../../api";
import { asApiError, store } from "../../store";
import type { CreatedToken, TokenRequest } from "../../types";

export function useTokenCreation() {
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState<api.ApiError | null>(null);
    const [token, setToken] = useState<CreatedToken | null>(null);

    const create = async (req: TokenRequest): Promise<void> => {
        setBusy(true);
        setError(null);
        try {
            setToken(await api.createToken(req));
            void store.refresh();
        } catch (e) {
            setError(asApiError(e));
        } finally {
            setBusy(false);
        }
    };

    return { busy, error, token, create };
}
