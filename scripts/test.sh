#!/usr/bin/env bash
# The README's test command: sets the machine up, then builds and runs every test in the solution.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
dotnet test VideoCocaPlatform.sln -c Release --nologo "$@"
