#!/usr/bin/env bash
# Screenshots of each page of the web interface into docs/ui/*.png (1280x800), from a running platform, in Debian's
# chromium (scripts/setup.sh installs it). Usage: scripts/ui-screenshots.sh [--url URL] [--key KEY] [--out FOLDER]
# The URL defaults to the local gateway (http://127.0.0.1:5080), the key to VCP_API_KEY, else the key the local stack
# made for itself ($VCP_HOME/api-key, as vcp uses it); an admin key shows every action.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
key_file="${VCP_HOME:-$root/.vcp}/api-key"
if [ -z "${VCP_API_KEY:-}" ] && [ -r "$key_file" ]; then
  VCP_API_KEY=$(tr -d '[:space:]' <"$key_file")
  export VCP_API_KEY
fi
dotnet build src/UiScreenshots -c Release -v quiet -nologo >/dev/null
exec dotnet "src/UiScreenshots/bin/Release/net10.0/vcp-ui-screenshots.dll" "$@"
