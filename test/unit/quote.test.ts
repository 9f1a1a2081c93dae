import assert from "node:assert/strict";
import { confSafe, fileNameSafe, psList, psQuote, shQuote, shWords, UnquotableValue } from "../../backend/scripts/quote";
import { installCommand, tunnelNetworkOf } from "../../backend/scripts/render";

describe("shQuote", () => {
    it("wraps in single quotes and closes, escapes and reopens around a quote", () => {
        assert.equal(shQuote("plain"), "'plain'");
        assert.equal(shQuote(""), "''");
        assert.equal(shQuote("it's"), "'it'\\''s'");
        assert.equal(shQuote("''"), "''\\'''\\'''");
    });

    it("leaves $, backticks, backslashes, newlines and % inside the quotes untouched", () => {
        const v = "$(id) `id` \\ \n %s ; & | > \"";
        assert.equal(shQuote(v), `'${v}'`);
    });

    it("refuses NUL, which no shell string can hold", () => {
        assert.throws(() => shQuote("a\0b"), UnquotableValue);
    });

    it("quotes each word of a list", () => {
        assert.equal(shWords(["a b", "c'd"]), "'a b' 'c'\\''d'");
        assert.equal(shWords([]), "");
    });
});

describe("psQuote", () => {
    it("doubles the ASCII quote and the Unicode single quotes PowerShell also ends strings at", () => {
        assert.equal(psQuote("it's"), "'it''s'");
        assert.equal(psQuote("a\u2018b\u2019c\u201Ad\u201Be"), "'a\u2018\u2018b\u2019\u2019c\u201A\u201Ad\u201B\u201Be'");
    });

    it("leaves $ and backticks alone: single-quoted PowerShell strings do not expand", () => {
        assert.equal(psQuote("$(calc) `n $env:X"), "'$(calc) `n $env:X'");
    });

    it("refuses NUL", () => {
        assert.throws(() => psQuote("\0"), UnquotableValue);
    });

    it("makes an array literal's elements", () => {
        assert.equal(psList(["1.1.1.1", "o'k"]), "'1.1.1.1', 'o''k'");
    });
});

describe("confSafe and fileNameSafe", () => {
    it("refuses a line break or other control character in a WireGuard config value", () => {
        assert.equal(confSafe("1.1.1.1", "dns"), "1.1.1.1");
        assert.throws(() => confSafe("1.1.1.1\nPostUp = id", "dns"), UnquotableValue);
        assert.throws(() => confSafe("a\tb", "dns"), UnquotableValue);
        assert.throws(() => confSafe("a\rb", "dns"), UnquotableValue);
    });

    it("keeps download names to letters, digits, dot, dash and underscore", () => {
        assert.equal(fileNameSafe("web-1"), "web-1");
        assert.equal(fileNameSafe("a b/\"c\"\r\n"), "a-b-c-");
        assert.equal(fileNameSafe("../../etc"), "etc");
        assert.equal(fileNameSafe("\u00e9"), "spoke");
    });
});

describe("tunnelNetworkOf", () => {
    it("finds the allowed-IPs entry that holds the spoke's address", () => {
        assert.equal(tunnelNetworkOf(["10.0.1.5/32"], ["192.168.50.0/24", "10.0.1.0/24"]), "10.0.1.0/24");
        assert.equal(tunnelNetworkOf(["fd00::5/128"], ["10.0.1.0/24", "fd00::/64"]), "fd00::/64");
        assert.equal(tunnelNetworkOf(["10.9.9.9/32"], ["10.0.1.0/24"]), "");
        assert.equal(tunnelNetworkOf([], ["10.0.1.0/24"]), "");
    });
});

describe("installCommand", () => {
    const url = "https://203.0.113.5:51821/api/installation/script/TOKEN?platform=linux";
    const pin = "sha256//" + "A".repeat(43) + "=";

    // The URL holds the token: curl reads it from stdin (-K -), written by the shell's printf.
    const fetch = (u: string, tls: string) => `printf 'url = "%s"\\n' '${u}' | curl -fsSL${tls} -K -`;

    it("pins the key for curl, https only, and pipes to sudo bash", () => {
        assert.equal(installCommand("linux", url, pin), `${fetch(url, ` --proto =https -k --pinnedpubkey '${pin}'`)} | sudo bash`);
        assert.equal(installCommand("macos", url, pin), `${fetch(url, ` --proto =https -k --pinnedpubkey '${pin}'`)} | sudo bash`);
    });

    it("pipes to bash on Proxmox VE, which has no sudo and a root shell", () => {
        assert.equal(installCommand("proxmox", url, pin), `${fetch(url, ` --proto =https -k --pinnedpubkey '${pin}'`)} | bash`);
    });

    it("drops -k and the pin without one (CA certificate or plain http)", () => {
        assert.equal(installCommand("linux", url, null), `${fetch(url, " --proto =https")} | sudo bash`);
        const plain = url.replace("https:", "http:");
        assert.equal(installCommand("linux", plain, null), `${fetch(plain, "")} | sudo bash`);
    });

    it("refuses a URL that could end or escape curl's quoted config value", () => {
        for (const bad of [`${url}"`, `${url}\\`, `${url} x`, `${url}\n`]) assert.throws(() => installCommand("linux", bad, pin), UnquotableValue);
    });

    it("checks the pin in PowerShell before sending the request", () => {
        const cmd = installCommand("windows", url, pin);
        assert.ok(cmd.includes(`$p='${pin}'`));
        assert.ok(cmd.indexOf("AuthenticateAsClient") < cmd.indexOf("$w.Write("), "the TLS check comes before the request");
        assert.ok(cmd.includes("-ceq $p"), "base64 is compared case-sensitively");
        assert.ok(!installCommand("windows", url, null).includes("SslStream"));
    });
});
