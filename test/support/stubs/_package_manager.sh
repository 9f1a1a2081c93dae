# Sourced by the package-manager stubs: installing wireguard-tools puts wg and wg-quick on PATH.
install_wireguard_tools() {
    local arg
    for arg in "$@"; do
        if [ "$arg" = wireguard-tools ]; then
            if [ "${STUB_INSTALL_FAILS:-0}" = 1 ]; then echo "E: Unable to locate package wireguard-tools" >&2; exit 100; fi
            ln -sf "$STUB_DIR/wg" "$STUB_INSTALLED/wg"
            ln -sf "$STUB_DIR/wg-quick" "$STUB_INSTALLED/wg-quick"
        fi
    done
}
