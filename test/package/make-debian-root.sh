#!/bin/bash
# Makes (once) a tarball of a minimal Debian root (bookworm = 12, trixie = 13) with fresh
# package lists and the archives the .deb's dependencies will want already downloaded (not
# installed), so the package test unpacks it in seconds and apt still resolves every
# dependency itself.
#   make-debian-root.sh SUITE CACHE_TARBALL
set -euo pipefail

suite=$1
tarball=$2
case $suite in
    bookworm | trixie) ;;
    *)
        echo "make-debian-root: unknown suite $suite (bookworm or trixie)" >&2
        exit 2
        ;;
esac
work=""
# libsqlite3-0: the .deb needs it when sqlite3 was built against Debian's (npm_config_sqlite=/usr,
# as .ci/run does). deb.test.ts names the tarball with a number that changes with this list.
packages_to_prefetch="nodejs ca-certificates wireguard-tools iproute2 wireguard-go libsqlite3-0"

mirror_of_this_machine() {
    local sources=/etc/apt/sources.list.d/debian.sources
    local uri=""
    if [[ -r $sources ]]; then
        uri=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$sources")
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# Runs a command in the new root with /proc and /dev mounted in a private mount namespace,
# so the mounts vanish with the command whatever happens to this script.
in_root() {
    local root=$1
    shift
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare --mount --propagation private sh -c \
        'mount -t proc proc "$0/proc" && mount --bind /dev "$0/dev" && exec chroot "$0" "$@"' \
        "$root" "$@"
}

main() {
    if [[ -s $tarball ]]; then
        echo "cached root: $tarball"
        return 0
    fi
    mkdir -p "$(dirname "$tarball")"
    work=$(mktemp -d "$(dirname "$tarball")/root.XXXXXX")
    trap 'rm -rf --one-file-system "$work"' EXIT

    local mirror
    mirror=$(mirror_of_this_machine)
    echo "debootstrap $suite from $mirror"
    debootstrap --variant=minbase "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
        tail -n 30 "$work/debootstrap.log" >&2
        exit 1
    }
    local root=$work/root
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    in_root "$root" apt-get update -q >/dev/null
    # shellcheck disable=SC2086 # a list of package names
    in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --download-only \
        --no-install-recommends $packages_to_prefetch >/dev/null

    tar --numeric-owner -C "$root" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    echo "cached root: $tarball ($(du -h "$tarball" | cut -f1))"
}

main "$@"
