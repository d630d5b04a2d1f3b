#!/usr/bin/env bash
# Benchmarks the login flow (docs/login.md) on two gateways, legacy and new, in one run.
#
#   tests/bench/login.sh [--duration S] [--rounds N] [--connections N] [--handoffs N]
#                        [--gangway PATH] [--micro-bench PATH] [--quick]
#
# 1. Throughput: wrk POSTs the login form of one local user with a bcrypt cost-10 hash to
#    legacy (hash_workers = 2), against the raw verification rate of a cost-10 hash on two
#    threads (gangway_micro_bench BcryptVerify/10/threads:2, gangway's own verify_password),
#    measured in the same run on the same CPUs, in interleaved rounds. Target: >= 95 %.
# 2. Hand-over latency: N sequential logins of a user moved from legacy to new (curl: POST
#    /login on legacy, GET the handoff URL on new), against the same POST for a user who lives
#    on legacy; both have cost-4 hashes, and one cost-4 verification (micro bench) is
#    subtracted for "hashing excluded".
# Method and results: docs/benchmarks.md, "Login". Everything binds 127.0.0.1 and lives in a
# temp dir that is removed, with every process started, on exit.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)

# ---- options ---------------------------------------------------------------------------------
duration=20
rounds=3
connections=16
handoffs=200
warmup=3
gangway_bin="$repo_root/build/gangway"
micro_bin=""
declare -A explicit=()

readonly PYTHON=/usr/bin/python3   # Debian's, with python3-bcrypt (scripts/bootstrap.sh)
readonly WRK_THREADS=2
readonly HASH_WORKERS=2
readonly BENCH_COST=10             # the local user of the throughput part
readonly HANDOFF_COST=4            # both users of the latency part: hashing stays small
readonly PASSWORD="login-bench-password"
readonly STARTUP_TIMEOUT=20        # seconds for a server to become ready
readonly STOP_TIMEOUT=10           # seconds for a server to exit after SIGTERM
readonly FOREIGN_LIMIT=10          # % of both CPUs used by processes not ours that voids a run
readonly MAX_RETRIES=2             # times such a run is repeated before it is kept, flagged
readonly TARGET=0.95

usage() {
  sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

  --duration S        seconds per wrk run and per raw-rate run (default 20)
  --rounds N          interleaved rounds of (raw rate, wrk); medians reported (default 3)
  --connections N     wrk connections, over 2 wrk threads (default 16)
  --handoffs N        sequential hand-overs timed with curl (default 200)
  --gangway PATH      gangway binary (default build/gangway)
  --micro-bench PATH  gangway_micro_bench (default: tests/gangway_micro_bench next to gangway)
  --quick             smoke run: --duration 5 --rounds 1 --handoffs 30 unless given explicitly
EOF
}

BENCH_NAME=login-bench
# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args() {
  local quick=0
  while (($#)); do
    case $1 in
      --duration) positive_int "$1" "${2-}"; duration=$2; explicit[duration]=1; shift 2 ;;
      --rounds) positive_int "$1" "${2-}"; rounds=$2; explicit[rounds]=1; shift 2 ;;
      --connections) positive_int "$1" "${2-}"; connections=$2; shift 2 ;;
      --handoffs) positive_int "$1" "${2-}"; handoffs=$2; explicit[handoffs]=1; shift 2 ;;
      --gangway) [[ -n ${2-} ]] || die "--gangway needs a path"; gangway_bin=$2; shift 2 ;;
      --micro-bench) [[ -n ${2-} ]] || die "--micro-bench needs a path"; micro_bin=$2; shift 2 ;;
      --quick) quick=1; shift ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown option '$1' (see --help)" ;;
    esac
  done
  if ((quick)); then
    [[ -n ${explicit[duration]-} ]] || duration=5
    [[ -n ${explicit[rounds]-} ]] || rounds=1
    [[ -n ${explicit[handoffs]-} ]] || handoffs=30
  fi
  ((connections >= WRK_THREADS)) || die "--connections must be at least $WRK_THREADS"
  [[ -n $micro_bin ]] || micro_bin="$(dirname -- "$gangway_bin")/tests/gangway_micro_bench"
}

check_tools() {
  local tool
  for tool in wrk curl openssl mariadb mariadbd mariadb-install-db timeout "$PYTHON"; do
    command -v "$tool" >/dev/null || die "'$tool' not found (scripts/bootstrap.sh installs it)"
  done
  "$PYTHON" -c 'import bcrypt' 2>/dev/null || die "$PYTHON has no bcrypt module (python3-bcrypt)"
  [[ -x $gangway_bin ]] || die "gangway binary '$gangway_bin' not found (build it or pass --gangway)"
  [[ -x $micro_bin ]] ||
    die "'$micro_bin' not found: build gangway_micro_bench (needs libbenchmark-dev) or pass --micro-bench"
}

# ---- processes -------------------------------------------------------------------------------
run_dir=""
started_pids=()
child_pid=""   # a wrk or micro-bench run in progress

cleanup() {
  local status=$? i
  trap - EXIT INT TERM
  [[ -z $child_pid ]] || stop_process "$child_pid"
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do stop_process "${started_pids[i]}"; done
  if [[ -n $run_dir && -d $run_dir/mariadb ]]; then
    bash "$repo_root/tests/support/mariadb.sh" stop "$run_dir/mariadb" >/dev/null 2>&1 || true
  fi
  remove_run_dir "$status"
  exit "$status"
}

# "TID TICKS" per thread of PID.
thread_ticks() {
  local task stat
  local -a fields
  for task in /proc/"$1"/task/*; do
    stat=$(<"$task/stat") || continue
    read -ra fields <<<"${stat##*) }"
    echo "${task##*/} $((fields[11] + fields[12]))"
  done
}

# Sets child_ticks: CPU time, in clock ticks, of this shell's waited-for children (and theirs),
# from bash's `times`. Not in a command substitution: a forked subshell starts from zero.
child_ticks=0
read_child_ticks() {
  times >"$run_dir/times.out"
  child_ticks=$(awk -v hz="$clk_tck" 'END {   # last line: user and system of reaped children
    t = 0
    for (i = 1; i <= NF; i++) { split($i, ms, "m"); sub(/s$/, "", ms[2]); t += ms[1] * 60 + ms[2] }
    printf "%d", t * hz + 0.5 }' "$run_dir/times.out")
}

# ---- set-up ----------------------------------------------------------------------------------
db_port=""
db_password_file=""
legacy_port=""
new_port=""
cert_dir=""
declare -A gw_pid=() gw_admin=() gw_conf=()
mariadb_pid=""

# Runs the SQL on stdin as gangway@127.0.0.1.
sql() {
  mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$db_port" -ugangway \
    -p"$(cat "$db_password_file")" --batch --skip-column-names
}

start_database() {
  bash "$repo_root/tests/support/mariadb.sh" start "$run_dir/mariadb" bench >"$run_dir/mariadb.log" 2>&1 ||
    die "MariaDB did not start: $(tail -5 "$run_dir/mariadb.log")"
  db_port=$(cat "$run_dir/mariadb/bench/port")
  db_password_file="$run_dir/mariadb/bench/password"
  mariadb_pid=$(cat "$run_dir/mariadb/bench/pid")
  log "mariadb: pid $mariadb_pid, port $db_port"
}

# The app's users table, as tests/integration/support/two_sites.cpp makes it.
readonly USERS_TABLE_SQL="CREATE TABLE auth_user (id BIGINT UNSIGNED PRIMARY KEY,
  email VARCHAR(254) NOT NULL, password VARCHAR(255) NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL, is_active TINYINT(1) NOT NULL DEFAULT 1,
  KEY (email)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"

# Users (id = account id):
#   1 local10@bench.test   on legacy, cost 10: the throughput part
#   2 moved@bench.test     moved from legacy to new, cost 4: the hand-over
#   3 local4@bench.test    on legacy, cost 4: the hand-over's baseline (login without hand-over)
make_users() {
  local hashes
  hashes=$("$PYTHON" - "$PASSWORD" "$BENCH_COST" "$HANDOFF_COST" <<'EOF'
import bcrypt, sys
password = sys.argv[1].encode()
for cost in (int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[3])):
    print(bcrypt.hashpw(password, bcrypt.gensalt(rounds=cost, prefix=b"2b")).decode())
EOF
  )
  local -a h
  mapfile -t h <<<"$hashes"
  # bcrypt hashes are [./$0-9A-Za-z] only: safe inside single quotes.
  sql <<EOF
CREATE DATABASE legacy; CREATE DATABASE new;
USE legacy; $USERS_TABLE_SQL;
INSERT INTO auth_user VALUES (1, 'local10@bench.test', '${h[0]}', 1, 1),
  (2, 'moved@bench.test', '${h[1]}', 2, 1), (3, 'local4@bench.test', '${h[2]}', 3, 1);
USE new; $USERS_TABLE_SQL;
INSERT INTO auth_user VALUES (2, 'moved@bench.test', '${h[1]}', 2, 1);
EOF
}

make_sites() {
  local upstream_port site
  # Every gangway command loads the whole config, [admin] included.
  GANGWAY_ADMIN_TOKEN=$(openssl rand -hex 24)
  export GANGWAY_ADMIN_TOKEN
  "$repo_root/certs/make-dev-certs.sh" "$run_dir/certs" >/dev/null
  cert_dir="$run_dir/certs"
  "$gangway_bin" keys generate >"$run_dir/peer.keys" 2>/dev/null
  # The origins name the TLS ports, so they are chosen here; upstream_port stays unused.
  read -r legacy_port new_port upstream_port < <(free_ports 3)
  for site in legacy new; do
    "$gangway_bin" keys generate >"$run_dir/$site-session.keys" 2>/dev/null
    "$gangway_bin" keys generate >"$run_dir/$site-assertion.keys" 2>/dev/null
    gw_conf[$site]="$run_dir/$site.toml"
    render_template "$script_dir/login/site.toml.in" "${gw_conf[$site]}" \
      "SITE=$site" "TLS_PORT=$(site_port "$site")" "LEGACY_PORT=$legacy_port" "NEW_PORT=$new_port" \
      "UPSTREAM_PORT=$upstream_port" "CERT_DIR=$cert_dir" "RUN_DIR=$run_dir" \
      "DB_PORT=$db_port" "DB_PASSWORD_FILE=$db_password_file" \
      "WORKER_THREADS=1" "HASH_WORKERS=$HASH_WORKERS"
    "$gangway_bin" db init --config "${gw_conf[$site]}" >"$run_dir/db-init-$site.log" 2>&1 ||
      die "gangway db init ($site) failed: $(tail -3 "$run_dir/db-init-$site.log")"
  done
  accounts legacy add 1 2 3
  accounts legacy set 2 --state moved --site new
  accounts new add 2
}

accounts() {
  local site=$1 verb=$2
  shift 2
  "$gangway_bin" accounts "$verb" --config "${gw_conf[$site]}" --by login-bench --reason "bench data" "$@" \
    >>"$run_dir/accounts.log" 2>&1 || die "gangway accounts $verb ($site) failed: $(tail -3 "$run_dir/accounts.log")"
}

site_port() { if [[ $1 == legacy ]]; then echo "$legacy_port"; else echo "$new_port"; fi; }
origin() { echo "https://$1.localhost:$(site_port "$1")"; }

ready_file_complete() { [[ -s $1 ]] && grep -qE '"admin_port"[[:space:]]*:[[:space:]]*[0-9]+' "$1"; }
start_gateways() {
  local site ready pid
  for site in legacy new; do
    ready="$run_dir/$site.ready.json"
    "$gangway_bin" serve --config "${gw_conf[$site]}" --ready-file "$ready" \
      </dev/null >"$run_dir/gangway-$site.log" 2>&1 &
    pid=$!
    started_pids+=("$pid")
    gw_pid[$site]=$pid
  done
  for site in legacy new; do
    ready="$run_dir/$site.ready.json"
    wait_until "$STARTUP_TIMEOUT" "${gw_pid[$site]}" "gangway $site" ready_file_complete "$ready"
    gw_admin[$site]=$(ready_field "$ready" admin_port)
    wait_until "$STARTUP_TIMEOUT" "${gw_pid[$site]}" "gangway $site (readyz)" \
      url_ok "http://127.0.0.1:${gw_admin[$site]}/readyz"
    log "gangway $site: pid ${gw_pid[$site]}, TLS port $(site_port "$site"), admin port ${gw_admin[$site]}"
  done
}

# gangway_logins_total{path="local",outcome="signed_in"} of a site (0 before the first).
signed_in_count() {
  curl -sf --max-time 5 -H "Authorization: Bearer $GANGWAY_ADMIN_TOKEN" \
    "http://127.0.0.1:${gw_admin[$1]}/metrics" |
    awk '/^gangway_logins_total\{/ && /path="local"/ && /outcome="signed_in"/ {n += $NF} END {printf "%d", n}'
}

# wait_drained SITE: waits until the site's signed_in count has not moved for half a second
# (a cost-10 login completes every few tens of ms while any are queued); prints the count.
wait_drained() {
  local last now deadline=$((SECONDS + 60)) still=0
  last=$(signed_in_count "$1")
  while ((still < 10)); do
    ((SECONDS < deadline)) || die "the $1 gateway kept signing users in for 60 s after wrk stopped"
    sleep 0.05
    now=$(signed_in_count "$1")
    if [[ $now == "$last" ]]; then still=$((still + 1)); else still=0 last=$now; fi
  done
  echo "$last"
}

# ---- the form --------------------------------------------------------------------------------
form_prefix=""       # csrf=...&state=... (form-encoded), valid for 2 h with prelogin_cookie
prelogin_cookie=""

curl_site() {
  local site=$1
  shift
  curl -s --max-time 10 --cacert "$cert_dir/ca.crt" \
    --resolve "$site.localhost:$(site_port "$site"):127.0.0.1" "$@"
}

# GET /login on legacy: the pre-login cookie and the form's csrf and state.
fetch_form() {
  local status
  status=$(curl_site legacy -D "$run_dir/form.headers" -o "$run_dir/form.html" -w '%{http_code}' \
    "$(origin legacy)/login")
  [[ $status == 200 ]] || die "GET /login answered $status"
  prelogin_cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(__Host-gangway-prelogin=[^;]*\);.*/\1/p' "$run_dir/form.headers")
  [[ -n $prelogin_cookie ]] || die "GET /login set no pre-login cookie"
  form_prefix=$("$PYTHON" - "$run_dir/form.html" <<'EOF'
import html, re, sys, urllib.parse
page = open(sys.argv[1], encoding="utf-8").read()
fields = {}
for name in ("csrf", "state"):
    m = re.search(r'name="%s" value="([^"]*)"' % name, page)
    if not m:
        sys.exit("no %s field in the form" % name)
    fields[name] = html.unescape(m.group(1))
print(urllib.parse.urlencode(fields))
EOF
  ) || die "cannot read the login form"
}

login_body() { echo "$form_prefix&email=$(printf '%s' "$1" | sed 's/@/%40/')&password=$PASSWORD"; }

# ---- throughput ------------------------------------------------------------------------------
clk_tck=""
raw_csv=""
notes=()

# run_child OUT CMD...: runs CMD in the background, output to OUT, and waits for it, so that a
# signal reaches the trap at once; its CPU time is read from `times` afterwards.
run_child() {
  local out=$1 status=0
  shift
  "$@" </dev/null >"$out" 2>&1 &
  child_pid=$!
  wait "$child_pid" || status=$?
  child_pid=""
  return "$status"
}

run_wrk() {
  local seconds=$1 out=$2
  LOGIN_BODY=$(login_body local10@bench.test) LOGIN_COOKIE=$prelogin_cookie \
    LOGIN_ORIGIN=$(origin legacy) LOGIN_HOST="legacy.localhost:$legacy_port" \
    run_child "$out" timeout -k 5 $((seconds + 60)) \
      wrk -t"$WRK_THREADS" -c"$connections" -d"${seconds}s" --latency \
      -s "$script_dir/login/login.lua" "https://127.0.0.1:$legacy_port/login"
}

# Checks a wrk output: every answer a 303, no socket errors. Prints "ANSWERS".
wrk_answers() {
  local out=$1 answers bad socket
  read -r answers bad < <(awk '/^login-bench: answers/ {print $3, $5}' "$out")
  [[ -n $answers ]] || die "wrk printed no summary: $(cat "$out")"
  socket=$(awk '/Socket errors:/ {gsub(/,/, ""); s += $4 + $6 + $8 + $10} END {print s + 0}' "$out")
  ((bad == 0)) || die "$bad of $answers logins were not answered 303: $(grep '^login-bench' "$out")"
  ((socket == 0)) || die "wrk reported $socket socket errors: $(cat "$out")"
  ((answers > 0)) || die "no login completed: $(cat "$out")"
  echo "$answers"
}

# Converts a wrk latency such as 512.00us, 1.20ms or 1.01s to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) m = 0.001; else if (v ~ /ms$/) m = 1; else if (v ~ /m$/) m = 60000;
    else if (v ~ /s$/) m = 1000; else m = 1
    printf "%.1f", n * m }'
}

# CPU the gateways and MariaDB use with no logins at all (placement refresh and heartbeats,
# every 100 ms per gateway), in clock ticks per second. Sets bg_gw_rate and bg_db_rate.
measure_background() {
  local g0 g1 m0 m1 t0 t1 seconds=5
  g0=$(cpu_ticks "${gw_pid[@]}")
  m0=$(cpu_ticks "$mariadb_pid")
  t0=$EPOCHREALTIME
  sleep "$seconds"   # a measurement window, not a wait for a condition
  t1=$EPOCHREALTIME
  g1=$(cpu_ticks "${gw_pid[@]}")
  m1=$(cpu_ticks "$mariadb_pid")
  bg_gw_rate=$(awk -v d=$((g1 - g0)) -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", d / (b - a)}')
  bg_db_rate=$(awk -v d=$((m1 - m0)) -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", d / (b - a)}')
  log "idle background: gateways $bg_gw_rate, MariaDB $bg_db_rate clock ticks/s (of $clk_tck per CPU)"
}

# One wrk run against legacy with CPU accounting. Sets t_* results.
measure_logins() {
  local out="$run_dir/wrk.out" g0 g1 m0 m1 c0 c1 t0 t1 signed0 signed1 answers
  local -a busy0 busy_wrk busy1 threads0 threads1
  signed0=$(signed_in_count legacy)
  mapfile -t threads0 < <(thread_ticks "${gw_pid[legacy]}")
  g0=$(cpu_ticks "${gw_pid[@]}")
  m0=$(cpu_ticks "$mariadb_pid")
  read_child_ticks
  c0=$child_ticks
  read -ra busy0 < <(cpu_busy_total)
  t0=$EPOCHREALTIME
  run_wrk "$duration" "$out" || die "wrk failed: $(cat "$out")"
  t1=$EPOCHREALTIME
  read -ra busy_wrk < <(cpu_busy_total)
  read_child_ticks   # before wait_drained, whose curl and awk runs are children too
  c1=$child_ticks
  # The logins still queued when wrk stopped are hashed anyway; their CPU belongs in the totals,
  # and they are counted by signed_in.
  signed1=$(wait_drained legacy)
  read -ra busy1 < <(cpu_busy_total)
  m1=$(cpu_ticks "$mariadb_pid")
  g1=$(cpu_ticks "${gw_pid[@]}")
  mapfile -t threads1 < <(thread_ticks "${gw_pid[legacy]}")

  answers=$(wrk_answers "$out")
  t_rps=$(awk '/^Requests\/sec:/ {print $2; exit}' "$out")
  t_p50=$(to_ms "$(awk '$1 == "50%" {print $2; exit}' "$out")")
  t_p99=$(to_ms "$(awk '$1 == "99%" {print $2; exit}' "$out")")
  t_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  t_answers=$answers
  t_signed=$((signed1 - signed0))
  # The two busiest threads of legacy's gateway are its hashing workers: each login is one
  # cost-10 hash (tens of ms) against tens of microseconds of everything else.
  t_hash_ticks=$(join <(printf '%s\n' "${threads0[@]}" | sort) <(printf '%s\n' "${threads1[@]}" | sort) |
    awk '{print $3 - $2}' | sort -rn | head -"$HASH_WORKERS" | awk '{s += $1} END {print s + 0}')
  t_gw_ticks=$((g1 - g0))
  t_db_ticks=$((m1 - m0))
  t_wrk_ticks=$((c1 - c0))
  t_busy=$((busy1[0] - busy0[0]))
  t_total=$((busy1[1] - busy0[1]))
  t_idle=$(awk -v b=$((busy_wrk[0] - busy0[0])) -v t=$((busy_wrk[1] - busy0[1])) \
    'BEGIN {printf "%.1f", (t > 0 ? (t - b) / t * 100 : 0)}')
  t_foreign=$(awk -v b="$t_busy" -v g="$t_gw_ticks" -v m="$t_db_ticks" -v w="$t_wrk_ticks" -v t="$t_total" \
    'BEGIN {f = (b - g - m - w) / t * 100; printf "%.0f", (f < 0 ? 0 : f)}')
}

# One raw-rate run: BcryptVerify/10 on 2 threads. Sets r_* results.
measure_raw() {
  local out="$run_dir/raw.json" c0 c1
  local -a busy0 busy1
  read_child_ticks
  c0=$child_ticks
  read -ra busy0 < <(cpu_busy_total)
  run_child "$run_dir/raw.log" "$micro_bin" \
    --benchmark_filter="^BcryptVerify/$BENCH_COST/real_time/threads:$HASH_WORKERS\$" \
    --benchmark_min_time="$duration" --benchmark_format=json --benchmark_out="$out" ||
    die "gangway_micro_bench failed: $(tail -5 "$run_dir/raw.log")"
  read -ra busy1 < <(cpu_busy_total)
  read_child_ticks
  c1=$child_ticks
  r_rate=$(json_field "$out" items_per_second)
  r_cpu_ms=$(json_field "$out" cpu_time)   # CPU per verification (time unit: ms)
  r_foreign=$(awk -v b=$((busy1[0] - busy0[0])) -v c=$((c1 - c0)) -v t=$((busy1[1] - busy0[1])) \
    'BEGIN {f = (b - c) / t * 100; printf "%.0f", (f < 0 ? 0 : f)}')
}

# json_field FILE KEY: KEY of the one benchmark in a Google Benchmark JSON file.
json_field() {
  "$PYTHON" -c 'import json, sys
b = [x for x in json.load(open(sys.argv[1]))["benchmarks"] if x.get("run_type") != "aggregate"]
if len(b) != 1 or "error_message" in b[0]: sys.exit("unexpected benchmark output")
print(b[0][sys.argv[2]])' "$1" "$2" || die "cannot read $2 from $1"
}

# Repeats MEASURE (measure_logins or measure_raw) while more than FOREIGN_LIMIT % of the CPUs
# went to processes that are not part of the bench.
measure_clean() {
  local what=$1 var=$2 label=$3 attempt
  for ((attempt = 0; ; attempt++)); do
    "$what"
    ((${!var} > FOREIGN_LIMIT && attempt < MAX_RETRIES)) || break
    log "$label: ${!var}% of the CPUs busy with other processes; again"
  done
  if ((${!var} > FOREIGN_LIMIT)); then
    notes+=("$label: ${!var}% of the CPUs went to other processes")
  fi
}

warm_up() {
  log "warm-up: ${warmup}s of logins"
  run_wrk "$warmup" "$run_dir/wrk.out" || die "warm-up wrk failed: $(cat "$run_dir/wrk.out")"
  wrk_answers "$run_dir/wrk.out" >/dev/null
}

throughput_rounds() {
  local round
  for ((round = 1; round <= rounds; round++)); do
    # Alternate the order, so drift during the run (frequency, neighbours) favours neither.
    if ((round % 2 == 1)); then
      measure_clean measure_raw r_foreign "round $round raw"
      measure_clean measure_logins t_foreign "round $round logins"
    else
      measure_clean measure_logins t_foreign "round $round logins"
      measure_clean measure_raw r_foreign "round $round raw"
    fi
    echo "$round,$t_rps,$r_rate,$t_answers,$t_signed,$t_gw_ticks,$t_hash_ticks,$t_db_ticks,$t_wrk_ticks,$t_busy,$t_total,$t_foreign,$r_foreign,$r_cpu_ms,$t_p50,$t_p99,$t_wall,$t_idle" >>"$raw_csv"
    log "$(printf 'round %d: %.2f logins/s (p50 %s ms, p99 %s ms), raw %.2f verifications/s, ratio %.3f; other processes: %s%% / %s%%' \
      "$round" "$t_rps" "$t_p50" "$t_p99" "$r_rate" "$(awk -v a="$t_rps" -v b="$r_rate" 'BEGIN {print a / b}')" \
      "$t_foreign" "$r_foreign")"
  done
}

# median COLUMN: median of a column of the throughput CSV (1-based).
median_col() {
  cut -d, -f"$1" "$raw_csv" | sort -g | awk '{v[NR] = $1} END {
    printf "%.6g\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- hand-over latency -----------------------------------------------------------------------
latency_csv=""

# post_login EMAIL: POST /login on legacy; prints "STATUS APPCONNECT TOTAL LOCATION".
post_login() {
  local body
  body=$(login_body "$1")
  curl_site legacy -o /dev/null -X POST -H "Origin: $(origin legacy)" -H "Cookie: $prelogin_cookie" \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" \
    -w '%{http_code} %{time_appconnect} %{time_total} %{redirect_url}\n' "$(origin legacy)/login"
}

# redeem URL: GET the handoff URL on new; prints "STATUS APPCONNECT TOTAL SESSION_COOKIE_SET".
redeem() {
  local headers="$run_dir/handoff.headers" line cookie=0
  line=$(curl_site new -o /dev/null -D "$headers" -w '%{http_code} %{time_appconnect} %{time_total}' "$1")
  grep -qi '^set-cookie: __Host-gangway=' "$headers" && cookie=1
  echo "$line $cookie"
}

# One baseline login and one hand-over, back to back; appends seconds to the latency CSV:
# base_total,base_connect,post_total,post_connect,get_total,get_connect
handoff_once() {
  local record=$1 b_status b_conn b_total b_loc p_status p_conn p_total p_loc g_status g_conn g_total g_cookie
  read -r b_status b_conn b_total b_loc < <(post_login local4@bench.test)
  [[ $b_status == 303 && $b_loc == "$(origin legacy)/"* ]] ||
    die "baseline login answered $b_status (Location '$b_loc'), expected 303 to legacy"
  read -r p_status p_conn p_total p_loc < <(post_login moved@bench.test)
  [[ $p_status == 303 && $p_loc == "$(origin new)/_gangway/handoff?token="* ]] ||
    die "moved user's login answered $p_status (Location '${p_loc%%\?*}'), expected 303 to new's handoff"
  read -r g_status g_conn g_total g_cookie < <(redeem "$p_loc")
  [[ $g_status == 303 && $g_cookie == 1 ]] ||
    die "redeeming the handoff answered $g_status (session cookie set: $g_cookie), expected 303 with a session"
  ((record)) || return 0
  echo "$b_total,$b_conn,$p_total,$p_conn,$g_total,$g_conn" >>"$latency_csv"
}

handoff_runs() {
  local i
  log "hand-over: 10 untimed, then $handoffs timed (baseline login, login, redemption)"
  for ((i = 0; i < 10; i++)); do handoff_once 0; done
  for ((i = 0; i < handoffs; i++)); do handoff_once 1; done
}

# Cost of one cost-4 verification on one thread, in ms.
cost4_verify_ms() {
  local out="$run_dir/cost4.json"
  run_child "$run_dir/cost4.log" "$micro_bin" \
    --benchmark_filter="^BcryptVerify/$HANDOFF_COST/real_time/threads:1\$" \
    --benchmark_min_time=2 --benchmark_format=json --benchmark_out="$out" ||
    die "gangway_micro_bench failed: $(tail -5 "$run_dir/cost4.log")"
  json_field "$out" real_time
}

# quantiles EXPR: median and p95 (nearest rank), in ms, of an awk expression over the
# latency CSV's columns ($1..$6, seconds).
quantiles() {
  awk -F, "{printf \"%.6f\\n\", ($1) * 1000}" "$latency_csv" | sort -g | awk '{v[NR] = $1} END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    r = int(0.95 * NR + 0.999999); if (r < 1) r = 1
    printf "%.2f %.2f\n", m, v[r] }'
}

# ---- report ----------------------------------------------------------------------------------
# per_login TICKS LOGINS: microseconds of CPU per login.
per_login() { awk -v t="$1" -v n="$2" -v hz="$clk_tck" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}'; }

machine_summary() {
  local cpu
  cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  echo "- Machine: ${cpu:-unknown CPU}, $(nproc) CPUs available, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, Linux $(uname -r)"
  echo "- OS: $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release); $(mariadbd --version | awk '{print $3}') (one server, both sites' databases); $(openssl version | cut -d' ' -f1-2)"
  echo "- gangway: $gangway_bin built $(date -u -r "$gangway_bin" '+%H:%M UTC'), source tree at $gangway_version; 1 I/O thread, hash_workers = $HASH_WORKERS per gateway"
  echo "- wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $WRK_THREADS threads, $connections connections, ${duration}s per run, ${warmup}s warm-up; rounds: $rounds, raw and logins alternating first"
  echo "- Pinning: none. wrk, both gateways, MariaDB and the raw-rate benchmark all run on the same $(nproc) CPUs"
  echo "- CPU busy before the run (other processes): $busy_at_start%; load average at start: $load_at_start"
}

# The quantiles arguments are awk column references, not shell expansions.
# shellcheck disable=SC2016
report() {
  local rps raw ratio verdict gw hash db wrkt busy total answers signed wall bg_gw bg_db cost4
  rps=$(median_col 2)
  raw=$(median_col 3)
  ratio=$(awk -v a="$rps" -v b="$raw" 'BEGIN {printf "%.3f", a / b}')
  verdict=$(awk -v r="$ratio" -v t="$TARGET" 'BEGIN {print (r >= t) ? "met" : "NOT met"}')
  # CPU split over all rounds, per login the gateway completed (signed_in: wrk's count misses
  # the few still queued when it stops, which measure_logins waits for).
  read -r answers signed gw hash db wrkt busy total wall < <(awk -F, '{a += $4; s += $5; g += $6; h += $7; d += $8; w += $9; b += $10; t += $11; x += $17}
    END {print a, s, g, h, d, w, b, t, x}' "$raw_csv")
  bg_gw=$(awk -v r="$bg_gw_rate" -v x="$wall" 'BEGIN {printf "%d", r * x + 0.5}')
  bg_db=$(awk -v r="$bg_db_rate" -v x="$wall" 'BEGIN {printf "%d", r * x + 0.5}')
  cost4=$(cost4_verify_ms)

  local q_base q_conn q_post q_get q_total q_excl q_adds q_adds_req
  q_base=$(quantiles '$1')
  q_conn=$(quantiles '$2')
  q_post=$(quantiles '$3')
  q_get=$(quantiles '$5')
  q_total=$(quantiles '$3 + $5')
  q_excl=$(quantiles "\$3 + \$5 - $cost4 / 1000")
  q_adds=$(quantiles '$3 + $5 - $1')
  q_adds_req=$(quantiles '($3 - $4) + ($5 - $6) - ($1 - $2)')

  local -a rows=(
    "login throughput, bcrypt cost $BENCH_COST (wrk, median of $rounds)|$(printf '%.2f logins/s' "$rps")"
    "raw verification rate, cost $BENCH_COST, $HASH_WORKERS threads (median of $rounds)|$(printf '%.2f verifications/s' "$raw")"
    "ratio (target >= $TARGET)|$ratio ($verdict)"
    "wrk latency p50 / p99 (median of rounds; queueing: $connections connections)|$(median_col 15) ms / $(median_col 16) ms"
    "logins answered 303 (wrk) / signed_in counted by the gateway|$answers / $signed"
    "CPU per login: gangway hashing threads (2 busiest of legacy)|$(per_login "$hash" "$signed") us"
    "CPU per verification in the raw run (median of $rounds)|$(median_col 14 | awk '{printf "%.0f", $1 * 1000}') us"
    "CPU per login: gangway, other threads (both gateways; without idle background)|$(per_login $((gw - hash)) "$signed") us ($(per_login $((gw - hash - bg_gw)) "$signed") us)"
    "CPU per login: MariaDB (without idle background)|$(per_login "$db" "$signed") us ($(per_login $((db - bg_db)) "$signed") us)"
    "CPU per login: wrk|$(per_login "$wrkt" "$signed") us"
    "CPU per login: anything else (kernel, other processes)|$(per_login $((busy - gw - db - wrkt)) "$signed") us"
    "ratio if wrk's CPU went to the gateway instead (estimate, CPUs saturated)|$(awk -v r="$ratio" -v b="$busy" -v w="$wrkt" 'BEGIN {printf "%.3f", r * b / (b - w)}')"
    "CPUs idle while wrk ran (median of $rounds)|$(median_col 18) %"
  )
  local -a lat_rows=(
    "login without hand-over (local user, POST)|$q_base"
    "... of which the browser's connection set-up (TCP + TLS)|$q_conn"
    "hand-over: POST on legacy (peer call to new)|$q_post"
    "hand-over: GET handoff URL on new (redeem)|$q_get"
    "login to redeemed (POST + GET)|$q_total"
    "login to redeemed, hashing excluded (- $(printf '%.2f' "$cost4") ms)|$q_excl"
    "what the hand-over adds (login to redeemed - login without)|$q_adds"
    "the same, without the browser's connection set-up (TCP + TLS)|$q_adds_req"
  )

  local row name value m p
  echo
  printf '%-62s %s\n' "throughput" ""
  printf '%.0s-' {1..90}; echo
  for row in "${rows[@]}"; do IFS='|' read -r name value <<<"$row"; printf '%-62s %s\n' "$name" "$value"; done
  echo
  printf '%-62s %10s %10s\n' "latency, $handoffs sequential hand-overs (ms)" median p95
  printf '%.0s-' {1..90}; echo
  for row in "${lat_rows[@]}"; do
    IFS='|' read -r name value <<<"$row"
    read -r m p <<<"$value"
    printf '%-62s %10s %10s\n' "$name" "$m" "$p"
  done

  echo
  echo "---- Markdown (paste into docs/benchmarks.md) ----"
  echo
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') with \`tests/bench/login.sh${cli_args:+ $cli_args}\`:"
  echo
  machine_summary
  echo
  echo "| Throughput | |"
  echo "|---|--:|"
  for row in "${rows[@]}"; do IFS='|' read -r name value <<<"$row"; echo "| $name | $value |"; done
  echo
  echo "| Latency, $handoffs sequential hand-overs | median ms | p95 ms |"
  echo "|---|--:|--:|"
  for row in "${lat_rows[@]}"; do
    IFS='|' read -r name value <<<"$row"
    read -r m p <<<"$value"
    echo "| $name | $m | $p |"
  done
  if ((${#notes[@]})); then
    echo
    echo "Runs with interference (their numbers are less trustworthy):"
    printf -- '- %s\n' "${notes[@]}"
  fi
}

# ---- main ------------------------------------------------------------------------------------
main() {
  cli_args="$*"
  parse_args "$@"
  check_tools
  clk_tck=$(getconf CLK_TCK)
  local rev
  rev=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo "no git")
  gangway_version="$rev$(git -C "$repo_root" diff --quiet HEAD -- common gateway 2>/dev/null || echo ' + local changes')"

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  run_dir=$(mktemp -d "${TMPDIR:-/tmp}/gangway-login-bench.XXXXXX")
  raw_csv="$run_dir/throughput.csv"
  latency_csv="$run_dir/latency.csv"

  load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
  busy_at_start=$(idle_check)
  ((busy_at_start <= 5)) ||
    log "warning: the CPUs were $busy_at_start% busy before the run: something else is using them; results will be noisy"

  start_database
  make_users
  make_sites
  start_gateways
  fetch_form
  measure_background

  handoff_runs
  warm_up
  throughput_rounds
  report
}

main "$@"
