#!/usr/bin/env bash
# Copies one account's rows of the demo app (demo/app_schema.sql) from site legacy's database to
# site new's, for moving an account by hand in the demo (scripts/demo.sh prints the steps).
# A stand-in for the copy step of gangway's mover (`gangway migrate`), which also verifies the
# copy and flips the placement; this only copies. Run it while the account is locked.
#
#   demo/copy_account.sh RUN_DIR ACCOUNT [FROM_SITE TO_SITE]    (sites default: legacy new)
# RUN_DIR is the demo's temp dir (/tmp/gangway-demo.*), as printed by scripts/demo.sh.
set -euo pipefail

run_dir=${1:?usage: copy_account.sh RUN_DIR ACCOUNT [FROM_SITE TO_SITE]}
account=${2:?usage: copy_account.sh RUN_DIR ACCOUNT [FROM_SITE TO_SITE]}
from=${3:-legacy}
to=${4:-new}
[[ $account =~ ^[1-9][0-9]{0,18}$ ]] || { echo "copy_account: ACCOUNT must be a number" >&2; exit 2; }
for site in "$from" "$to"; do
  [ -f "$run_dir/$site/client.cnf" ] || { echo "copy_account: no demo site $site in $run_dir" >&2; exit 2; }
done

# table -> the rows of the account, parents before children (the foreign keys' order).
tables=(accounts auth_user projects notes)
declare -A where=(
  [accounts]="id = $account"
  [auth_user]="account_id = $account"
  [projects]="account_id = $account"
  [notes]="project_id IN (SELECT id FROM projects WHERE account_id = $account)"
)

# One consistent snapshot per table (--single-transaction); REPLACE, so running it twice is fine.
for table in "${tables[@]}"; do
  mariadb-dump --defaults-file="$run_dir/$from/client.cnf" --single-transaction --no-create-info \
    --replace --skip-triggers --compact --where="${where[$table]}" app "$table"
done | mariadb --defaults-file="$run_dir/$to/client.cnf"

for table in "${tables[@]}"; do
  count=$(mariadb --defaults-file="$run_dir/$to/client.cnf" -N -B \
    -e "SELECT COUNT(*) FROM $table WHERE ${where[$table]}")
  echo "account $account: $table: $count rows on $to"
done
