#!/usr/bin/env bash
# System packages: bubblewrap (the default `namespaces` sandbox runs every kernel under bwrap),
# Debian's chromium (feedback pages are checked in a real browser) and Docker's engine with the
# docker sandbox's images (scripts/docker-setup.sh).
# Needs root and apt; elsewhere it says what is missing (and those tests skip with a reason).
#
# Usage: system-deps.sh [--images-later]: with the flag, Docker's engine is installed and started but
# its images are not built (scripts/test.sh builds them in the background: `docker-setup.sh images`).
set -uo pipefail
docker_steps=all
[ "${1:-}" = --images-later ] && docker_steps=engine
bash "$(dirname "$0")/install-bubblewrap.sh"
bash "$(dirname "$0")/docker-setup.sh" "$docker_steps" || echo "docker setup failed: the docker sandbox tests will fail and say why"
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    && echo "installed chromium" || echo "could not install chromium; browser tests will skip"
else
  echo "chromium not found and cannot install it here; browser tests will skip"
fi
