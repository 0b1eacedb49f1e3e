#!/usr/bin/env bash
# bubblewrap (bwrap) for the default `namespaces` sandbox, from the distribution's packages.
# Needs root and apt to install; elsewhere it says what to install. Idempotent.
set -uo pipefail
command -v bwrap >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null \
    && echo "installed bubblewrap"; } \
    || echo "could not install bubblewrap: grade with --sandbox docker, or --sandbox unisolated (no isolation)"
else
  echo "bubblewrap (bwrap) is missing: install it (apt-get install bubblewrap, dnf install bubblewrap, pacman -S bubblewrap)" \
       "for the default sandbox; see docs/sandbox.md"
fi
