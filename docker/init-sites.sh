#!/usr/bin/env bash
# The one-shot `init` service of docker/compose.yaml, once both databases answer: gangway's own
# tables on each site (`gangway db init`) and the demo's placement, as demo/run.sh sets it:
# accounts 1, 2, 5, 6 live on legacy; 3 and 4 moved to new in an earlier wave; 7 signed up on
# new. Idempotent: an account a site already knows is left as it is, so a move made in the
# demo survives the next `docker compose up`.
set -euo pipefail
conf=${GANGWAY_CONFIG_DIR:-/etc/gangway}  # legacy.toml and new.toml
by=(--by demo-setup --reason "demo data")

for site in legacy new; do
  gangway db init --config "$conf/$site.toml"
done

# place SITE ACCOUNT...: adds the accounts SITE has no placement for; prints the ones it added.
place() {
  local site=$1 id missing=()
  shift
  for id in "$@"; do
    gangway accounts show --config "$conf/$site.toml" "$id" >/dev/null 2>&1 || missing+=("$id")
  done
  if ((${#missing[@]})); then
    gangway accounts add --config "$conf/$site.toml" "${missing[@]}" "${by[@]}" >&2
  fi
  echo "${missing[*]}"
}

place new 3 4 7 >/dev/null
added_on_legacy=" $(place legacy 1 2 3 4 5 6) "
for id in 3 4; do
  [[ $added_on_legacy == *" $id "* ]] || continue
  gangway accounts set --config "$conf/legacy.toml" "$id" --state moved --site new \
    --by demo-setup --reason "moved in an earlier wave" >&2
done
echo "init: gangway's tables and the demo's placement are in place on legacy and new"
