#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the benchmarks and the demo need.
# Idempotent: a second run on the same machine installs nothing new and exits 0.
# Boost is Debian's 1.74: libmysqlcppconn-dev pins it (it conflicts with 1.81).
set -euo pipefail

packages=(
  # toolchain and build
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  # libraries
  libboost1.74-dev libboost-system1.74-dev libssl-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev prometheus-cpp-dev
  liburiparser-dev libmysqlcppconn-dev libargon2-dev libcrypt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # test harness (nodejs: client.js tests), benchmarks, demo
  mariadb-server mariadb-client nginx-light wrk hyperfine openssl curl python3
  procps util-linux nodejs
  # independent implementations behind tests/vectors/ (password hashes, AES-GCM)
  python3-passlib python3-bcrypt python3-argon2 python3-django python3-cryptography
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# nginx and mariadb are started by the tests and benchmarks themselves, on loopback, in temp
# dirs; the packages' own system services are not wanted.
for svc in nginx mariadb; do
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
  if [ -x "/etc/init.d/$svc" ]; then "/etc/init.d/$svc" stop >/dev/null 2>&1 || true; fi
done
echo "bootstrap: done"
