// The page's Help entry: the project's documentation, in a new tab.
import React from "react";
import { Button } from "@patternfly/react-core";
import { ExternalLinkAltIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";

const _ = cockpit.gettext;

export const DOCUMENTATION_URL = "https://github.com/wireguard-hub/wireguard-hub#readme";

export const DocumentationLink = () => (
    <Button id="help-documentation" component="a" variant="link" href={DOCUMENTATION_URL} target="_blank" rel="noopener noreferrer"
        icon={<ExternalLinkAltIcon />} iconPosition="end">
        {_("Documentation")}
    </Button>
);
