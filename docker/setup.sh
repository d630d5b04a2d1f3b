#!/usr/bin/env bash
# The one-shot `setup` service of docker/compose.yaml: the demo's secrets, made inside the
# `secrets` volume (mounted at /secrets), never on the host and never in an image.
#   /secrets/certs/                  dev CA and certificates (certs/make-dev-certs.sh)
#   /secrets/peer.keys               keys sealing envelopes between the two sites' gateways
#   /secrets/<site>/                 session.keys, assertion.keys, admin-token, and client.cnf
#                                    (the mariadb client's option file: demo app, ops commands)
#   /secrets/db/<site>.password      the database password of user gangway
# Idempotent: what exists is kept, so a second `up` keeps sessions valid and the passwords
# match the databases that were initialised with them.
# Runs as the image's user gangway (uid 10001), which also runs the gateways and the demo apps.
# GANGWAY_SECRETS_DIR and GANGWAY_HOME (the repository's files; /opt/gangway in the image) let
# it run outside a container too.
set -euo pipefail
umask 077
secrets=${GANGWAY_SECRETS_DIR:-/secrets}
home=${GANGWAY_HOME:-/opt/gangway}

bash "$home/certs/make-dev-certs.sh" "$secrets/certs" >/dev/null

new_keys() {  # new_keys ID_PREFIX FILE: a key file, unless one is there
  [ -s "$2" ] || gangway keys generate --id-prefix "$1" 2>/dev/null >"$2"
}

new_keys peer "$secrets/peer.keys"
# The MariaDB containers read their password file as their own user (mysql, uid 999), so the
# db directory and its files are world-readable inside the volume; every other secret is not.
mkdir -p "$secrets/db"
chmod 0755 "$secrets" "$secrets/db"
for site in legacy new; do
  mkdir -p "$secrets/$site"
  new_keys session "$secrets/$site/session.keys"
  new_keys assert "$secrets/$site/assertion.keys"
  [ -s "$secrets/$site/admin-token" ] || openssl rand -hex 24 >"$secrets/$site/admin-token"
  password=$secrets/db/$site.password
  if [ ! -s "$password" ]; then
    openssl rand -hex 24 >"$password"
    chmod 0644 "$password"
  fi
  cat >"$secrets/$site/client.cnf" <<CNF
[client]
protocol=tcp
host=mariadb-$site
port=3306
user=gangway
password=$(cat "$password")
[mysql]
database=app
CNF
done
echo "setup: certificates, keys, tokens and passwords are in the secrets volume"
