#!/usr/bin/env bash
# The demo: two sites, each with its own MariaDB, demo app and gateway with TLS, on loopback,
# mid-migration: some accounts live on "legacy" (the shared origin), some have moved to "new".
# Prints the URLs, the demo logins and how to move an account, then waits. Ctrl-C stops
# everything it started and removes its temp dir.
#
#   bash scripts/demo.sh                          install what is missing, build, run
#   bash scripts/demo.sh --background READY_FILE  the same, but writes READY_FILE (JSON) once up
#                                                 and runs until SIGTERM (tests/browser uses it)
#
#   GANGWAY_DEMO_LEGACY_PORT, GANGWAY_DEMO_NEW_PORT   HTTPS ports (default 8443, 9443)
#   GANGWAY_BINARY   use this gangway binary: no bootstrap, no build (the browser tests set it)
# The system itself is demo/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${GANGWAY_BINARY:-}" ]; then
  bash scripts/bootstrap.sh
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C build gangway
  export GANGWAY_BINARY=$PWD/build/gangway
fi
exec bash demo/run.sh "$@"
