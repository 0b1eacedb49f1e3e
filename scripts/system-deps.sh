#!/usr/bin/env bash
# System packages: bubblewrap (the default `namespaces` sandbox runs every kernel under bwrap),
# Debian's chromium (feedback pages are checked in a real browser) and Docker's engine with the
# docker sandbox's images (scripts/docker-setup.sh).
# Needs root and apt; elsewhere it says what is missing (and those tests skip with a reason).
# What is missing is installed with one `apt-get update` and one `apt-get install`; the scripts it
# then calls find their packages there. It needs no .venv except for the images, so scripts/test.sh
# runs it with --images-later beside scripts/setup.sh.
#
# Usage: system-deps.sh [--images-later]: with the flag, Docker's engine is installed and started but
# its images are not built (scripts/test.sh builds them in the background: `docker-setup.sh images`).
set -uo pipefail
docker_steps=all
[ "${1:-}" = --images-later ] && docker_steps=engine
missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if { [ "${#missing[@]}" -gt 0 ] || ! command -v chromium >/dev/null 2>&1; } \
   && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null && echo "installed ${missing[*]}"
  fi
  command -v chromium >/dev/null 2>&1 || { apt-get install -y -qq chromium >/dev/null && echo "installed chromium"; }
fi
bash "$(dirname "$0")/install-bubblewrap.sh"
bash "$(dirname "$0")/docker-setup.sh" "$docker_steps" || echo "docker setup failed: the docker sandbox tests will fail and say why"
command -v chromium >/dev/null 2>&1 || echo "chromium is missing and could not be installed here (needs root and apt); browser tests will skip"
