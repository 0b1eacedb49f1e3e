#!/usr/bin/env bash
# The docker sandbox's system side, without any image registry: Docker's engine from Debian's
# packages (docker.io), dockerd started if none answers, a Debian base image made with debootstrap
# and `docker import`, and the runtime image tests/test_docker_sandbox.py grades with, built
# offline from a local wheelhouse. Idempotent: seconds when everything is already there.
# Installing needs root and apt; elsewhere it says what is missing and the docker tests skip,
# saying why. Run after scripts/setup.sh (it uses .venv).
#
# Environment: GRADER_IMAGE_CACHE (default /var/cache/grader): the rootfs and wheelhouse, outside
# the repository. GRADER_TORCH_INDEX (default none: pip's own configuration picks torch; auto:
# PyTorch's CPU index).
#
# Usage: docker-setup.sh [all|engine|images]. `engine` does steps 1-2 (apt, dockerd; no .venv), `images`
# steps 3-5 (the SDK, the base and runtime images: minutes on a fresh machine, no apt). scripts/test.sh
# runs `engine` beside setup.sh and `images` in the background beside the tests that need no docker.
set -uo pipefail
STEPS=${1:-all}
case "$STEPS" in all|engine|images) ;; *) echo "usage: $0 [all|engine|images]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
BASE_IMAGE=grader-base:bookworm
CACHE=${GRADER_IMAGE_CACHE:-/var/cache/grader}
TORCH_INDEX=${GRADER_TORCH_INDEX:-none}
# Keep in step with TEST_REQUIREMENTS in tests/test_docker_sandbox.py (pinned: a CPU torch build;
# tqdm, which every image has as a grader dependency, at the version constraints.txt pins).
REQUIREMENTS=(--requirement torch==2.13.0 --requirement keras==3.15.1 --requirement tqdm==4.70.1)

say() { echo "docker-setup: $*"; }
started=$SECONDS
is_root_with_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

# 1. The engine (and debootstrap for the base image).
if [ "$STEPS" != images ]; then
if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  if ! is_root_with_apt; then
    say "dockerd or debootstrap is missing and cannot be installed here (needs root and apt); docker tests will skip"
    exit 0
  fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io debootstrap >/dev/null || { say "could not install docker.io; docker tests will skip"; exit 0; }
  say "installed docker.io and debootstrap"
fi

# 2. A running dockerd.
if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then say "no Docker engine answers and only root can start one; docker tests will skip"; exit 0; fi
  mkdir -p /var/log
  setsid nohup dockerd >/var/log/grader-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start (see /var/log/grader-dockerd.log); docker tests will skip"; exit 0; }
  say "started dockerd"
fi

fi  # steps 1-2

if [ "$STEPS" = engine ]; then say "engine ready ($((SECONDS - started)) s)"; exit 0; fi
if [ "$STEPS" = images ] && ! docker info >/dev/null 2>&1; then
  say "no Docker engine answers (run $0 engine first); docker tests will skip"; exit 0
fi

# 3. The Docker SDK for Python in .venv (the grader's `docker` extra, which scripts/setup.sh installs);
# not in the `engine` steps, which scripts/test.sh runs beside setup.sh's pip.
.venv/bin/python -c "import docker" 2>/dev/null || .venv/bin/python -m pip install -q 'docker>=7' \
  2>&1 | grep -v "^WARNING: Location" || true

# 4. A Debian base with python3 and venv, from Debian's mirror: no image registry involved.
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
           /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -n1 | awk '{print $2}')
  rootfs="$CACHE/rootfs-bookworm"
  rm -rf "$rootfs" && mkdir -p "$CACHE"
  debootstrap --variant=minbase --include=python3,python3-venv bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" \
    >"$CACHE/debootstrap.log" 2>&1 || { say "debootstrap failed (see $CACHE/debootstrap.log)"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
         "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  tar -C "$rootfs" -c . | docker import - "$BASE_IMAGE" >/dev/null || { say "docker import failed"; exit 1; }
  rm -rf "$rootfs"
  say "built $BASE_IMAGE with debootstrap ($((SECONDS - started)) s so far)"
fi

# 5. The runtime image, offline from a wheelhouse the host's pip fills.
tag=$(.venv/bin/grader image tag "${REQUIREMENTS[@]}")
if ! docker image inspect "$tag" >/dev/null 2>&1; then
  mkdir -p "$CACHE"
  .venv/bin/grader image wheelhouse "$CACHE/wheelhouse" "${REQUIREMENTS[@]}" --torch-index "$TORCH_INDEX" \
    >"$CACHE/wheelhouse.log" 2>&1 \
    || { say "could not download the wheels (see $CACHE/wheelhouse.log)"; exit 1; }
  .venv/bin/grader image build "${REQUIREMENTS[@]}" --base "$BASE_IMAGE" --wheelhouse "$CACHE/wheelhouse" --quiet \
    || { say "could not build $tag"; exit 1; }
fi
say "ready: $tag ($((SECONDS - started)) s)"
