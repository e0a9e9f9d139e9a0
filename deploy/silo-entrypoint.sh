#!/bin/sh
# Orleans advertises an IP address, not a host name: unless Orleans__AdvertisedIPAddress is set, this container's own
# (from /etc/hosts, where Docker writes it beside the container's host name), so that scaled-out silos each get theirs.
set -eu
if [ -z "${Orleans__AdvertisedIPAddress:-}" ]; then
  address=$(awk -v host="$(cat /etc/hostname)" '$2 == host { print $1; exit }' /etc/hosts)
  [ -n "$address" ] || address=$(hostname -i 2>/dev/null | awk '{ print $1 }')
  [ -n "$address" ] || { echo "silo-entrypoint: cannot tell this container's address; set Orleans__AdvertisedIPAddress" >&2; exit 1; }
  Orleans__AdvertisedIPAddress=$address
  export Orleans__AdvertisedIPAddress
fi
exec dotnet /app/vcp-silo.dll "$@"
