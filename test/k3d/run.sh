#!/usr/bin/env bash
# Runs the integration suite against a k3d cluster instead of the local control plane.
# Needs Docker and k3d, which the project's own machines lack: not exercised in CI here.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v k3d >/dev/null || { echo "k3d not found (https://k3d.io); it needs a Docker engine" >&2; exit 1; }

cluster="ramp-test-$$"
kubeconfig="$(mktemp)"
cleanup() { k3d cluster delete "$cluster" >/dev/null 2>&1 || true; rm -f "$kubeconfig"; }
trap cleanup EXIT

k3d cluster create "$cluster" --wait --timeout 180s --no-lb --k3s-arg '--disable=traefik@server:0'
k3d kubeconfig get "$cluster" >"$kubeconfig"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
RAMP_TEST_KUBECONFIG="$kubeconfig" npx vitest run --project integration
