#!/usr/bin/env bash
# Test MariaDB servers on loopback, each in its own directory with its own port.
#   mariadb.sh start DIR NAME...   install a fresh datadir per NAME, start mariadbd on a free
#                                  127.0.0.1 port, create user gangway@127.0.0.1 with a random
#                                  password; writes DIR/NAME/{port,password,pid}
#   mariadb.sh pause DIR NAME      stop one server, keeping its data and port
#   mariadb.sh resume DIR NAME     start a paused server again on the same port
#   mariadb.sh stop DIR            stop every server under DIR and remove DIR
# The servers run as the invoking user (root in CI: --user=root), listen on 127.0.0.1 only and
# keep everything under DIR.
set -euo pipefail

command=${1:?usage: mariadb.sh start|stop DIR [NAME...]}
dir=${2:?usage: mariadb.sh start|stop DIR [NAME...]}
shift 2

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

stop_one() {
  local d=$1 pid
  [ -f "$d/pid" ] || return 0
  pid=$(cat "$d/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; read -rt 0.1 <> <(:) || true; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$d/pid"
}

# Starts mariadbd for an installed datadir on `port`; true once it answers.
launch() {
  local d=$1 port=$2 password user_opt=()
  password=$(cat "$d/password")
  [ "$(id -u)" = 0 ] && user_opt=(--user=root)
  mariadbd --no-defaults "${user_opt[@]}" --datadir="$d/data" --tmpdir="$d/tmp" \
    --socket="$d/mysqld.sock" --pid-file="$d/mysqld.pid" --bind-address=127.0.0.1 \
    --port="$port" --skip-name-resolve --init-file="$d/init.sql" \
    --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --max-connections=500 \
    --innodb-flush-log-at-trx-commit=2 --skip-log-bin --log-error="$d/error.log" \
    </dev/null >"$d/stdout.log" 2>&1 &  # CTest waits for inherited pipes: none here
  echo $! >"$d/pid"
  for _ in $(seq 1 300); do
    if mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -ugangway \
         -p"$password" ping >/dev/null 2>&1; then
      echo "$port" >"$d/port"
      return 0
    fi
    kill -0 "$(cat "$d/pid")" 2>/dev/null || break
    read -rt 0.1 <> <(:) || true
  done
  stop_one "$d"
  return 1
}

start_one() {
  local name=$1 d=$dir/$1 password user_opt=()
  stop_one "$d"
  rm -rf "$d"
  mkdir -p "$d/data" "$d/tmp"
  [ "$(id -u)" = 0 ] && user_opt=(--user=root)
  mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$d/data" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    >"$d/install.log" 2>&1 || { cat "$d/install.log"; return 1; }
  password=$(openssl rand -hex 16)
  printf '%s' "$password" >"$d/password"
  cat >"$d/init.sql" <<SQL
CREATE USER IF NOT EXISTS 'gangway'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'gangway'@'127.0.0.1' WITH GRANT OPTION;
SQL
  # A free port can be taken by someone else before mariadbd binds it: try a few.
  for attempt in 1 2 3 4 5; do
    if launch "$d" "$(free_port)"; then
      echo "mariadb $name on 127.0.0.1:$(cat "$d/port")"
      return 0
    fi
  done
  echo "mariadb $name did not start; see $d/error.log" >&2
  tail -20 "$d/error.log" >&2 || true
  return 1
}

case $command in
  start)
    mkdir -p "$dir"
    for name in "$@"; do start_one "$name"; done ;;
  pause)
    stop_one "$dir/${1:?name}" ;;
  resume)
    launch "$dir/${1:?name}" "$(cat "$dir/$1/port")" || {
      echo "mariadb $1 did not start again; see $dir/$1/error.log" >&2; exit 1; } ;;
  stop)
    [ -d "$dir" ] || exit 0
    for d in "$dir"/*/; do stop_one "${d%/}"; done
    rm -rf "$dir" ;;
  *) echo "usage: mariadb.sh start|pause|resume|stop DIR [NAME...]" >&2; exit 2 ;;
esac
