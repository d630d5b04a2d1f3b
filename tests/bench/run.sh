#!/usr/bin/env bash
# Benchmarks gangway against nginx as a reverse proxy in front of the same upstream.
#
#   tests/bench/run.sh [--duration S] [--rounds N] [--connections N] [--warmup S]
#                      [--gangway PATH] [--peer-only] [--quick] [--raw-csv FILE]
#                      [--authenticated] [--idle-poll-us N] [--bare-peer]
#
# Upstream: nginx (1 worker) serving 1 KiB and 64 KiB static files. Proxies under test: nginx
# (1 worker, pooled upstream keep-alive) and gangway (1 worker thread), each with a plain HTTP
# and a TLS listener; nginx sends the upstream the forwarding headers gangway sends (checked).
# Load: wrk. Scenarios {1 KiB, 64 KiB} x {HTTP, TLS}, run in interleaved
# rounds whose proxy order alternates. The proxy under test is pinned to one CPU, upstream and
# wrk to another. Reported per scenario and proxy, as the median across rounds: req/s, p50 and
# p99 latency, and proxy CPU time per request (utime+stime from /proc/PID/stat).
# Method and results: docs/benchmarks.md. Everything binds 127.0.0.1 and lives in a temp dir
# that is removed, with every process started, on exit.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)

# ---- options ---------------------------------------------------------------------------------
duration=10
rounds=3
connections=32
warmup=2
gangway_bin="$repo_root/build/gangway"
peer_only=0
quick=0
raw_csv_out=""
authenticated=0
idle_poll_us=""
bare_peer=0
wrk_headers=()
curl_headers=()
declare -A explicit=()

readonly NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
readonly STARTUP_TIMEOUT=15    # seconds for a server to become ready
readonly STOP_TIMEOUT=10       # seconds for a server to exit after SIGTERM
readonly SIZES=(1k 64k)        # files served by the upstream: /1k.bin, /64k.bin
readonly SCHEMES=(http tls)
readonly FOREIGN_LIMIT=10      # % of the proxy's CPU used by other processes that voids a run
readonly MAX_RETRIES=2         # times such a run is repeated before it is kept, flagged

usage() {
  sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

  --duration S      seconds per wrk run (default 10)
  --rounds N        interleaved rounds; the median is reported (default 3)
  --connections N   wrk connections (default 32)
  --warmup S        seconds of untimed load per proxy and scenario before round 1 (default 2)
  --gangway PATH    gangway binary (default build/gangway)
  --peer-only       benchmark only nginx (no gangway binary needed)
  --quick           smoke run: --duration 3 --rounds 1 --warmup 1 unless given explicitly
  --raw-csv FILE    also write every run's numbers to FILE
  --idle-poll-us N  set gangway's server.idle_poll_us (default: not set, gangway's own default)
  --authenticated   gangway routes per account: a MariaDB with gangway's tables, every request
                    carries a session cookie (opened, placement looked up, identity headers
                    added); nginx gets the same cookie and just proxies
  --bare-peer       nginx without the forwarding headers gangway sends (X-Forwarded-For/-Proto/
                    -Host, X-Request-Id, the client's Host): a lighter job than gangway's
EOF
}

BENCH_NAME=bench
# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args() {
  while (($#)); do
    case $1 in
      --duration) positive_int "$1" "${2-}"; duration=$2; explicit[duration]=1; shift 2 ;;
      --rounds) positive_int "$1" "${2-}"; rounds=$2; explicit[rounds]=1; shift 2 ;;
      --connections) positive_int "$1" "${2-}"; connections=$2; shift 2 ;;
      --warmup) [[ ${2-} =~ ^[0-9]+$ ]] || die "--warmup needs an integer"; warmup=$2; explicit[warmup]=1; shift 2 ;;
      --gangway) [[ -n ${2-} ]] || die "--gangway needs a path"; gangway_bin=$2; shift 2 ;;
      --peer-only) peer_only=1; shift ;;
      --quick) quick=1; shift ;;
      --raw-csv) [[ -n ${2-} ]] || die "--raw-csv needs a path"; raw_csv_out=$2; shift 2 ;;
      --authenticated) authenticated=1; shift ;;
      --idle-poll-us) [[ ${2-} =~ ^[0-9]+$ ]] || die "--idle-poll-us needs an integer"; idle_poll_us=$2; shift 2 ;;
      --bare-peer) bare_peer=1; shift ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown option '$1' (see --help)" ;;
    esac
  done
  if ((quick)); then
    [[ -n ${explicit[duration]-} ]] || duration=3
    [[ -n ${explicit[rounds]-} ]] || rounds=1
    [[ -n ${explicit[warmup]-} ]] || warmup=1
  fi
}

check_tools() {
  local tool
  for tool in "$NGINX_BIN" wrk curl openssl taskset timeout pgrep python3; do
    command -v "$tool" >/dev/null || die "'$tool' not found (scripts/bootstrap.sh installs it)"
  done
  if ((!peer_only)); then
    [[ -x $gangway_bin ]] || die "gangway binary '$gangway_bin' not found or not executable" \
      "(build it, pass --gangway PATH, or use --peer-only)"
  fi
}

# ---- processes -------------------------------------------------------------------------------
run_dir=""
started_pids=()
wrk_pid=""

cleanup() {
  local status=$? i
  trap - EXIT INT TERM
  [[ -z $wrk_pid ]] || stop_process "$wrk_pid"
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do stop_process "${started_pids[i]}"; done
  if [[ -n $run_dir && -d $run_dir/mariadb ]]; then
    bash "$repo_root/tests/support/mariadb.sh" stop "$run_dir/mariadb" >/dev/null 2>&1 || true
  fi
  remove_run_dir "$status"
  exit "$status"
}

# The process and all its descendants (nginx: master and worker).
process_tree() {
  local pid=$1 child
  echo "$pid"
  for child in $(pgrep -P "$pid" || true); do process_tree "$child"; done
}

# ---- CPU pinning -----------------------------------------------------------------------------
load_pin=()     # taskset prefix for upstream and wrk
proxy_pin=()    # taskset prefix for the proxy under test
load_cpu="all"  # CPU whose busy time shows whether the load side saturated
proxy_cpu=""    # CPU of the proxy under test: busy time there beyond the proxy's own is foreign
pinning_note=""

# Expands a CPU list such as "0-2,5" into lines "0" "1" "2" "5".
expand_cpu_list() {
  local part
  local -a parts
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done
}

setup_pinning() {
  local -a cpus
  mapfile -t cpus < <(expand_cpu_list "$(taskset -pc $$ | sed 's/.*: *//')")
  if ((${#cpus[@]} >= 2)); then
    load_pin=(taskset -c "${cpus[0]}")
    proxy_pin=(taskset -c "${cpus[1]}")
    load_cpu=${cpus[0]}
    proxy_cpu=${cpus[1]}
    pinning_note="proxy under test on CPU ${cpus[1]}; upstream nginx and wrk on CPU ${cpus[0]}"
  else
    pinning_note="only 1 CPU available: no pinning, proxy, upstream and wrk share it"
    log "warning: $pinning_note; results mostly measure the sum of all three"
  fi
}

# nginx as root would drop its workers to "nobody", who cannot read the 0700 temp dir.
user_directive() {
  if ((EUID == 0)); then echo "user $(id -un) $(id -gn);"; else echo "# (not root: no user directive)"; fi
}

make_doc_root() {
  mkdir -p "$run_dir/www"
  head -c 1024 /dev/urandom >"$run_dir/www/1k.bin"
  head -c 65536 /dev/urandom >"$run_dir/www/64k.bin"
}

make_certs() {
  "$repo_root/certs/make-dev-certs.sh" "$run_dir/certs" >/dev/null
  cert_file="$run_dir/certs/localhost.crt"
  key_file="$run_dir/certs/localhost.key"
  ca_file="$run_dir/certs/ca.crt"
}

# ---- servers ---------------------------------------------------------------------------------
upstream_port=""
upstream_pid=""
nginx_pid=""
nginx_plain_port=""
nginx_tls_port=""
gangway_pid=""
gangway_plain_port=""
gangway_tls_port=""

# start_nginx NAME CONF PIN...: starts nginx in the foreground (daemon off) as a child of this
# shell and sets last_pid. Must not run in a subshell, or the trap could not wait for it.
start_nginx() {
  local name=$1 conf=$2
  shift 2
  mkdir -p "$run_dir/$name-tmp"
  "$NGINX_BIN" -t -q -p "$run_dir/" -c "$conf" -e "$run_dir/$name-error.log" \
    >"$run_dir/$name-check.log" 2>&1 || { cat "$run_dir/$name-check.log" >&2; die "bad nginx config $conf"; }
  "$@" "$NGINX_BIN" -p "$run_dir/" -c "$conf" -e "$run_dir/$name-error.log" \
    </dev/null >"$run_dir/$name.log" 2>&1 &
  last_pid=$!
  started_pids+=("$last_pid")
}

start_upstream() {
  read -r upstream_port < <(free_ports 1)
  render_template "$script_dir/nginx-upstream.conf.in" "$run_dir/upstream.conf" \
    "USER_DIRECTIVE=$(user_directive)" "RUN_DIR=$run_dir" "DOC_ROOT=$run_dir/www" \
    "UPSTREAM_PORT=$upstream_port"
  start_nginx upstream "$run_dir/upstream.conf" "${load_pin[@]}"
  upstream_pid=$last_pid
  wait_until "$STARTUP_TIMEOUT" "$upstream_pid" "upstream nginx" \
    url_ok "http://127.0.0.1:$upstream_port/1k.bin"
  log "upstream nginx: pid $upstream_pid, port $upstream_port"
}

start_nginx_proxy() {
  local forwarding="include $script_dir/nginx-forwarding.conf;"
  ((!bare_peer)) || forwarding="# --bare-peer: nginx's own upstream request"
  read -r nginx_plain_port nginx_tls_port < <(free_ports 2)
  render_template "$script_dir/nginx-proxy.conf.in" "$run_dir/nginx-proxy.conf" \
    "USER_DIRECTIVE=$(user_directive)" "RUN_DIR=$run_dir" "UPSTREAM_PORT=$upstream_port" \
    "PLAIN_PORT=$nginx_plain_port" "TLS_PORT=$nginx_tls_port" \
    "CERT_FILE=$cert_file" "KEY_FILE=$key_file" "FORWARDING=$forwarding"
  start_nginx nginx-proxy "$run_dir/nginx-proxy.conf" "${proxy_pin[@]}"
  nginx_pid=$last_pid
  wait_until "$STARTUP_TIMEOUT" "$nginx_pid" "nginx proxy" \
    url_ok "http://127.0.0.1:$nginx_plain_port/1k.bin"
  wait_until "$STARTUP_TIMEOUT" "$nginx_pid" "nginx proxy (TLS)" \
    url_ok --cacert "$ca_file" "https://127.0.0.1:$nginx_tls_port/1k.bin"
  log "nginx proxy: pid $nginx_pid, plain port $nginx_plain_port, TLS port $nginx_tls_port"
}

# The ready file is complete once it names all four fields.
ready_file_complete() {
  local f=$1 key
  [[ -s $f ]] || return 1
  for key in pid tls_port plain_port admin_port; do
    grep -qE "\"$key\"[[:space:]]*:[[:space:]]*[0-9]+" "$f" || return 1
  done
}

start_gangway() {
  local conf="$run_dir/gangway.toml" ready="$run_dir/gangway.ready.json" reported_pid
  render_template "$script_dir/gangway.toml.in" "$conf" \
    "CERT_FILE=$cert_file" "KEY_FILE=$key_file" "UPSTREAM_PORT=$upstream_port" \
    "IDLE_POLL=${idle_poll_us:+idle_poll_us = $idle_poll_us}"
  # The config names the token's variable; db init and accounts read the config too.
  GANGWAY_ADMIN_TOKEN=$(openssl rand -hex 24)
  export GANGWAY_ADMIN_TOKEN
  if ((authenticated)); then prepare_accounts "$conf"; fi
  "${proxy_pin[@]}" "$gangway_bin" serve --config "$conf" --ready-file "$ready" \
    </dev/null >"$run_dir/gangway.log" 2>&1 &
  gangway_pid=$!
  started_pids+=("$gangway_pid")
  wait_until "$STARTUP_TIMEOUT" "$gangway_pid" "gangway" ready_file_complete "$ready"
  reported_pid=$(ready_field "$ready" pid)
  gangway_plain_port=$(ready_field "$ready" plain_port)
  gangway_tls_port=$(ready_field "$ready" tls_port)
  [[ $reported_pid == "$gangway_pid" ]] ||
    log "warning: ready file says pid $reported_pid, started pid $gangway_pid; measuring the latter"
  # The ready file means every listener is bound: no further wait; check_responses follows.
  log "gangway: pid $gangway_pid, plain port $gangway_plain_port, TLS port $gangway_tls_port"
  if ((authenticated)); then
    local admin_port
    admin_port=$(ready_field "$ready" admin_port)
    wait_until "$STARTUP_TIMEOUT" "$gangway_pid" "gangway placement" url_ok "http://127.0.0.1:$admin_port/readyz"
  fi
}

# --authenticated: a MariaDB with gangway's tables and one active account, the per-account
# sections appended to gangway's config, and the session cookie every request carries.
prepare_accounts() {
  local conf=$1 db="$run_dir/mariadb" minter cookie
  minter="$(dirname "$gangway_bin")/tests/gangway_mint_cookie"
  [[ -x $minter ]] || die "$minter not found: build the tests (scripts/test.sh) first"
  bash "$repo_root/tests/support/mariadb.sh" start "$db" bench >"$run_dir/mariadb.log" 2>&1 ||
    die "MariaDB did not start: $(tail -5 "$run_dir/mariadb.log")"
  mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$(cat "$db/bench/port")" -ugangway \
    -p"$(cat "$db/bench/password")" -e 'CREATE DATABASE bench'
  "$gangway_bin" keys generate >"$run_dir/session.keys" 2>/dev/null
  "$gangway_bin" keys generate >"$run_dir/assertion.keys" 2>/dev/null
  cat >>"$conf" <<EOF

[site]
name = "bench"

[sites.bench]
origin = "https://127.0.0.1"

[database]
port = $(cat "$db/bench/port")
user = "gangway"
password_file = "$db/bench/password"
name = "bench"

[session]
keys_file = "$run_dir/session.keys"
assertion_keys_file = "$run_dir/assertion.keys"
EOF
  "$gangway_bin" db init --config "$conf" >/dev/null
  "$gangway_bin" accounts add --config "$conf" 1 >/dev/null
  cookie=$("$minter" "$run_dir/session.keys" bench 1 1 bench@example.com 86400)
  wrk_headers=(-H "Cookie: __Host-gangway=$cookie")
  curl_headers=(-H "Cookie: __Host-gangway=$cookie")
}

# ---- scenarios -------------------------------------------------------------------------------
proxies=()

proxy_pid() { if [[ $1 == nginx ]]; then echo "$nginx_pid"; else echo "$gangway_pid"; fi; }

# scenario_url PROXY SIZE SCHEME
scenario_url() {
  local proxy=$1 size=$2 scheme=$3 plain tls
  if [[ $proxy == nginx ]]; then plain=$nginx_plain_port tls=$nginx_tls_port
  else plain=$gangway_plain_port tls=$gangway_tls_port; fi
  if [[ $scheme == tls ]]; then echo "https://127.0.0.1:$tls/$size.bin"
  else echo "http://127.0.0.1:$plain/$size.bin"; fi
}

# Each proxy must return the upstream's bytes exactly, over both listeners.
check_responses() {
  local proxy size scheme url got="$run_dir/check.bin" status
  for proxy in "${proxies[@]}"; do
    for size in "${SIZES[@]}"; do
      for scheme in "${SCHEMES[@]}"; do
        url=$(scenario_url "$proxy" "$size" "$scheme")
        status=$(curl -s --max-time 5 --cacert "$ca_file" "${curl_headers[@]}" -o "$got" -w '%{http_code}' "$url") ||
          die "$proxy: GET $url failed (curl exit $?)"
        [[ $status == 200 ]] ||
          die "$proxy: GET $url answered $status: $(head -c 300 "$got" | tr -s '\n' ' ')"
        cmp -s "$got" "$run_dir/www/$size.bin" || die "$proxy: $url returned different bytes"
      done
    done
  done
}

# request_fields PROXY SCHEME: what the upstream received from PROXY (Host, forwarding headers,
# request id, with the proxy's port and the id's value masked), and whether the client got the
# id back. The client sends a spoofed X-Forwarded-For, which both proxies must replace.
request_fields() {
  local url fields head port
  url=$(scenario_url "$1" 1k "$2")
  url=${url%/1k.bin}/request-fields
  port=${url##*:}
  port=${port%%/*}
  head="$run_dir/fields.head"
  fields=$(curl -s --max-time 5 --cacert "$ca_file" "${curl_headers[@]}" -H 'X-Forwarded-For: 203.0.113.9' \
    -D "$head" "$url") || die "$1: GET $url failed"
  sed -E -e "s/:$port\$/:PORT/" -e 's/^(x-request-id=)[0-9a-f]{32}$/\1ID/' <<<"$fields"
  if grep -qiE '^x-request-id: [0-9a-f]{32}' "$head"; then echo "client got x-request-id"; fi
}

# Unless --bare-peer, both proxies must send the upstream the same fields.
check_request_fields() {
  local scheme n g=""
  for scheme in "${SCHEMES[@]}"; do
    n=$(request_fields nginx "$scheme")
    if ((peer_only)); then continue; fi
    g=$(request_fields gangway "$scheme")
    if ((!bare_peer)) && [[ $n != "$g" ]]; then
      die "the upstream gets different requests from the two proxies ($scheme):" \
        "$(diff <(echo "$n") <(echo "$g") | tr '\n' ' ')"
    fi
  done
  log "upstream request fields from nginx$( ((bare_peer)) && echo " (--bare-peer)"): $(tr '\n' ' ' <<<"$n")"
  [[ -z $g ]] || log "upstream request fields from gangway: $(tr '\n' ' ' <<<"$g")"
}

# Prints the TLS version, cipher and key-exchange group a proxy negotiates with a default
# OpenSSL client (wrk uses the same library with its defaults).
tls_summary() {
  local port=${1##*:} out
  port=${port%%/*}
  out=$(timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername localhost </dev/null 2>/dev/null) || true
  printf '%s %s\n' \
    "$(sed -n 's/^New, \([^,]*\), Cipher is \(.*\)$/\1 \2/p' <<<"$out" | head -1)" \
    "$(sed -n 's/^Server Temp Key: \([^,]*\).*$/\1/p' <<<"$out" | head -1)"
}

# ---- measuring -------------------------------------------------------------------------------
raw_csv=""
error_notes=()

# Converts a wrk latency such as 512.00us, 1.20ms or 1.01s to microseconds.
to_us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) m = 1; else if (v ~ /ms$/) m = 1000; else if (v ~ /m$/) m = 60e6;
    else if (v ~ /s$/) m = 1e6; else m = 1
    printf "%.1f", n * m }'
}

# run_wrk SECONDS URL OUT: runs wrk pinned with the upstream, output to OUT. wrk runs in the
# background and is waited for, so that a signal reaches the trap at once, not after wrk ends.
run_wrk() {
  local seconds=$1 url=$2 out=$3 status=0
  "${load_pin[@]}" timeout -k 5 $((seconds + 30)) \
    wrk -t1 -c"$connections" -d"${seconds}s" --latency "${wrk_headers[@]}" "$url" </dev/null >"$out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || status=$?
  wrk_pid=""
  return "$status"
}

# measure_once PROXY URL: one timed wrk run. Sets the m_* results; fails only on a wrk failure.
measure_once() {
  local proxy=$1 url=$2
  local out before after t0 t1
  local -a pids load_before load_after proxy_cpu_before proxy_cpu_after
  mapfile -t pids < <(process_tree "$(proxy_pid "$proxy")")
  read -ra load_before < <(cpu_busy_total "$load_cpu")
  [[ -z $proxy_cpu ]] || read -ra proxy_cpu_before < <(cpu_busy_total "$proxy_cpu")
  before=$(cpu_ticks "${pids[@]}")
  t0=$EPOCHREALTIME
  run_wrk "$duration" "$url" "$run_dir/wrk.out" || die "wrk failed against $url: $(cat "$run_dir/wrk.out")"
  t1=$EPOCHREALTIME
  after=$(cpu_ticks "${pids[@]}")
  read -ra load_after < <(cpu_busy_total "$load_cpu")
  [[ -z $proxy_cpu ]] || read -ra proxy_cpu_after < <(cpu_busy_total "$proxy_cpu")
  out=$(<"$run_dir/wrk.out")

  m_requests=$(awk '/ requests in /{print $1; exit}' <<<"$out")
  m_rps=$(awk '/^Requests\/sec:/{print $2; exit}' <<<"$out")
  [[ -n $m_requests && $m_requests -gt 0 && -n $m_rps ]] || die "no requests completed against $url: $out"
  m_p50=$(to_us "$(awk '$1 == "50%" {print $2; exit}' <<<"$out")")
  m_p99=$(to_us "$(awk '$1 == "99%" {print $2; exit}' <<<"$out")")
  m_errors=$(awk '/Socket errors:/ {gsub(/,/, ""); s += $4 + $6 + $8 + $10}
                  /Non-2xx or 3xx responses:/ {s += $NF} END {print s + 0}' <<<"$out")
  m_cpu_us=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v n="$m_requests" \
    'BEGIN {printf "%.2f", t / hz * 1e6 / n}')
  m_util=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v t0="$t0" -v t1="$t1" \
    'BEGIN {printf "%.0f", t / hz / (t1 - t0) * 100}')
  m_load_busy=$(busy_percent "${load_before[@]}" "${load_after[@]}")
  # Everything the load side's CPU did per request: wrk, the upstream and the kernel's work for
  # them (their sends, and the receive side of what they send). At 1 KiB this CPU saturates,
  # so this is what bounds req/s there.
  m_load_us=$(awk -v b=$((load_after[0] - load_before[0])) -v hz="$clk_tck" -v n="$m_requests" \
    'BEGIN {printf "%.2f", b / hz * 1e6 / n}')
  # Busy time on the proxy's CPU not spent by the proxy: another process ran there.
  m_foreign=0
  if [[ -n $proxy_cpu ]]; then
    m_foreign=$(( $(busy_percent "${proxy_cpu_before[@]}" "${proxy_cpu_after[@]}") - m_util ))
  fi
}

# busy_percent BUSY0 TOTAL0 BUSY1 TOTAL1: percent busy between two cpu_busy_total samples.
busy_percent() {
  awk -v b=$(($3 - $1)) -v t=$(($4 - $2)) 'BEGIN {printf "%.0f", (t > 0 ? b / t * 100 : 0)}'
}

# measure ROUND PROXY SIZE SCHEME: one timed run, repeated (up to MAX_RETRIES times) while
# another process is found running on the proxy's CPU; appends a row to the raw CSV.
measure() {
  local round=$1 proxy=$2 size=$3 scheme=$4 url attempt flag=""
  url=$(scenario_url "$proxy" "$size" "$scheme")
  for ((attempt = 0; ; attempt++)); do
    measure_once "$proxy" "$url"
    ((m_foreign > FOREIGN_LIMIT && attempt < MAX_RETRIES)) || break
    log "round $round $size-$scheme $proxy: CPU $proxy_cpu ${m_foreign}% busy with other processes; again"
  done
  if ((m_errors > 0)); then
    flag="  ERRORS: $m_errors"
    error_notes+=("round $round, $proxy, $size $scheme: $m_errors errors/non-2xx of $m_requests requests")
  fi
  if ((m_foreign > FOREIGN_LIMIT)); then
    flag+="  INTERFERENCE: CPU $proxy_cpu ${m_foreign}% busy with other processes"
    error_notes+=("round $round, $proxy, $size $scheme: CPU $proxy_cpu was ${m_foreign}% busy with other processes")
  fi
  echo "$round,$size-$scheme,$proxy,$m_rps,$m_p50,$m_p99,$m_cpu_us,$m_util,$m_requests,$m_errors,$m_load_busy,$m_load_us" >>"$raw_csv"
  printf 'bench: round %d %-8s %-7s %9s req/s  p50 %8s us  p99 %9s us  %7s us CPU/req  proxy CPU %3s%%  load CPU %3s%% %6s us/req%s\n' \
    "$round" "$size-$scheme" "$proxy" "$m_rps" "$m_p50" "$m_p99" "$m_cpu_us" "$m_util" "$m_load_busy" "$m_load_us" "$flag" >&2
}

warm_up() {
  ((warmup > 0)) || return 0
  local proxy size scheme
  log "warm-up: ${warmup}s per proxy and scenario"
  for proxy in "${proxies[@]}"; do
    for size in "${SIZES[@]}"; do
      for scheme in "${SCHEMES[@]}"; do
        run_wrk "$warmup" "$(scenario_url "$proxy" "$size" "$scheme")" "$run_dir/wrk.out" ||
          die "warm-up wrk failed against $proxy: $(cat "$run_dir/wrk.out")"
      done
    done
  done
}

run_rounds() {
  local round size scheme proxy
  local -a order
  for ((round = 1; round <= rounds; round++)); do
    # Alternate which proxy goes first, so drift over the run (thermal, page cache, other
    # tenants) does not favour either one.
    if ((round % 2 == 1)); then
      order=("${proxies[@]}")
    else
      mapfile -t order < <(printf '%s\n' "${proxies[@]}" | tac)
    fi
    for size in "${SIZES[@]}"; do
      for scheme in "${SCHEMES[@]}"; do
        for proxy in "${order[@]}"; do measure "$round" "$proxy" "$size" "$scheme"; done
      done
    done
  done
}

# ---- report ----------------------------------------------------------------------------------
# median SCENARIO PROXY COLUMN: median of a raw CSV column (1-based) across rounds.
median() {
  awk -F, -v s="$1" -v p="$2" -v c="$3" '$2 == s && $3 == p {print $c}' "$raw_csv" | sort -g |
    awk '{v[NR] = $1} END {
      if (NR == 0) print "";
      else if (NR % 2) print v[(NR + 1) / 2];
      else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { if [[ -n $1 && -n $2 ]]; then awk -v g="$1" -v n="$2" 'BEGIN {if (n > 0) printf "%.2f", g / n; else print "-"}'; else echo "-"; fi; }

fmt() { if [[ -n $2 ]]; then awk -v v="$2" -v f="$1" 'BEGIN {printf f, v}'; else echo "-"; fi; }

# Rows: scenario|metric|nginx|gangway|ratio. The "busy" rows and the load side's CPU per
# request are context, not scores: they show whether the proxy's CPU or the load side's CPU was
# the bottleneck, and how much work each proxy leaves to wrk and the upstream.
report_rows() {
  local size scheme scenario label col f n g
  local -a metrics=("req/s (higher is better)|4|%.0f|1|ratio"
                    "p50 latency ms (lower is better)|5|%.3f|1000|ratio"
                    "p99 latency ms (lower is better)|6|%.3f|1000|ratio"
                    "proxy CPU us/request (lower is better)|7|%.2f|1|ratio"
                    "proxy CPU busy %|8|%.0f|1|-"
                    "load-side CPU busy %|11|%.0f|1|-"
                    "load-side CPU us/request (context)|12|%.2f|1|ratio")
  local m divisor want_ratio r
  for size in "${SIZES[@]}"; do
    for scheme in "${SCHEMES[@]}"; do
      scenario="$size-$scheme"
      for m in "${metrics[@]}"; do
        IFS='|' read -r label col f divisor want_ratio <<<"$m"
        n=$(median "$scenario" nginx "$col")
        g=$(median "$scenario" gangway "$col")
        [[ -z $n ]] || n=$(awk -v v="$n" -v d="$divisor" 'BEGIN {print v / d}')
        [[ -z $g ]] || g=$(awk -v v="$g" -v d="$divisor" 'BEGIN {print v / d}')
        r="-"
        [[ $want_ratio == - ]] || r=$(ratio "$g" "$n")
        echo "$(scenario_label "$scenario")|$label|$(fmt "$f" "$n")|$(fmt "$f" "$g")|$r"
      done
    done
  done
}

scenario_label() {
  local size=${1%-*} scheme=${1#*-}
  echo "${size/k/ KiB} $( [[ $scheme == tls ]] && echo HTTPS || echo HTTP )"
}

print_text_table() {
  local rows=$1
  printf '\n%-12s %-39s %10s %10s %14s\n' scenario metric nginx gangway gangway/nginx
  printf '%.0s-' {1..89}; echo
  while IFS='|' read -r scenario metric n g r; do
    printf '%-12s %-39s %10s %10s %14s\n' "$scenario" "$metric" "$n" "$g" "$r"
  done <<<"$rows"
}

machine_summary() {
  local cpu kernel
  cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  kernel=$(uname -r)
  echo "- Machine: ${cpu:-unknown CPU}, $(nproc) CPUs available, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, Linux $kernel"
  echo "- OS: $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
  echo "- nginx: $("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //'), $(openssl version | cut -d' ' -f1-2)"
  echo "- wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}'), 1 thread, $connections connections, ${duration}s per run, ${warmup}s warm-up"
  if ((!peer_only)); then echo "- gangway: $gangway_version, server.idle_poll_us = ${idle_poll_us:-not set (default)}"; fi
  if ((bare_peer)); then echo "- nginx peer: --bare-peer (no forwarding headers)"; else echo "- nginx peer: the same forwarding headers as gangway (nginx-forwarding.conf), checked"; fi
  if ((authenticated)); then echo "- Mode: authenticated: every request carries a sealed session cookie; gangway opens it, looks the account up in its placement cache (MariaDB-backed) and adds identity headers and a signed assertion; nginx proxies the same request, cookie included, with the forwarding headers"; fi
  echo "- Pinning: $pinning_note"
  echo "- CPU busy before the run (other processes): $busy_at_start%"
  echo "- TLS negotiated: $tls_note"
  echo "- Rounds: $rounds, proxy order alternating per round; median across rounds"
}

print_markdown() {
  local rows=$1
  echo
  echo "---- Markdown (paste into docs/benchmarks.md) ----"
  echo
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') with \`tests/bench/run.sh${cli_args:+ $cli_args}\`:"
  echo
  machine_summary
  echo
  echo "| Scenario | Metric | nginx | gangway | gangway/nginx |"
  echo "|---|---|--:|--:|--:|"
  while IFS='|' read -r scenario metric n g r; do
    echo "| $scenario | $metric | $n | $g | $r |"
  done <<<"$rows"
  if ((${#error_notes[@]})); then
    echo
    echo "Runs with errors or interference (their numbers are not comparable):"
    printf -- '- %s\n' "${error_notes[@]}"
  fi
}

# ---- main ------------------------------------------------------------------------------------
main() {
  cli_args="$*"
  parse_args "$@"
  check_tools
  clk_tck=$(getconf CLK_TCK)

  proxies=(nginx)
  ((peer_only)) || proxies+=(gangway)
  gangway_version="n/a"
  if ((!peer_only)); then
    # Only a line that looks like a version counts (an unknown flag may print usage instead).
    gangway_version=$(timeout 5 "$gangway_bin" --version </dev/null 2>/dev/null |
      grep -m1 -E '[0-9]+\.[0-9]+' || true)
    local rev
    rev=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo "uncommitted tree")
    gangway_version="${gangway_version:-unknown version} ($rev)"
  fi

  local runs=$(( ${#proxies[@]} * ${#SIZES[@]} * ${#SCHEMES[@]} ))
  log "${#proxies[@]} proxies x ${#SIZES[@]} sizes x ${#SCHEMES[@]} schemes x $rounds rounds," \
    "${duration}s each (+${warmup}s warm-up): about $(( runs * (rounds * duration + warmup) + 10 ))s" \
    "(at most $(( runs * (rounds * duration * (MAX_RETRIES + 1) + warmup) + 10 ))s with repeats)"

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  run_dir=$(mktemp -d "${TMPDIR:-/tmp}/gangway-bench.XXXXXX")
  raw_csv="$run_dir/raw.csv"

  busy_at_start=$(idle_check)
  if ((busy_at_start > 5)); then
    log "warning: the CPUs were $busy_at_start% busy before the run: something else is using them;" \
      "results will be noisy"
  fi
  setup_pinning
  make_doc_root
  make_certs
  start_upstream
  start_nginx_proxy
  ((peer_only)) || start_gangway
  check_responses
  check_request_fields

  local proxy notes=()
  for proxy in "${proxies[@]}"; do
    notes+=("$proxy $(tls_summary "$(scenario_url "$proxy" 1k tls)")")
  done
  tls_note=$(printf '%s; ' "${notes[@]}")
  tls_note=${tls_note%; }
  log "TLS: $tls_note"

  warm_up
  run_rounds

  if [[ -n $raw_csv_out ]]; then
    { echo "round,scenario,proxy,rps,p50_us,p99_us,cpu_us_per_req,proxy_cpu_busy_pct,requests,errors,load_cpu_busy_pct,load_cpu_us_per_req"
      cat "$raw_csv"; } >"$raw_csv_out"
    log "raw results in $raw_csv_out"
  fi

  local rows
  rows=$(report_rows)
  print_text_table "$rows"
  print_markdown "$rows"
  if ((${#error_notes[@]})); then
    log "warning: some runs had errors or interference:"
    printf 'bench:   %s\n' "${error_notes[@]}" >&2
  fi
}

main "$@"
