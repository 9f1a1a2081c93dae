// Add a spoke: the form makes a one-time token, then the same dialog shows the commands and follows the spoke.
import React, { useMemo, useState } from "react";
import {
    Form, ModalBody, ModalFooter, ModalHeader,
} from "@patternfly/react-core";
import { Dialog } from "../common/dialog";
import cockpit from "cockpit";
import { DEFAULT_TOKEN_LIFETIME, TokenLifetimeField } from "../common/tokenLifetime";
import { useStore } from "../../store";
import type { TokenRequest } from "../../types";
import { Field } from "../common/field";
import { TokenView } from "./tokenView";
import { checkSpokeAddress, checkSpokeName, checkSubnets, splitList } from "../../util/validate";
import { InlineError } from "../common/inlineError";
import { DatacenterPicker } from "../common/datacenterPicker";
import { resolveDatacenter } from "../../util/datacenters";
import { useDatacenters } from "../common/useDatacenters";
import { submitOnEnter } from "../common/submitOnEnter";
import { TokenDialogFooter, TokenCloseQuestion, useTokenCloseGuard } from "./tokenCloseGuard";
import { useTokenCreation } from "./useTokenCreation";
import { HubField } from "../common/hubField";
import { hasSeveralHubs, selfHub } from "../../util/hubs";

const _ = cockpit.gettext;


export const AddSpokeDialog = ({ onClose }: { onClose: () => void }) => {
    const { config, hubs } = useStore();
    const severalHubs = hasSeveralHubs(hubs);
    const datacenters = useDatacenters();
    const [name, setName] = useState("");
    const [address, setAddress] = useState("");
    const [datacenter, setDatacenter] = useState("");
    const [subnets, setSubnets] = useState("");
    const [ttl, setTtl] = useState(DEFAULT_TOKEN_LIFETIME);
    const [hub, setHub] = useState(() => selfHub(hubs)?.name ?? "");
    const [tried, setTried] = useState(false);
    const { busy, error, token, create } = useTokenCreation();
    // Before a token exists there is nothing to lose: the form closes at once.
    const guard = useTokenCloseGuard(onClose, token !== null);

    const errors = useMemo(() => {
        // Names are labels, not keys (the API and the CLI tell spokes apart by id): two sites
        // may both have a "pve-1".
        return {
            name: checkSpokeName(name),
            address: checkSpokeAddress(address, config?.networkCIDR),
            subnets: checkSubnets(subnets),
        };
    }, [name, address, subnets, config]);
    const valid = !errors.name && !errors.address && !errors.subnets;

    const submit = async () => {
        if (busy || token) return;
        setTried(true);
        if (!valid) return;
        const req: TokenRequest = { spokeName: name.trim(), ttl };
        if (address.trim()) req.customIP = address.trim();
        const pickedDatacenter = resolveDatacenter(datacenter, datacenters);
        if (pickedDatacenter) req.datacenter = pickedDatacenter;
        const nets = splitList(subnets);
        if (nets.length) req.subnets = nets;
        if (severalHubs && hub) req.hub = hub;
        await create(req);
    };

    return (
        <Dialog id="add-spoke-dialog" isOpen onClose={guard.requestClose} variant="medium" aria-labelledby="add-spoke-title"
            elementToFocus="#add-spoke-name">
            <ModalHeader labelId="add-spoke-title"
                title={token ? cockpit.format(_("Install $0"), token.spokeName) : _("Add spoke")} />
            <ModalBody>
                {guard.asking && <TokenCloseQuestion />}
                {token
                    ? <TokenView token={token} {...guard.follow} />
                    : (
                        <Form id="add-spoke-form" isHorizontal onKeyDown={submitOnEnter(() => void submit())} onSubmit={e => {
                            e.preventDefault();
                            void submit();
                        }}>
                            <Field id="add-spoke-name" label={_("Name")} isRequired value={name} onChange={setName}
                                error={errors.name} showError={tried || name !== ""} example={_("branch-office-1")} />
                            <Field id="add-spoke-address" label={_("Fixed address")} value={address} onChange={setAddress}
                                error={errors.address} showError={tried || address !== ""}
                                helper={cockpit.format(_("Optional. Empty takes the next free address in $0."), config?.networkCIDR ?? "")} />
                            <DatacenterPicker id="add-spoke-datacenter" label={_("Datacenter")} value={datacenter} onChange={setDatacenter}
                                existing={datacenters} helper={_("Optional. Groups Proxmox VE clusters in the Proxmox tab.")} />
                            <Field id="add-spoke-subnets" label={_("Routed subnets")} value={subnets} onChange={setSubnets}
                                error={errors.subnets} showError={tried || subnets !== ""} example="192.168.10.0/24"
                                helper={_("Optional. Networks behind this spoke that the hub routes to it, separated by commas.")} />
                            {severalHubs && <HubField id="add-spoke-hub" hubs={hubs} value={hub} onChange={setHub} />}
                            <TokenLifetimeField id="add-spoke-ttl" value={ttl} onChange={setTtl} />
                            {error && (
                                <InlineError id="add-spoke-error" title={_("The token could not be created")} error={error} className="" />
                            )}
                        </Form>
                    )}
            </ModalBody>
            <ModalFooter>
                <TokenDialogFooter idPrefix="add-spoke" guard={guard} made={!!token} busy={busy} isDisabled={tried && !valid}
                    onCreate={() => void submit()} onCancel={onClose} />
            </ModalFooter>
        </Dialog>
    );
};
