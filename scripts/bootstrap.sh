#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the benchmarks and the demo need, then
# the browser tests' one npm package (playwright-core, pinned by tests/browser/package-lock.json;
# it drives Debian's chromium, it downloads no browser).
# Idempotent: a second run on the same machine installs nothing new and exits 0.
# Boost is Debian's 1.74: libmysqlcppconn-dev pins it (it conflicts with 1.81).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain and build
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  # libraries
  libboost1.74-dev libboost-system1.74-dev libssl-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev prometheus-cpp-dev
  liburiparser-dev libmysqlcppconn-dev libmariadb-dev libargon2-dev libcrypt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # test harness (nodejs: client.js tests), benchmarks, demo
  mariadb-server mariadb-client mydumper nginx-light wrk hyperfine openssl curl python3
  procps util-linux nodejs
  # static checks of docker/ (tests/docker/check_compose.py): YAML, and Debian's compose tool
  python3-yaml docker-compose
  # browser journeys (tests/browser): Chromium, driven by playwright-core from npm
  chromium
  # independent implementations behind tests/vectors/ (password hashes, AES-GCM)
  python3-passlib python3-bcrypt python3-argon2 python3-django python3-cryptography
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs comes without npm (a package of its own); a nodejs that bundles npm (such as
# NodeSource's) conflicts with Debian's npm, so it is only asked for when the command is missing.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
else
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
fi

# The browser tests' node_modules, exactly as locked; `npm ci` again only when the lock changed.
lock=tests/browser/package-lock.json
stamp=tests/browser/node_modules/.gangway-lock.sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$(sha256sum <"$lock")" ]; then
  echo "bootstrap: npm ci in tests/browser"
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null
  sha256sum <"$lock" >"$stamp"
else
  echo "bootstrap: tests/browser/node_modules up to date"
fi
