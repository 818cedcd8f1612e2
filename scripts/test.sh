#!/usr/bin/env bash
# The test command (`npm test`): installs what the suite needs, builds, lints, and runs the unit and
# integration tests against a real local control plane. On a fresh machine the first run builds
# the control plane from Go modules (several minutes); later runs reuse the cache.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "test: '$1' is required ($2)" >&2; exit 1; }; }
need node "Node.js 20"
need git "the git tests and GitOps"
need openssl "certificates of the local control plane"
need apt-get "Prometheus comes from Debian's prometheus package"
# Go is needed only when the control plane is not cached yet; `ramp local up` says so clearly.

# npm packages: install when missing or when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run --silent build
npm run --silent lint

report="$(mktemp -d)/vitest.json"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# One plain closing line for CI: "N passed, N failed".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$report" || true
exit "$status"
