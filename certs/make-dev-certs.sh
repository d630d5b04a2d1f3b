#!/usr/bin/env bash
# Makes a development CA and server certificates signed by it, with the openssl CLI.
#
#   certs/make-dev-certs.sh [OUT_DIR]      (default: certs/dev, which is gitignored)
#
# Writes into OUT_DIR:
#   ca.crt, ca.key                              the dev CA
#   legacy.localhost.crt/.key                   SAN legacy.localhost, localhost, 127.0.0.1
#   new.localhost.crt/.key                      SAN new.localhost, localhost, 127.0.0.1
#   localhost.crt/.key                          SAN localhost, 127.0.0.1
#
# All keys are ECDSA P-256 (PKCS#8 PEM, mode 0600); certificates are valid for 825 days.
# Idempotent: a certificate that exists, matches its key, chains to ca.crt, has the SANs above
# and stays valid for more than one more day is left alone; a new CA re-issues them all.
# Never point OUT_DIR at a tracked path of the repository.
set -euo pipefail

readonly VALID_DAYS=825
readonly CA_VALID_DAYS=830          # a little longer than the leaves it signs
readonly MIN_REMAINING_SECONDS=86400
readonly SERVER_NAMES=(legacy.localhost new.localhost localhost)

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
out_dir=${1:-"$script_dir/dev"}
work_dir=""

die() { echo "make-dev-certs: $*" >&2; exit 1; }

cleanup() { [[ -n $work_dir ]] && rm -rf -- "$work_dir"; return 0; }

# True if cert $1 exists, has key $2, and is valid for more than MIN_REMAINING_SECONDS.
cert_usable() {
  local crt=$1 key=$2
  [[ -s $crt && -s $key ]] || return 1
  openssl x509 -in "$crt" -noout -checkend "$MIN_REMAINING_SECONDS" >/dev/null 2>&1 || return 1
  local cert_pub key_pub
  cert_pub=$(openssl x509 -in "$crt" -noout -pubkey 2>/dev/null) || return 1
  key_pub=$(openssl pkey -in "$key" -pubout 2>/dev/null) || return 1
  [[ $cert_pub == "$key_pub" ]]
}

# The subjectAltName of server certificate $1, in openssl config syntax.
server_san() {
  if [[ $1 == localhost ]]; then
    echo "DNS:localhost,IP:127.0.0.1"
  else
    echo "DNS:$1,DNS:localhost,IP:127.0.0.1"
  fi
}

# True if server cert $1 is usable, chains to the CA in out_dir and has the expected SAN.
server_cert_usable() {
  local name=$1 want have
  cert_usable "$out_dir/$name.crt" "$out_dir/$name.key" || return 1
  openssl verify -CAfile "$out_dir/ca.crt" "$out_dir/$name.crt" >/dev/null 2>&1 || return 1
  # openssl prints "DNS:a, IP Address:127.0.0.1"; compare in config syntax.
  want=$(server_san "$name")
  have=$(openssl x509 -in "$out_dir/$name.crt" -noout -ext subjectAltName 2>/dev/null |
    sed -n '2p' | sed -e 's/^ *//' -e 's/, /,/g' -e 's/IP Address:/IP:/g')
  [[ $have == "$want" ]]
}

# Keys found with a looser mode are tightened to 0600 (the certificates are left alone).
tighten_key_modes() {
  local key
  for key in "$out_dir"/*.key; do
    [[ -e $key ]] || continue
    if [[ $(stat -c %a "$key") != 600 ]]; then
      chmod 0600 "$key"
      echo "set mode 0600 on $key"
    fi
  done
}

# Writes an ECDSA P-256 private key to $1 with mode 0600.
make_key() {
  local key=$1
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null)
  chmod 0600 "$key"
}

random_serial() { echo "0x$(openssl rand -hex 16)"; }

# Our own openssl config, so the host's openssl.cnf defaults never leak into the certificates.
write_openssl_config() {
  cat >"$work_dir/openssl.cnf" <<'EOF'
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
}

# Writes to $1 the extensions of a server certificate with subjectAltName $2.
write_server_extensions() {
  cat >"$1" <<EOF
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = $2
EOF
}

make_ca() {
  make_key "$work_dir/ca.key"
  openssl req -new -x509 -config "$work_dir/openssl.cnf" -extensions v3_ca \
    -key "$work_dir/ca.key" -sha256 -days "$CA_VALID_DAYS" -set_serial "$(random_serial)" \
    -subj "/O=Gangway development/CN=Gangway Dev CA" -out "$work_dir/ca.crt"
  mv -f -- "$work_dir/ca.key" "$out_dir/ca.key"
  mv -f -- "$work_dir/ca.crt" "$out_dir/ca.crt"
  echo "made $out_dir/ca.crt (+ ca.key), valid $CA_VALID_DAYS days"
}

make_server_cert() {
  local name=$1 san
  san=$(server_san "$name")
  make_key "$work_dir/$name.key"
  openssl req -new -config "$work_dir/openssl.cnf" -key "$work_dir/$name.key" \
    -subj "/O=Gangway development/CN=$name" -out "$work_dir/$name.csr"
  write_server_extensions "$work_dir/$name.ext" "$san"
  openssl x509 -req -in "$work_dir/$name.csr" \
    -CA "$out_dir/ca.crt" -CAkey "$out_dir/ca.key" -set_serial "$(random_serial)" \
    -sha256 -days "$VALID_DAYS" -extfile "$work_dir/$name.ext" -extensions v3_server \
    -out "$work_dir/$name.crt" 2>/dev/null
  mv -f -- "$work_dir/$name.key" "$out_dir/$name.key"
  mv -f -- "$work_dir/$name.crt" "$out_dir/$name.crt"
  echo "made $out_dir/$name.crt (+ $name.key), SAN $san, valid $VALID_DAYS days"
}

main() {
  if [[ $# -gt 1 || ${1-} == -* ]]; then
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
  fi
  command -v openssl >/dev/null || die "openssl CLI not found"
  mkdir -p -- "$out_dir"
  out_dir=$(cd -- "$out_dir" && pwd)
  # Temp files live inside out_dir so the final mv is a rename on the same file system.
  work_dir=$(mktemp -d "$out_dir/.make-dev-certs.XXXXXX")
  trap cleanup EXIT
  write_openssl_config

  # A new CA makes every existing server certificate fail verification, so all are re-issued.
  local made=0 name
  if ! cert_usable "$out_dir/ca.crt" "$out_dir/ca.key"; then
    make_ca
    made=1
  fi
  for name in "${SERVER_NAMES[@]}"; do
    if ! server_cert_usable "$name"; then
      make_server_cert "$name"
      made=1
    fi
  done

  tighten_key_modes

  if ((made)); then
    echo "dev certificates in $out_dir (trust ca.crt to verify them)"
  else
    echo "dev certificates in $out_dir are up to date"
  fi
}

main "$@"
