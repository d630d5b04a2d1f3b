#!/usr/bin/env bash
# CTest's entry to the browser journeys (journeys.mjs): exits 77, which CTest reports as
# skipped, when node or Chromium is not installed; fails when playwright-core is missing
# (scripts/bootstrap.sh installs it with `npm ci` here).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null; then
  echo "SKIP: node is not installed (scripts/bootstrap.sh installs it)"
  exit 77
fi
if [ -z "${GANGWAY_CHROMIUM:-}" ] && [ ! -x /usr/lib/chromium/chromium ] && [ ! -x /usr/bin/chromium ]; then
  echo "SKIP: Chromium is not installed (scripts/bootstrap.sh installs Debian's chromium)"
  exit 77
fi
if [ ! -f node_modules/playwright-core/package.json ]; then
  echo "playwright-core is missing in tests/browser/node_modules: run scripts/bootstrap.sh" \
       "(or: npm ci --prefix tests/browser)" >&2
  exit 1
fi
exec node --test --test-reporter=spec journeys.mjs
