#!/usr/bin/env bash
# Installs the Debian 12 packages zonewatch needs: "build" for the daemon (python3 runs the build's
# layering check, cmake/check_layers.py; libpq-dev is the PostgreSQL client library of the
# storage's second backend), "test" adds the name
# servers, signers, resolvers and tools the test lab and CI use (lcov: the coverage table of
# tests/run_all.sh; postgresql-15: the server the storage tests start for themselves in a
# temporary directory, tests/unit/storage/pg_server.h; python3-yaml: the offline check of
# deploy/kubernetes, tests/integration/kubernetes_check.py, and of the rules and the compose file;
# docker-compose: Debian's Compose 1.29, whose `config` validates deploy/container/compose.yaml in
# tests/integration/deploy_test.sh, no Docker daemon needed; groff-base, man-db: the manual pages'
# check, tests/unit/docs/cli_docs_test.py; chromium: Debian's browser, run headless by
# tests/integration/web_page_test.py to load the timeline page and screenshot it). Installs only
# what is missing.
set -euo pipefail
what=${1:-build}

build_pkgs=(cmake g++ make ninja-build ccache pkg-config
  libc-ares-dev libssl-dev libsqlite3-dev zlib1g-dev nlohmann-json3-dev prometheus-cpp-dev
  libcivetweb-dev
  libyaml-cpp-dev libcurl4-openssl-dev libpsl-dev publicsuffix libcli11-dev libidn2-dev
  libjemalloc-dev libpq-dev python3
  ca-certificates)
test_pkgs=(libgtest-dev libgmock-dev clang libclang-rt-14-dev
  nsd knot knot-dnsutils ldnsutils bind9 bind9-utils bind9-dnsutils unbound
  iproute2 procps psmisc sqlite3 curl prometheus prometheus-alertmanager systemd
  lcov postgresql-15 python3-yaml docker-compose groff-base man-db chromium)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "zonewatch: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "zonewatch: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages' own service instances (nsd, knot, named, unbound, prometheus)
  # from starting: the lab runs its own instances on loopback addresses.
  # A policy-rc.d already there (Debian container images ship one) is left alone.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
exit 0
