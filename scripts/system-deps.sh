#!/usr/bin/env bash
# System packages: bubblewrap (the default `namespaces` sandbox runs every kernel under bwrap),
# Debian's chromium (feedback pages are checked in a real browser) and Docker's engine with the
# docker sandbox's images (scripts/docker-setup.sh).
# Needs root and apt; elsewhere it says what is missing (and those tests skip with a reason).
set -uo pipefail
bash "$(dirname "$0")/install-bubblewrap.sh"
bash "$(dirname "$0")/docker-setup.sh" || echo "docker setup failed: the docker sandbox tests will fail and say why"
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    && echo "installed chromium" || echo "could not install chromium; browser tests will skip"
else
  echo "chromium not found and cannot install it here; browser tests will skip"
fi
