#!/usr/bin/env bash
# The demo: sets everything up and starts, on loopback, a gateway with TLS in front of a small
# demo app, then waits. Ctrl-C stops everything it started.
# (The demo issue grows this to the full two-site system.)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build gangway

run_dir=$(mktemp -d /tmp/gangway-demo.XXXXXX)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$run_dir"
  echo "demo stopped; nothing left running"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for() {  # wait_for DESCRIPTION COMMAND...: polls until COMMAND succeeds, 20 s at most
  local what=$1; shift
  for _ in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "demo: $what did not come up; see $run_dir" >&2; exit 1
}

bash certs/make-dev-certs.sh "$run_dir/certs" >/dev/null
head -c 24 /dev/urandom | base64 > "$run_dir/admin-token"

app_port=$(free_port)
python3 demo/upstream_app.py --site legacy --port "$app_port" --log "$run_dir/legacy-app.log" &
pids+=($!)
wait_for "demo app" curl -sf "http://127.0.0.1:$app_port/api/clock"

gw_port=${GANGWAY_DEMO_PORT:-8443}
cat > "$run_dir/legacy.toml" <<TOML
[server]
instance_id = "legacy-1"
[server.tls]
listen = "127.0.0.1:$gw_port"
cert_file = "certs/legacy.localhost.crt"
key_file = "certs/legacy.localhost.key"
[admin]
listen = "127.0.0.1:0"
token_file = "admin-token"
[upstream]
servers = ["127.0.0.1:$app_port"]
[routing]
api_prefixes = ["/api/"]
[log]
access_log = "access.log"
TOML
build/gangway check-config --config "$run_dir/legacy.toml" >/dev/null
build/gangway serve --config "$run_dir/legacy.toml" --ready-file "$run_dir/legacy.ready" \
  2>"$run_dir/legacy-gateway.log" &
pids+=($!)
wait_for "gateway" test -s "$run_dir/legacy.ready"
admin_port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin_port"])' "$run_dir/legacy.ready")

cat <<MSG

Gangway demo is up (everything on 127.0.0.1):
  open      https://legacy.localhost:$gw_port/      (dev CA: $run_dir/certs/ca.crt)
  try       curl --cacert $run_dir/certs/ca.crt https://legacy.localhost:$gw_port/dashboard
  metrics   curl -H "Authorization: Bearer \$(cat $run_dir/admin-token)" http://127.0.0.1:$admin_port/metrics
  logs      $run_dir/access.log (JSON, one line per request)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
