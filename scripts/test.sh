#!/usr/bin/env bash
# The README's test command: sets the machine up (with the PostgreSQL and RabbitMQ that the
# platform's integration tests run on), then builds and runs every test in the solution.
# tests/Platform.Tests starts the private stack itself (scripts/stack.sh start, a no-op when it
# runs already) and leaves it running for the next run; scripts/stack.sh stop stops it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" --stack
cd "$root"
# --blame: should a test host crash, the log names the tests it was running.
dotnet test VideoCocaPlatform.sln -c Release --nologo --blame "$@"
