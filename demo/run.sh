#!/usr/bin/env bash
# The two-site demo system, everything on 127.0.0.1, everything under one temp dir:
#   two MariaDB servers (tests/support/mariadb.sh), each with gangway's tables and the demo
#   app's tables and data (demo/app_schema.sql, demo/seed_<site>.sql); one demo app per site
#   (demo/upstream_app.py); one gateway per site with TLS (dev certificates), login, hand-over
#   between the sites, sign-up on "new"; accounts placed with `gangway accounts add|set`.
#
# scripts/demo.sh installs and builds, then runs this with GANGWAY_BINARY set:
#   demo/run.sh                          foreground: prints URLs and logins, runs until Ctrl-C
#   demo/run.sh --background READY_FILE  writes READY_FILE (JSON: origins, ports, CA, logs) once
#                                        everything is up; runs until SIGTERM, or until its
#                                        standard input closes when that is a pipe or socket
#                                        (the starter died); the browser tests use this
# Either way, stopping stops every process it started and removes the temp dir.
#   GANGWAY_DEMO_LEGACY_PORT, GANGWAY_DEMO_NEW_PORT   the gateways' HTTPS ports (8443, 9443)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

gangway=$(realpath "${GANGWAY_BINARY:?GANGWAY_BINARY must name the gangway binary (scripts/demo.sh sets it)}")
declare -A port=([legacy]=${GANGWAY_DEMO_LEGACY_PORT:-8443} [new]=${GANGWAY_DEMO_NEW_PORT:-9443})
sites=(legacy new)

ready_file=""
case "${1-}" in
  "") ;;
  --background) ready_file=${2:?usage: demo/run.sh [--background READY_FILE]}
                ready_file=$(realpath -m "$ready_file") ;;
  *) echo "usage: demo/run.sh [--background READY_FILE]" >&2; exit 2 ;;
esac

run_dir=$(mktemp -d /tmp/gangway-demo.XXXXXX)
pids=()          # every long-running process we started, in start order
stdin_watch=""   # background mode: the process that ends when our standard input closes
exec {never_ready}<> <(:)  # a pipe nobody writes to: `read -t` on it is a bounded pause

say() { echo "demo: $*" >&2 || true; }
pause() { read -rt 0.1 -u "$never_ready" || true; }

# poll_until SECONDS DESCRIPTION COMMAND...: runs COMMAND until it succeeds, at most SECONDS.
poll_until() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then say "$what did not come up in ${seconds}s"; return 1; fi
    pause
  done
}

# stop_pid PID: SIGTERM, up to 10 s to exit (a gateway drains for timeouts.drain_ms), then SIGKILL.
stop_pid() {
  local pid=$1 deadline=$((SECONDS + 10))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do pause; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap '' INT TERM  # a second Ctrl-C must not cut the cleanup short
  trap '' PIPE      # nor a starter that went away with our stdout and stderr
  if ((status != 0 && status != 130 && status != 143)); then
    for log in "$run_dir"/*/gateway.log "$run_dir"/*/app.log "$run_dir"/mariadb/*/error.log; do
      [ -s "$log" ] && { echo "--- last lines of $log" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  # Gateways first (they hold database connections), then the apps, then the databases.
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}"; done
  bash tests/support/mariadb.sh stop "$run_dir/mariadb" || true
  rm -rf "$run_dir"
  [ -n "$ready_file" ] && rm -f "$ready_file"
  say "stopped; nothing it started is left running"
  [ -n "$ready_file" ] && ((status == 143)) && status=0  # SIGTERM is how background mode ends
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# SO_REUSEADDR as the gateway's listener has it: connections of an earlier demo still in
# TIME_WAIT do not make a port look taken.
port_is_free() {
  python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1",int(sys.argv[1])))' "$1" 2>/dev/null
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

check_ports() {
  local site
  for site in "${sites[@]}"; do
    port_is_free "${port[$site]}" && continue
    say "port ${port[$site]} (site $site) is taken; is another demo running? Choose others with" \
        "GANGWAY_DEMO_LEGACY_PORT / GANGWAY_DEMO_NEW_PORT."
    return 1
  done
}

# Dev CA and certificates for legacy.localhost and new.localhost; per site a session key file and
# an assertion key file; one peer key file both gateways share; an admin token per site.
make_secrets() {
  bash certs/make-dev-certs.sh "$run_dir/certs" >/dev/null
  (umask 077
   "$gangway" keys generate --id-prefix peer 2>/dev/null >"$run_dir/peer.keys"
   for site in "${sites[@]}"; do
     mkdir -p "$run_dir/$site"
     "$gangway" keys generate --id-prefix session 2>/dev/null >"$run_dir/$site/session.keys"
     "$gangway" keys generate --id-prefix assert 2>/dev/null >"$run_dir/$site/assertion.keys"
     openssl rand -hex 24 >"$run_dir/$site/admin-token"
   done)
}

# One MariaDB server per site; database `app` with the demo app's tables and that site's data.
start_databases() {
  say "starting MariaDB for ${sites[*]} (a few seconds each)"
  bash tests/support/mariadb.sh start "$run_dir/mariadb" "${sites[@]}" >/dev/null
  local site db
  for site in "${sites[@]}"; do
    db=$run_dir/mariadb/$site
    # A client option file, so no password is ever on a command line; the app reads through it.
    (umask 077; cat >"$run_dir/$site/client.cnf" <<CNF
[client]
protocol=tcp
host=127.0.0.1
port=$(cat "$db/port")
user=gangway
password=$(cat "$db/password")
[mysql]
database=app
CNF
    )
    mariadb --defaults-file="$run_dir/$site/client.cnf" --database=mysql \
      -e "CREATE DATABASE app CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
    mariadb --defaults-file="$run_dir/$site/client.cnf" <demo/app_schema.sql
    mariadb --defaults-file="$run_dir/$site/client.cnf" <"demo/seed_$site.sql"
  done
}

origin() { echo "https://$1.localhost:${port[$1]}"; }

# The other site's database, for `gangway migrate --to <other>` run with this site's config.
other_site_database() {
  local other=legacy db
  [ "$1" = legacy ] && other=new
  db=$run_dir/mariadb/$other
  cat <<TOML
[sites.$other.database]
host = "127.0.0.1"
port = $(cat "$db/port")
user = "gangway"
password_file = "$db/password"
name = "app"
TOML
}

write_gateway_config() {
  local site=$1 dir=$run_dir/$1 db=$run_dir/mariadb/$1
  cat >"$dir/gangway.toml" <<TOML
# Site "$site" of the demo (demo/run.sh).
[server]
instance_id = "$site-1"
[server.tls]
listen = "127.0.0.1:${port[$site]}"
cert_file = "$run_dir/certs/$site.localhost.crt"
key_file = "$run_dir/certs/$site.localhost.key"
[admin]
listen = "127.0.0.1:0"
token_file = "$dir/admin-token"
[timeouts]
drain_ms = 2000
[upstream]
servers = ["127.0.0.1:${app_port[$site]}"]

[site]
name = "$site"
signup_site = "new"
[sites.legacy]
origin = "$(origin legacy)"
peer_url = "$(origin legacy)"
[sites.new]
origin = "$(origin new)"
peer_url = "$(origin new)"

$(other_site_database "$site")

[routing]
api_prefixes = ["/api/"]
signup_prefixes = ["/signup"]

[database]
host = "127.0.0.1"
port = $(cat "$db/port")
user = "gangway"
password_file = "$db/password"
name = "app"
pool_size = 4

[placement]
lock_retry_after_s = 2

[session]
keys_file = "$dir/session.keys"
assertion_keys_file = "$dir/assertion.keys"

[login]
active_column = "is_active"
reset_path = "/password-reset/"
peer_keys_file = "$run_dir/peer.keys"
peer_ca_file = "$run_dir/certs/ca.crt"
# Low enough that the rate limit shows after a handful of wrong passwords for one email.
email_rate_per_min = 5
email_burst = 5
ip_rate_per_min = 30
ip_burst = 30

[log]
level = "info"
access_log = "$dir/access.log"
TOML
  "$gangway" check-config --config "$dir/gangway.toml" >/dev/null
}

# Placement as PRODUCT.md draws it mid-migration: 1, 2, 5, 6 live on legacy; 3 and 4 moved to
# new in an earlier wave (active there, `moved` on legacy); 7 signed up on new.
place_accounts() {
  local legacy=$run_dir/legacy/gangway.toml new=$run_dir/new/gangway.toml by=(--by demo-setup)
  {
    "$gangway" accounts add --config "$new" 3 4 7 "${by[@]}" --reason "demo data"
    "$gangway" accounts add --config "$legacy" 1 2 3 4 5 6 "${by[@]}" --reason "demo data"
    "$gangway" accounts set --config "$legacy" 3 4 --state moved --site new "${by[@]}" \
      --reason "moved in an earlier wave"
  } >>"$run_dir/setup.log"
}

start_app() {
  local site=$1
  python3 demo/upstream_app.py --site "$site" --port "${app_port[$site]}" \
    --log "$run_dir/$site/app.log" --db-defaults "$run_dir/$site/client.cnf" \
    --assertion-keys "$run_dir/$site/assertion.keys" --reset-path /password-reset/ </dev/null &
  pids+=($!)
}

start_gateway() {
  local site=$1 dir=$run_dir/$1
  "$gangway" serve --config "$dir/gangway.toml" --ready-file "$dir/ready.json" \
    </dev/null >>"$dir/gateway.log" 2>&1 &
  pids+=($!)
}

write_ready_file() {
  local tmp=$ready_file.tmp
  cat >"$tmp" <<JSON
{
  "pid": $$,
  "run_dir": "$run_dir",
  "gangway": "$gangway",
  "ca_file": "$run_dir/certs/ca.crt",
  "sites": {
$(for site in "${sites[@]}"; do
  cat <<SITE
    "$site": {
      "origin": "$(origin "$site")",
      "port": ${port[$site]},
      "admin_port": ${admin_port[$site]},
      "cert_file": "$run_dir/certs/$site.localhost.crt",
      "config": "$run_dir/$site/gangway.toml",
      "app_log": "$run_dir/$site/app.log",
      "access_log": "$run_dir/$site/access.log",
      "gateway_log": "$run_dir/$site/gateway.log"
    }$([ "$site" = "${sites[-1]}" ] || echo ,)
SITE
done)
  }
}
JSON
  mv "$tmp" "$ready_file"
}

print_banner() {
  local d=$run_dir
  cat <<MSG

Gangway demo: two sites on 127.0.0.1 (site "legacy" is the shared origin; sign-ups go to "new")
  legacy   $(origin legacy)/
  new      $(origin new)/
  Browsers and curl resolve *.localhost to 127.0.0.1. The certificates are signed by a dev CA:
  $d/certs/ca.crt (import it into the browser, or accept the warning once per site)
    curl --cacert $d/certs/ca.crt $(origin legacy)/login

Demo logins, all at $(origin legacy)/login (password: first name + "-password"):
  ada@acme.example       ada-password    account 1 Acme Ltd           lives on legacy
  ben@bluebird.example   ben-password    account 2 Bluebird Bakery    lives on legacy
  cleo@cobalt.example    cleo-password   account 3 Cobalt Studio      moved to new (handed over)
  dan@dunlin.example     dan-password    account 4 Dunlin Dental      moved to new, unknown on legacy now
  eve@egret.example      eve-password    account 5 Egret Logistics    lives on legacy, ready to move
  ed@egret.example       ed-password     account 5 Egret Logistics    lives on legacy, ready to move
  fay@finch.example      fay-password    account 6 Finch & Partners   lives on legacy, ready to move
  gus@grebe.example      gus-password    account 7 Grebe Games        signed up on new
  alan@acme.example      alan-password   account 1, deactivated: cannot sign in
  Five wrong passwords for one email in a minute show the rate-limit answer.

Move account 5 (Egret) to new while eve is signed in, in one command:
  $gangway migrate --config $d/legacy/gangway.toml --schema $root/demo/schema.toml --to new 5
      # pre-flight, lock (Egret's pages show the lock page), copy, verify, flip: eve's lock page
      # and widget then take her to the same page on new, still signed in (legacy hands her
      # session over: /_gangway/transfer, then a handoff on new)
  To watch the lock page first, lock the account beforehand; migrate then moves it under that lock:
  $gangway accounts lock --config $d/legacy/gangway.toml 5 --reason "move to new"
  A test run that locks and flips nothing (cleansed copy into new's app_rehearsal database):
  GANGWAY_CLEANSE_KEY=\$(openssl rand -hex 16) $gangway migrate --config $d/legacy/gangway.toml \\
    --schema $root/demo/schema.toml --to new --rehearsal 6
  Placement and its audit: $gangway accounts list|audit --config $d/legacy/gangway.toml

Logs: $d/{legacy,new}/{access.log,gateway.log,app.log}; password-reset "mails" print below.
Admin API (legacy): curl -H "Authorization: Bearer \$(cat $d/legacy/admin-token)" http://127.0.0.1:${admin_port[legacy]}/metrics
MSG
}

main() {
  check_ports
  make_secrets
  start_databases
  declare -gA app_port admin_port
  local site
  for site in "${sites[@]}"; do
    app_port[$site]=$(free_port)
    write_gateway_config "$site"
    "$gangway" db init --config "$run_dir/$site/gangway.toml" >>"$run_dir/setup.log"
  done
  place_accounts
  for site in "${sites[@]}"; do start_app "$site"; done
  for site in "${sites[@]}"; do
    poll_until 20 "the $site app" curl -sf "http://127.0.0.1:${app_port[$site]}/api/clock"
  done
  say "starting the gateways"
  for site in "${sites[@]}"; do start_gateway "$site"; done
  for site in "${sites[@]}"; do
    poll_until 30 "the $site gateway" test -s "$run_dir/$site/ready.json"
    admin_port[$site]=$(json_field "$run_dir/$site/ready.json" admin_port)
    poll_until 30 "the $site gateway's readiness" \
      curl -sf "http://127.0.0.1:${admin_port[$site]}/readyz"
  done

  if [ -n "$ready_file" ]; then
    # Started through a pipe (or, from Node, a socket pair): its closing means the starter is gone.
    if [ -p /dev/stdin ] || [ -S /dev/stdin ]; then
      exec 3<&0
      cat <&3 >/dev/null &
      stdin_watch=$!
      pids+=($!)
      exec 3<&-
    fi
    print_banner >&2
    write_ready_file
  else
    print_banner
    echo "Press Ctrl-C to stop."
  fi
  # Returns when any of them exits (a crash, or the starter's pipe closing) or on a signal,
  # whose trap then exits.
  local code=0 gone=""
  wait -n -p gone "${pids[@]}" || code=$?
  if [ -n "$stdin_watch" ] && [ "$gone" = "$stdin_watch" ]; then
    trap '' PIPE
    say "standard input closed: stopping"
    exit 0
  fi
  say "process $gone exited (status $code): stopping the rest"
  exit 1
}

main
