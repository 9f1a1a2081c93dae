// Enter in a form's text field submits it, as it would with a submit button: PatternFly's
// dialogs keep their buttons in the footer, outside the <form>, so the browser would not.
import type React from "react";

export function submitOnEnter(submit: () => void): (event: React.KeyboardEvent) => void {
    return event => {
        const target = event.target as HTMLElement;
        if (event.key !== "Enter" || event.shiftKey || event.nativeEvent.isComposing) return;
        if (target.tagName !== "INPUT" || ["button", "checkbox", "radio", "submit"].includes((target as HTMLInputElement).type)) return;
        event.preventDefault();
        submit();
    };
}
