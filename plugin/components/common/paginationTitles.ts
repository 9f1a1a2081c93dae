// PatternFly's pagination speaks English unless given its words; every list of the page uses these.
import type { PaginationTitles } from "@patternfly/react-core";
import cockpit from "cockpit";

const _ = cockpit.gettext;

export function paginationTitles(): PaginationTitles {
    return {
        items: "",
        page: _("page"),
        pages: _("pages"),
        itemsPerPage: _("Items per page"),
        perPageSuffix: _("per page"),
        ofWord: _("of"),
        paginationAriaLabel: _("Pagination"),
        currPageAriaLabel: _("Current page"),
        optionsToggleAriaLabel: _("Items per page"),
        toFirstPageAriaLabel: _("Go to first page"),
        toPreviousPageAriaLabel: _("Go to previous page"),
        toNextPageAriaLabel: _("Go to next page"),
        toLastPageAriaLabel: _("Go to last page"),
    };
}
