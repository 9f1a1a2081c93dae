#!/bin/sh
# /usr/bin/wireguard-hub: the admin command; it talks to the service's unix socket.
exec /usr/bin/node /usr/lib/wireguard-hub/backend/cli.js "$@"
