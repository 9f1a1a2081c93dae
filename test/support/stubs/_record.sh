# Sourced by every stub: appends one line "name<TAB>arg<TAB>arg…" to $STUB_LOG.
stub_record() {
    local name line arg
    name=$(basename "$0")
    line=$name
    for arg in "$@"; do line="$line	$arg"; done
    printf '%s\n' "$line" >>"${STUB_LOG:-/dev/null}"
}
stub_record "$@"
STATE=${STUB_STATE:?STUB_STATE is not set}
