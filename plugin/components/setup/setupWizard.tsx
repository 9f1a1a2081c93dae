// First run: the hub has no configuration yet (GET /api/hub/config is 404).
import React, { useEffect, useMemo, useState } from "react";
import {
    Button, Card, CardBody, CardTitle, Content, DescriptionList, DescriptionListDescription, DescriptionListGroup,
    DescriptionListTerm, Form, Wizard, WizardStep,
} from "@patternfly/react-core";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, asApiError } from "../../store";
import type { InitializeRequest } from "../../types";
import { Field } from "../common/field";
import {
    checkDNS, checkEndpoint, checkNetworkCIDR, checkNetworkCIDRv6, checkOptionalEndpoint, checkPort, splitList,
} from "../../util/validate";
import { InlineError } from "../common/inlineError";
import { RestoreDialog } from "../backup/restoreDialog";

const _ = cockpit.gettext;

interface Values {
    networkCIDR: string;
    networkCIDRv6: string;
    listenPort: string;
    publicEndpoint: string;
    privateEndpoint: string;
    dns: string;
}

const INITIAL: Values = {
    networkCIDR: "10.0.1.0/24",
    networkCIDRv6: "",
    listenPort: "51820",
    publicEndpoint: "",
    privateEndpoint: "",
    dns: "",
};

/** What the wizard sends: the contract's request, DNS always as a list. */
type WizardRequest = InitializeRequest & { dns?: string[] };

function toRequest(v: Values): WizardRequest {
    const req: WizardRequest = {
        networkCIDR: v.networkCIDR.trim(),
        listenPort: Number(v.listenPort),
        publicEndpoint: v.publicEndpoint.trim(),
    };
    if (v.networkCIDRv6.trim()) req.networkCIDRv6 = v.networkCIDRv6.trim();
    if (v.privateEndpoint.trim()) req.privateEndpoint = v.privateEndpoint.trim();
    const dns = splitList(v.dns);
    if (dns.length) req.dns = dns;
    return req;
}

const footer = (step: string, extra: object = {}) => ({
    nextButtonProps: { id: `setup-${step}-next` },
    backButtonProps: { id: `setup-${step}-back` },
    nextButtonText: _("Next"),
    backButtonText: _("Back"),
    isCancelHidden: true,
    ...extra,
});

// Each step's first field takes the focus once shown (the wizard's own focus of its content is
// turned off: it would land on the step's container, one Tab away from the field).
const firstFieldOfStep: Record<string, string> = {
    "setup-step-network": "setup-network-cidr",
    "setup-step-endpoints": "setup-public-endpoint",
    "setup-step-dns": "setup-dns",
};

function focusFirstField(stepId: string): void {
    const field = firstFieldOfStep[stepId];
    if (field) window.requestAnimationFrame(() => document.getElementById(field)?.focus());
}

export const SetupWizard = () => {
    const [values, setValues] = useState<Values>(INITIAL);
    const [touched, setTouched] = useState<Record<string, boolean>>({});
    const [busy, setBusy] = useState(false);
    const [failure, setFailure] = useState<api.ApiError | null>(null);
    const [restoring, setRestoring] = useState(false);
    const [enrollPort, setEnrollPort] = useState<number | null>(null);
    useEffect(() => {
        // The enrollment port is the service's setting, known before the hub is set up.
        api.getHubStatus().then(s => setEnrollPort(s.enrollmentPort), () => setEnrollPort(null));
    }, []);

    const errors = useMemo(() => ({
        networkCIDR: checkNetworkCIDR(values.networkCIDR),
        networkCIDRv6: checkNetworkCIDRv6(values.networkCIDRv6),
        listenPort: checkPort(values.listenPort),
        publicEndpoint: checkEndpoint(values.publicEndpoint),
        privateEndpoint: checkOptionalEndpoint(values.privateEndpoint),
        dns: checkDNS(values.dns),
    }), [values]);

    const set = (key: keyof Values) => (value: string) => {
        setValues(v => ({ ...v, [key]: value }));
        setTouched(t => ({ ...t, [key]: true }));
    };
    const field = (key: keyof Values, id: string, label: string, extra: { helper?: string; example?: string; isRequired?: boolean; autoFocus?: boolean } = {}) => (
        <Field id={id} label={label} value={values[key]} onChange={set(key)} error={errors[key]}
            showError={touched[key] ?? false} {...extra} />
    );

    const networkOk = !errors.networkCIDR && !errors.networkCIDRv6 && !errors.listenPort;
    const endpointsOk = !errors.publicEndpoint && !errors.privateEndpoint;
    const dnsOk = !errors.dns;

    const submit = async () => {
        setBusy(true);
        setFailure(null);
        try {
            const answer = await api.initializeHub(toRequest(values));
            store.showSetupResult(answer.config);
        } catch (e) {
            setFailure(asApiError(e));
        } finally {
            setBusy(false);
        }
    };

    const req = toRequest(values);
    return (
        <Card id="setup">
            <CardTitle>{_("Set up the WireGuard hub")}</CardTitle>
            <CardBody>
                <Content component="p" id="setup-restore-offer">
                    {_("Moving a hub to this machine, or replacing one that was lost?")}{" "}
                    <Button id="setup-restore" variant="link" isInline onClick={() => setRestoring(true)}>{_("Restore from a backup")}</Button>
                </Content>
                {restoring && <RestoreDialog onClose={() => setRestoring(false)} />}
                <Wizard id="setup-wizard" height={520} navAriaLabel={_("Setup steps")} isVisitRequired onSave={() => void submit()}
                    shouldFocusContent={false} onStepChange={(_event, step) => focusFirstField(String(step.id))}>
                    <WizardStep id="setup-step-network" name={_("Network")} footer={footer("network", { isNextDisabled: !networkOk })}>
                        <Form onSubmit={e => e.preventDefault()}>
                            {field("networkCIDR", "setup-network-cidr", _("VPN network (IPv4)"),
                                { isRequired: true, autoFocus: true, helper: _("The hub takes the first address; spokes get the next free ones.") })}
                            {field("networkCIDRv6", "setup-network-cidr6", _("VPN network (IPv6, optional)"),
                                { example: "fd00:1::/64" })}
                            {field("listenPort", "setup-listen-port", _("WireGuard UDP port"), { isRequired: true })}
                        </Form>
                    </WizardStep>
                    <WizardStep id="setup-step-endpoints" name={_("Endpoints")} footer={footer("endpoints", { isNextDisabled: !endpointsOk })}>
                        <Form onSubmit={e => e.preventDefault()}>
                            {field("publicEndpoint", "setup-public-endpoint", _("Public endpoint"), {
                                isRequired: true, example: "vpn.example.com:51820",
                                helper: _("The host:port spokes on the internet use to reach this hub."),
                            })}
                            {field("privateEndpoint", "setup-private-endpoint", _("Private endpoint (optional)"), {
                                example: "192.168.1.15:51820",
                                helper: _("Spokes that can reach this address on the local network use it instead."),
                            })}
                        </Form>
                    </WizardStep>
                    <WizardStep id="setup-step-dns" name={_("DNS")} footer={footer("dns", { isNextDisabled: !dnsOk })}>
                        <Form onSubmit={e => e.preventDefault()}>
                            {field("dns", "setup-dns", _("DNS servers for spokes (optional)"), {
                                example: "1.1.1.1, 8.8.8.8",
                                helper: _("Separated by commas or spaces. Leave empty to keep each spoke's own DNS."),
                            })}
                        </Form>
                    </WizardStep>
                    <WizardStep id="setup-step-review" name={_("Review")}
                        footer={footer("review", { nextButtonText: _("Initialize hub"), isNextDisabled: busy || !(networkOk && endpointsOk && dnsOk) })}>
                        <DescriptionList isHorizontal id="setup-review">
                            <DescriptionListGroup>
                                <DescriptionListTerm>{_("VPN network")}</DescriptionListTerm>
                                <DescriptionListDescription id="setup-review-network">
                                    {[req.networkCIDR, req.networkCIDRv6].filter(Boolean).join(", ")}
                                </DescriptionListDescription>
                            </DescriptionListGroup>
                            <DescriptionListGroup>
                                <DescriptionListTerm>{_("Ports spokes need")}</DescriptionListTerm>
                                <DescriptionListDescription id="setup-review-ports">
                                    {enrollPort
                                        ? cockpit.format(_("UDP $0 for WireGuard, TCP $1 for enrollment"), values.listenPort.trim(), enrollPort)
                                        : cockpit.format(_("UDP $0 for WireGuard, and the service's enrollment port over TCP (shown once the hub is set up)"), values.listenPort.trim())}
                                </DescriptionListDescription>
                            </DescriptionListGroup>
                            <DescriptionListGroup>
                                <DescriptionListTerm>{_("Public endpoint")}</DescriptionListTerm>
                                <DescriptionListDescription id="setup-review-public">{req.publicEndpoint}</DescriptionListDescription>
                            </DescriptionListGroup>
                            <DescriptionListGroup>
                                <DescriptionListTerm>{_("Private endpoint")}</DescriptionListTerm>
                                <DescriptionListDescription>{req.privateEndpoint ?? _("none")}</DescriptionListDescription>
                            </DescriptionListGroup>
                            <DescriptionListGroup>
                                <DescriptionListTerm>{_("DNS servers")}</DescriptionListTerm>
                                <DescriptionListDescription>{req.dns?.join(", ") ?? _("none")}</DescriptionListDescription>
                            </DescriptionListGroup>
                        </DescriptionList>
                        {failure && (
                            <InlineError id="setup-error" title={_("The hub could not be initialized")} error={failure} />
                        )}
                    </WizardStep>
                </Wizard>
            </CardBody>
        </Card>
    );
};
