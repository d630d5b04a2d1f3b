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
