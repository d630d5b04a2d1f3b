# shellcheck shell=bash
# Shared by the benchmark scripts (run.sh, login.sh, mover.sh); sourced after each sets
# BENCH_NAME (the prefix of its messages) and STOP_TIMEOUT (seconds a server gets to exit).

die() { echo "$BENCH_NAME: error: $*" >&2; exit 1; }
log() { echo "$BENCH_NAME: $*" >&2; }

positive_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive integer, got '$2'"; }

# SIGTERM, up to STOP_TIMEOUT seconds to exit, then SIGKILL; reaps it.
stop_process() {
  local pid=$1 deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not exit after SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# On a failed run, the last lines of every log in $run_dir; then $run_dir is removed.
remove_run_dir() {
  local status=$1 f
  [[ -n $run_dir && -d $run_dir ]] || return 0
  if ((status != 0)); then
    for f in "$run_dir"/*.log; do
      [[ -s $f ]] || continue
      echo "---- ${f##*/} (last lines) ----" >&2
      tail -n 20 "$f" >&2
    done
  fi
  rm -rf -- "$run_dir"
}

# Polls "$@" every 50 ms until it succeeds; fails after TIMEOUT seconds or once PID has exited.
wait_until() {
  local timeout=$1 pid=$2 what=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "$what exited during startup"
    ((SECONDS < deadline)) || die "$what not ready after ${timeout}s"
    sleep 0.05
  done
}

url_ok() { curl -sf -o /dev/null --max-time 2 "$@"; }

# A number field of a JSON ready file: ready_field FILE NAME.
ready_field() { grep -oE "\"$2\"[[:space:]]*:[[:space:]]*[0-9]+" "$1" | grep -oE '[0-9]+$'; }

# Prints N distinct free TCP ports on 127.0.0.1 (bound together, then released).
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# render_template TEMPLATE OUTPUT KEY=VALUE...: every @KEY@ replaced; an unfilled one is an error.
render_template() {
  local template=$1 rendered=$2 kv key value
  shift 2
  local -a sed_args=()
  for kv in "$@"; do
    key=${kv%%=*}
    value=${kv#*=}
    value=${value//\\/\\\\}
    value=${value//|/\\|}
    value=${value//&/\\&}
    sed_args+=(-e "s|@${key}@|${value}|g")
  done
  sed "${sed_args[@]}" "$template" >"$rendered"
  if grep -qE '@[A-Z_]+@' "$rendered"; then
    die "unfilled placeholder in $rendered: $(grep -oE '@[A-Z_]+@' "$rendered" | head -1)"
  fi
}

# User + system clock ticks of the given processes so far.
cpu_ticks() {
  local pid stat total=0
  local -a fields
  for pid in "$@"; do
    stat=$(<"/proc/$pid/stat") || die "process $pid vanished"
    read -ra fields <<<"${stat##*) }"   # fields[0] is field 3 (state); comm may hold spaces
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# "BUSY TOTAL" jiffies of one CPU (its number) or of all of them ("all", the default).
cpu_busy_total() {
  local name=cpu
  [[ ${1:-all} == all ]] || name="cpu$1"
  awk -v c="$name" '$1 == c {
    total = 0; for (i = 2; i <= 9; i++) total += $i
    print total - $5 - $6, total; exit }' /proc/stat
}

# Percent of all CPUs busy over one second (is the machine quiet enough to measure on?).
idle_check() {
  local -a first second
  read -ra first < <(cpu_busy_total all)
  sleep 1   # a measurement window, not a wait for a condition
  read -ra second < <(cpu_busy_total all)
  awk -v x=$((second[0] - first[0])) -v t=$((second[1] - first[1])) \
    'BEGIN {printf "%.0f", (t > 0 ? x / t * 100 : 0)}'
}
