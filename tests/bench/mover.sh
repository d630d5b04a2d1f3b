#!/usr/bin/env bash
# Benchmarks `gangway migrate` (copy + verify) against mysqldump | mariadb and mydumper | myloader
# moving the same account between two MariaDB servers.
#
#   tests/bench/mover.sh [--messages N] [--small-accounts N] [--jobs N] [--gangway PATH]
#                        [--buffer-pool SIZE] [--skip-mydumper] [--keep-report FILE]
#
# Two throwaway MariaDB servers on 127.0.0.1 ("legacy", the source, and "new", the destination)
# get the example app (tests/mover/example_app.sql). The source gets one big account (id 1,
# --messages messages, about 300 bytes of body each, plus users, conversations, tags,
# attachments, daily stats and events in proportion) and --small-accounts small ones. Then, the
# destination emptied before each:
#   1. mysqldump | mariadb: `mariadb-dump --where` per table with the model's WHERE for account 1
#      (single transaction, extended inserts), all piped into one `mariadb` client;
#   2. mydumper | myloader (Debian's 0.10.1 has no --where: it copies the model's tables whole,
#      the small accounts included; reported with its own row count);
#   3. `gangway migrate --rehearsal 1` (cleansed copy into a scratch database: the prediction);
#   4. `gangway migrate 1`: pre-flight, lock, copy, verify, flip (the real move).
# Each is timed as a whole process (wall clock). Printed: seconds, rows/s, MB/s and the ratio
# of gangway's rate to each peer's, the real move's lock window and the rehearsal's prediction.
# Method and results: docs/benchmarks.md ("Mover"). Everything binds 127.0.0.1 and lives in a
# temp dir that is removed, with every process started, on exit.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)

# ---- options ---------------------------------------------------------------------------------
messages=${GANGWAY_BENCH_MESSAGES:-1000000}
small_accounts=${GANGWAY_BENCH_SMALL_ACCOUNTS:-9}
small_messages=${GANGWAY_BENCH_SMALL_MESSAGES:-2000}
jobs=4
gangway_bin="$repo_root/build/gangway"
buffer_pool=${GANGWAY_BENCH_BUFFER_POOL:-1G}
skip_mydumper=0
report_out=""

readonly BIG_ACCOUNT=1
readonly STARTUP_TIMEOUT=60   # seconds for a server to answer
readonly STOP_TIMEOUT=30      # seconds for a server to exit after SIGTERM
# The model's tables, in an order whose foreign keys hold (mydumper's list, the resets).
readonly TABLES=(countries accounts users conversations messages tags conversation_tags
                 attachments daily_stats daily_stat_channels events)

usage() {
  sed -n '4,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

  --messages N        messages of the big account (default $GANGWAY_BENCH_MESSAGES or 1000000)
  --small-accounts N  small accounts besides it (default 9), each with
                      $GANGWAY_BENCH_SMALL_MESSAGES (default 2000) messages
  --jobs N            gangway migrate --jobs, mydumper/myloader --threads (default 4)
  --gangway PATH      gangway binary (default build/gangway)
  --buffer-pool SIZE  innodb_buffer_pool_size of each server (default 1G: the data fits)
  --skip-mydumper     leave out mydumper | myloader
  --keep-report FILE  also write the real move's JSON report to FILE
EOF
}

BENCH_NAME=bench
# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args() {
  while (($#)); do
    case $1 in
      --messages) positive_int "$1" "${2-}"; messages=$2; shift 2 ;;
      --small-accounts) [[ ${2-} =~ ^[0-9]+$ ]] || die "$1 needs an integer"; small_accounts=$2; shift 2 ;;
      --jobs) positive_int "$1" "${2-}"; jobs=$2; shift 2 ;;
      --gangway) [[ -n ${2-} ]] || die "--gangway needs a path"; gangway_bin=$2; shift 2 ;;
      --buffer-pool) [[ ${2-} =~ ^[0-9]+[KMG]?$ ]] || die "$1 needs a size like 1G"; buffer_pool=$2; shift 2 ;;
      --skip-mydumper) skip_mydumper=1; shift ;;
      --keep-report) [[ -n ${2-} ]] || die "$1 needs a path"; report_out=$2; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown option '$1' (see --help)" ;;
    esac
  done
  positive_int GANGWAY_BENCH_MESSAGES "$messages"
  positive_int GANGWAY_BENCH_SMALL_MESSAGES "$small_messages"
}

check_tools() {
  local tool
  for tool in mariadbd mariadb-install-db mariadb mariadb-admin mariadb-dump python3 openssl; do
    command -v "$tool" >/dev/null || die "'$tool' not found (scripts/bootstrap.sh installs it)"
  done
  [[ -x $gangway_bin ]] || die "gangway binary '$gangway_bin' not found (build it or pass --gangway)"
  if ((!skip_mydumper)) && ! { command -v mydumper && command -v myloader; } >/dev/null; then
    die "mydumper/myloader not found (scripts/bootstrap.sh installs them; or --skip-mydumper)"
  fi
}

# ---- processes -------------------------------------------------------------------------------
run_dir=""
server_pids=()

cleanup() {
  local status=$? i
  trap - EXIT INT TERM
  for ((i = ${#server_pids[@]} - 1; i >= 0; i--)); do stop_process "${server_pids[i]}"; done
  remove_run_dir "$status"
  exit "$status"
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }

# ---- MariaDB ---------------------------------------------------------------------------------
# start_server NAME: a fresh datadir under $run_dir/NAME, mariadbd on a free 127.0.0.1 port (as
# tests/support/mariadb.sh does, with a buffer pool the data fits in and a bigger redo log, the
# same for every tool; utf8mb4 by default, as a current app's tables are), user
# gangway@127.0.0.1, database `app`; writes NAME/{port,password,client.cnf}.
start_server() {
  local name=$1 d=$run_dir/$1 password port pid user_opt=() deadline
  mkdir -p "$d/data" "$d/tmp"
  ((EUID != 0)) || user_opt=(--user=root)
  mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$d/data" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    >"$d/install.log" 2>&1 || die "mariadb-install-db failed: $(tail -3 "$d/install.log")"
  password=$(openssl rand -hex 16)
  printf '%s' "$password" >"$d/password"
  cat >"$d/init.sql" <<SQL
CREATE USER IF NOT EXISTS 'gangway'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'gangway'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS app;
SQL
  for _ in 1 2 3 4 5; do  # a free port can be taken before mariadbd binds it
    port=$(free_ports 1)
    mariadbd --no-defaults "${user_opt[@]}" --datadir="$d/data" --tmpdir="$d/tmp" \
      --socket="$d/mysqld.sock" --pid-file="$d/mysqld.pid" --bind-address=127.0.0.1 \
      --port="$port" --skip-name-resolve --init-file="$d/init.sql" \
      --innodb-buffer-pool-size="$buffer_pool" --innodb-log-file-size=512M \
      --innodb-flush-log-at-trx-commit=2 --skip-log-bin --max-connections=200 \
      --max-allowed-packet=64M --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_unicode_ci --log-error="$d/error.log" </dev/null >"$d/stdout.log" 2>&1 &
    pid=$!
    deadline=$((SECONDS + STARTUP_TIMEOUT))
    until mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -ugangway \
        -p"$password" ping >/dev/null 2>&1; do
      kill -0 "$pid" 2>/dev/null || break
      ((SECONDS < deadline)) || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); then
      server_pids+=("$pid")
      echo "$port" >"$d/port"
      printf '[client]\nprotocol=tcp\nhost=127.0.0.1\nport=%s\nuser=gangway\npassword=%s\ndefault-character-set=utf8mb4\n' \
        "$port" "$password" >"$d/client.cnf"
      log "mariadb $name: pid $pid, port $port"
      return 0
    fi
    stop_process "$pid"
  done
  die "mariadb $name did not start; see $d/error.log"
}

# sql NAME [mariadb options...]: the mariadb client on server NAME's database app.
sql() {
  local name=$1
  shift
  mariadb --defaults-file="$run_dir/$name/client.cnf" --batch --skip-column-names "$@" app
}

# ---- data ------------------------------------------------------------------------------------
create_schema() {
  local name=$1
  sql "$name" <"$repo_root/tests/mover/example_app.sql"
}

next_conversation=0
next_message=0

# generate_account ID MESSAGES USERS: one account's rows, made by the server from sequence
# tables (INSERT ... SELECT), so a million messages take seconds, not a row per client call.
# Messages are interleaved across groups of up to 50 conversations (like conversations that
# run at the same time), bodies 180-440 bytes (mean ~310) with quotes and non-ASCII text.
generate_account() {
  local a=$1 m=$2 u=$3 g convs conv_base=$next_conversation msg_base=$next_message
  local tags=$((a == BIG_ACCOUNT ? 50 : 10)) days=$((a == BIG_ACCOUNT ? 365 : 30))
  local events=$((m / 10 > 0 ? m / 10 : 1))
  g=$(((m + 99) / 100))
  ((g <= 50)) || g=50
  convs=$((g * ((m + 100 * g - 1) / (100 * g))))
  next_conversation=$((conv_base + convs))
  next_message=$((msg_base + m))
  local country
  country=$(case $((a % 3)) in 0) echo DE ;; 1) echo FR ;; *) echo NZ ;; esac)
  sql legacy <<SQL
SET SESSION foreign_key_checks = 0, unique_checks = 0;
INSERT INTO accounts (id, name, country_code, created_at)
  VALUES ($a, 'Account $a', '$country', '2020-01-01 00:00:00' + INTERVAL $a DAY);
INSERT INTO users (id, account_id, email, name, password, api_token)
  SELECT $a * 1000 + seq, $a, CONCAT('user', seq, '@account$a.test'), CONCAT('User ', seq),
         CONCAT('\$2b\$10\$', LEFT(SHA2(seq, 256), 53)), IF(seq % 2, SHA1(seq), NULL)
  FROM seq_1_to_$u;
UPDATE accounts SET owner_id = $a * 1000 + 1 WHERE id = $a;
INSERT INTO conversations (id, account_id, subject)
  SELECT $conv_base + seq, $a, CONCAT('Ticket #', seq, ': can''t log in (é ✓)') FROM seq_1_to_$convs;
INSERT INTO messages (id, conversation_id, author_id, body, created_at)
  SELECT $msg_base + seq,
         $conv_base + 1 + (seq - 1) % $g + $g * ((seq - 1) DIV ($g * 100)),
         IF(seq % 50 = 0, NULL, $a * 1000 + 1 + seq % $u),
         CONCAT('Message ', seq, ': it''s "fine" — ünïcödé ✓ ',
                LEFT(REPEAT(CONCAT(MD5(seq), ' lorem ipsum dolor sit amet\n'), 8),
                     150 + (seq * 7919) % 260)),
         '2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL seq % 1000000 MICROSECOND
  FROM seq_1_to_$m;
UPDATE conversations c
  JOIN (SELECT conversation_id, MAX(id) AS last_id FROM messages
        WHERE conversation_id BETWEEN $conv_base + 1 AND $conv_base + $convs
        GROUP BY conversation_id) l ON l.conversation_id = c.id
  SET c.last_message_id = l.last_id;
INSERT INTO tags (id, account_id, name)
  SELECT $a * 1000 + seq, $a, CONCAT('tag-', seq) FROM seq_1_to_$tags;
INSERT INTO conversation_tags (conversation_id, tag_id)
  SELECT $conv_base + seq, $a * 1000 + 1 + seq % $tags FROM seq_1_to_$convs
  UNION ALL
  SELECT $conv_base + seq, $a * 1000 + 1 + (seq + 7) % $tags FROM seq_1_to_$convs;
INSERT INTO attachments (owner_type, owner_id, filename, size_bytes)
  SELECT 'message', $msg_base + seq, CONCAT('scan-', seq, '.pdf'), seq * 37 % 5000000
  FROM seq_1_to_$m WHERE seq % 20 = 0
  UNION ALL
  SELECT 'conversation', $conv_base + seq, CONCAT('thread-', seq, '.zip'), seq * 91 % 5000000
  FROM seq_1_to_$convs WHERE seq % 10 = 0;
INSERT INTO daily_stats (account_id, day, messages_in)
  SELECT $a, '2024-01-01' + INTERVAL seq - 1 DAY, seq * 13 % 4000 FROM seq_1_to_$days;
INSERT INTO daily_stat_channels (account_id, day, channel, messages_in)
  SELECT $a, s.day, ch.name, s.messages_in DIV 3 FROM daily_stats s
  JOIN (SELECT 'email' AS name UNION ALL SELECT 'chat' UNION ALL SELECT 'phone') ch
  WHERE s.account_id = $a;
INSERT INTO events (account_id, kind, payload, created_at)
  SELECT $a, ELT(1 + seq % 4, 'login', 'reply', 'assign', 'close'),
         IF(seq % 5 = 0, NULL, CONCAT('{"seq":', seq, ',"ip":"10.0.', seq % 256, '.', seq % 251, '"}')),
         '2024-01-01 00:00:00' + INTERVAL seq * 7 SECOND
  FROM seq_1_to_$events;
SQL
}

generate_data() {
  local a started
  started=$(now)
  sql legacy -e "INSERT INTO countries VALUES ('DE', 'Germany'), ('FR', 'France'),
                 ('NZ', 'New Zealand'), ('US', 'United States')"
  generate_account "$BIG_ACCOUNT" "$messages" 20
  for ((a = 2; a <= small_accounts + 1; a++)); do generate_account "$a" "$small_messages" 3; done
  sql legacy -e "ANALYZE TABLE $(IFS=,; echo "${TABLES[*]}")" >/dev/null
  log "generated 1 account with $messages messages and $small_accounts with $small_messages each in $(elapsed "$started") s"
}

# The model's rows of account 1, table by table: what conf/schema.example.toml's relationships
# select, as WHERE clauses for mariadb-dump (and the row counts checked after each copy).
declare -A where
set_where() {
  local a=$BIG_ACCOUNT convs
  convs="SELECT id FROM conversations WHERE account_id = $a"
  where[countries]="code IN (SELECT country_code FROM accounts WHERE id = $a)"
  where[accounts]="id = $a"
  where[users]="account_id = $a"
  where[conversations]="account_id = $a"
  where[messages]="conversation_id IN ($convs)"
  where[tags]="account_id = $a"
  where[conversation_tags]="conversation_id IN ($convs)"
  where[attachments]="(owner_type = 'message' AND owner_id IN (SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.account_id = $a)) OR (owner_type = 'conversation' AND owner_id IN ($convs))"
  where[daily_stats]="account_id = $a"
  where[daily_stat_channels]="account_id = $a"
  where[events]="account_id = $a"
}

# "table count" lines of the account's rows on NAME (or of whole tables with "all").
row_counts() {
  local name=$1 scope=${2-account} t q=""
  for t in "${TABLES[@]}"; do
    q+="${q:+ UNION ALL }SELECT '$t', COUNT(*) FROM \`$t\`"
    [[ $scope == all ]] || q+=" WHERE ${where[$t]}"
  done
  sql "$name" -e "$q"
}

sum_counts() { awk '{s += $2} END {print s + 0}'; }

# Empties the destination's app tables (gangway's own tables and placement stay).
reset_destination() {
  local t q="SET SESSION foreign_key_checks = 0;"
  for t in "${TABLES[@]}"; do q+=" TRUNCATE TABLE \`$t\`;"; done
  sql new -e "$q"
  settle_destination
}

dirty_pages() {
  sql new -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
              WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'"
}
no_dirty_pages() { (($(dirty_pages) == 0)); }

# Every tool starts on a destination without dirty pages: what the one before left to flush
# (its 400 MB of rows, a dropped scratch database) must not slow the next one down.
settle_destination() {
  local pct
  pct=$(sql new -e "SELECT @@innodb_max_dirty_pages_pct")
  sql new -e "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  wait_until 300 "$(cat "$run_dir/new/mysqld.pid")" "the destination's page flushing" no_dirty_pages
  sql new -e "SET GLOBAL innodb_max_dirty_pages_pct = $pct"
}

expect_counts() {
  local what=$1 want=$2 got
  got=$(row_counts new all)
  [[ $got == "$want" ]] || die "$what: the destination holds other rows than expected:
$(diff <(echo "$want") <(echo "$got") || true)"
}

# ---- gangway ---------------------------------------------------------------------------------
# The source's config ("legacy", [sites.new.database] the destination) and the destination's
# own (for `db init` and `accounts`).
write_configs() {
  local site other
  GANGWAY_ADMIN_TOKEN=$(openssl rand -hex 24)
  export GANGWAY_ADMIN_TOKEN
  GANGWAY_CLEANSE_KEY=$(openssl rand -hex 32)  # the model's [cleansing] key_env
  export GANGWAY_CLEANSE_KEY
  "$gangway_bin" keys generate >"$run_dir/session.keys" 2>/dev/null
  "$gangway_bin" keys generate >"$run_dir/assertion.keys" 2>/dev/null
  for site in legacy new; do
    other=$([[ $site == legacy ]] && echo new || echo legacy)
    cat >"$run_dir/$site.toml" <<EOF
[server.plain]
listen = "127.0.0.1:0"

[admin]
listen = "127.0.0.1:0"
token_env = "GANGWAY_ADMIN_TOKEN"

[upstream]
servers = ["127.0.0.1:9"]

[site]
name = "$site"

[sites.$site]
origin = "https://$site.example.com"

[sites.$other]
origin = "https://$other.example.com"

[sites.$other.database]
host = "127.0.0.1"
port = $(cat "$run_dir/$other/port")
user = "gangway"
password_file = "$run_dir/$other/password"
name = "app"
connect_timeout_ms = 5000
query_timeout_ms = 3600000

[session]
keys_file = "$run_dir/session.keys"
assertion_keys_file = "$run_dir/assertion.keys"

[database]
host = "127.0.0.1"
port = $(cat "$run_dir/$site/port")
user = "gangway"
password_file = "$run_dir/$site/password"
name = "app"
pool_size = 2
connect_timeout_ms = 5000
query_timeout_ms = 3600000

[login]
users_table = "users"
email_column = "email"
EOF
  done
}

prepare_gangway() {
  local ids
  write_configs
  "$gangway_bin" db init --config "$run_dir/legacy.toml" >>"$run_dir/setup.log" 2>&1 ||
    die "gangway db init (legacy) failed: $(tail -3 "$run_dir/setup.log")"
  "$gangway_bin" db init --config "$run_dir/new.toml" >>"$run_dir/setup.log" 2>&1 ||
    die "gangway db init (new) failed: $(tail -3 "$run_dir/setup.log")"
  ids=$(seq 1 $((small_accounts + 1)) | tr '\n' ' ')
  # shellcheck disable=SC2086  # a list of ids
  "$gangway_bin" accounts add --config "$run_dir/legacy.toml" $ids --by bench --reason "bench data" \
    >>"$run_dir/setup.log" 2>&1 || die "gangway accounts add failed: $(tail -3 "$run_dir/setup.log")"
}

migrate() {
  "$gangway_bin" migrate --config "$run_dir/legacy.toml" --schema "$repo_root/conf/schema.example.toml" \
    --to new --jobs "$jobs" --by bench "$@"
}

# The {"event":"report",...} line of a migrate run's stderr.
report_line() { grep -F '"event":"report"' "$1" | tail -1; }

# json_get FILE EXPR: a value of the JSON document in FILE (python3: jq is not a dependency).
json_get() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"
}

# ---- the runs --------------------------------------------------------------------------------
declare -A seconds rows bytes

run_mysqldump() {
  local started t
  reset_destination
  log "mysqldump | mariadb: $(printf '%s\n' "${TABLES[@]}" | wc -l) tables, --where per table"
  started=$(now)
  {
    for t in "${TABLES[@]}"; do
      # --insert-ignore for the shared table: copied only if missing, as the model says.
      local ignore=()
      [[ $t != countries ]] || ignore=(--insert-ignore)
      mariadb-dump --defaults-file="$run_dir/legacy/client.cnf" --single-transaction \
        --no-create-info --skip-triggers --skip-comments "${ignore[@]}" \
        --where="${where[$t]}" app "$t"
    done
  } | mariadb --defaults-file="$run_dir/new/client.cnf" app
  seconds[mysqldump]=$(elapsed "$started")
  expect_counts "mysqldump | mariadb" "$expected_account"
  rows[mysqldump]=$account_rows
}

run_mydumper() {
  local started dir=$run_dir/mydumper list="" t port password
  reset_destination
  for t in "${TABLES[@]}"; do list+="${list:+,}$t"; done
  port=$(cat "$run_dir/legacy/port")
  password=$(cat "$run_dir/legacy/password")
  log "mydumper | myloader: whole tables (no --where in mydumper $(mydumper --version | awk '{print $2}' | tr -d ,))"
  started=$(now)
  mydumper -h 127.0.0.1 -P "$port" -u gangway -p "$password" -B app -T "$list" -o "$dir" \
    --threads "$jobs" --no-schemas --trx-consistency-only --rows 100000 --verbose 1 \
    >"$run_dir/mydumper.log" 2>&1 || die "mydumper failed: $(tail -3 "$run_dir/mydumper.log")"
  myloader -h 127.0.0.1 -P "$(cat "$run_dir/new/port")" -u gangway -p "$(cat "$run_dir/new/password")" \
    -d "$dir" -B app --threads "$jobs" --verbose 1 >"$run_dir/myloader.log" 2>&1 ||
    die "myloader failed: $(tail -3 "$run_dir/myloader.log")"
  seconds[mydumper]=$(elapsed "$started")
  expect_counts "mydumper | myloader" "$expected_whole"
  rows[mydumper]=$whole_rows
  bytes[mydumper]=$(cat "$dir"/*.sql | wc -c)
  rm -rf -- "$dir"
}

run_rehearsal() {
  local started
  settle_destination
  log "gangway migrate --rehearsal $BIG_ACCOUNT"
  started=$(now)
  migrate --rehearsal "$BIG_ACCOUNT" </dev/null >"$run_dir/rehearsal.out" 2>"$run_dir/rehearsal.log" ||
    die "the rehearsal failed: $(grep -v '"event"' "$run_dir/rehearsal.log" | tail -3; tail -3 "$run_dir/rehearsal.out")"
  seconds[rehearsal]=$(elapsed "$started")
  report_line "$run_dir/rehearsal.log" >"$run_dir/rehearsal.json"
  sql new -e "DROP DATABASE IF EXISTS app_rehearsal"  # 300 MB the destination need not keep
}

run_migrate() {
  local started
  reset_destination
  log "gangway migrate --jobs $jobs $BIG_ACCOUNT"
  started=$(now)
  migrate "$BIG_ACCOUNT" </dev/null >"$run_dir/migrate.out" 2>"$run_dir/migrate.log" ||
    die "the move failed: $(grep -v '"event"' "$run_dir/migrate.log" | tail -3; tail -3 "$run_dir/migrate.out")"
  seconds[gangway]=$(elapsed "$started")
  report_line "$run_dir/migrate.log" >"$run_dir/migrate.json"
  [[ -z $report_out ]] || cp "$run_dir/migrate.json" "$report_out"
  local got
  got=$(row_counts new)
  [[ $got == "$expected_account" ]] || die "gangway migrate: the destination holds other rows:
$(diff <(echo "$expected_account") <(echo "$got") || true)"
  rows[gangway]=$(json_get "$run_dir/migrate.json" 'sum(t["rows"] for t in d["tables"].values())')
  bytes[gangway]=$(json_get "$run_dir/migrate.json" 'sum(t["bytes"] for t in d["tables"].values())')
}

# ---- report ----------------------------------------------------------------------------------
print_results() {
  local mb_account=${bytes[gangway]}
  echo
  echo "Mover benchmark: account $BIG_ACCOUNT, $account_rows rows ($messages messages), $(awk -v b="$mb_account" 'BEGIN {printf "%.1f", b / 1e6}') MB of values;"
  echo "source tables hold $whole_rows rows in all ($small_accounts small accounts); --jobs $jobs; buffer pool $buffer_pool per server"
  echo
  printf '%-34s %10s %12s %10s %12s\n' "tool" "seconds" "rows/s" "MB/s" "gangway x"
  row() {  # name key rows bytes
    local s=${seconds[$2]}
    awk -v n="$1" -v s="$s" -v r="$3" -v b="$4" -v g="${seconds[gangway]}" -v gr="$account_rows" -v key="$2" 'BEGIN {
      ratio = (key == "gangway") ? "1.00" : sprintf("%.2f", (gr / g) / (r / s))
      printf "%-34s %10.2f %12.0f %10.2f %12s\n", n, s, r / s, b / s / 1e6, ratio }'
  }
  row "gangway migrate (move + verify)" gangway "$account_rows" "$mb_account"
  row "mysqldump --where | mariadb" mysqldump "${rows[mysqldump]}" "$mb_account"
  if ((!skip_mydumper)); then
    row "mydumper | myloader (whole tables)" mydumper "${rows[mydumper]}" "${bytes[mydumper]}"
  fi
  echo
  echo "gangway x = gangway's rows/s / the tool's rows/s (target vs mysqldump | mariadb: >= 2)"
  echo "MB: the account's values as read, in bytes (gangway's report; mydumper: its own files, whole tables)"
  echo
  printf 'real move: lock window %.2f s (lock %.2f, copy %.2f, verify %.2f, flip %.2f; pre-flight and the rest outside the lock: %.2f s)\n' \
    "$(json_get "$run_dir/migrate.json" 'd["lock_window_seconds"]')" \
    "$(json_get "$run_dir/migrate.json" 'd["timings"]["lock_seconds"]')" \
    "$(json_get "$run_dir/migrate.json" 'd["timings"]["copy_seconds"]')" \
    "$(json_get "$run_dir/migrate.json" 'd["timings"]["verify_seconds"]')" \
    "$(json_get "$run_dir/migrate.json" 'd["timings"]["flip_seconds"]')" \
    "$(awk -v a="${seconds[gangway]}" -v b="$(json_get "$run_dir/migrate.json" 'd["lock_window_seconds"]')" 'BEGIN {printf "%.2f", a - b}')"
  printf 'rehearsal: predicted lock window %.2f s (fence estimate %.2f, copy %.2f, verify %.2f); the whole rehearsal took %.2f s\n' \
    "$(json_get "$run_dir/rehearsal.json" 'd["predicted_lock_window_seconds"]')" \
    "$(json_get "$run_dir/rehearsal.json" 'd["timings"]["fence_estimate_seconds"]')" \
    "$(json_get "$run_dir/rehearsal.json" 'd["timings"]["copy_seconds"]')" \
    "$(json_get "$run_dir/rehearsal.json" 'd["timings"]["verify_seconds"]')" \
    "${seconds[rehearsal]}"
  echo
  echo "per table (real move): rows, MB, write seconds summed over the writers"
  json_get "$run_dir/migrate.json" '"\n".join("  %-20s %9d %9.1f %8.2f" % (k, v["rows"], v["bytes"] / 1e6, v["write_seconds"]) for k, v in sorted(d["tables"].items()))'
}

main() {
  parse_args "$@"
  check_tools
  run_dir=$(mktemp -d "${TMPDIR:-/tmp}/gangway-mover-bench.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  log "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(mariadbd --version | awk '{print $3}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  start_server legacy
  start_server new
  create_schema legacy
  create_schema new
  generate_data
  set_where
  prepare_gangway
  expected_account=$(row_counts legacy)
  account_rows=$(sum_counts <<<"$expected_account")
  expected_whole=$(row_counts legacy all)
  whole_rows=$(sum_counts <<<"$expected_whole")
  # Warm both servers' caches with the source's data, the same for every tool that follows.
  sql legacy -e "CHECKSUM TABLE $(IFS=,; echo "${TABLES[*]}")" >/dev/null
  log "account $BIG_ACCOUNT: $account_rows rows; source tables: $whole_rows rows"

  run_mysqldump
  ((skip_mydumper)) || run_mydumper
  run_rehearsal
  run_migrate
  print_results
}

# Sourcing the script (for a one-off experiment) defines its functions without running it.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
