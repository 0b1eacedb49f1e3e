#!/usr/bin/env bash
# Set up everything the tests need, then run the whole suite in tiers. CI runs exactly this.
#
#   static  ruff check ., mypy grader,             before any test; a finding stops here
#           grader build --all --check (every lab's notebooks are what its master source builds)
#           and scripts/catalogs.py check (the translation catalogs are those of the sources)
#   fast    -m "not slow"                          one process; a failure stops here
#   slow    -m "slow and not (docker or serial)"   two pytest-xdist workers, a test file to one
#                                                  worker: the lab validations (first) one after
#                                                  another on one, the other files on the other
#   serial  -m "slow and (docker or serial)"       one process, nothing else running beside it; it
#                                                  first waits for the docker images, which are
#                                                  built in the background from the start
#
# Every test is in exactly one tier. Arguments go to every tier (`bash scripts/test.sh -k csv`);
# GRADER_TEST_TIERS="fast" (or "slow serial", ...) runs only those tiers. See docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system-deps.sh --images-later

# The docker sandbox's images (debootstrap, a wheelhouse, `docker build`: minutes on a fresh machine)
# are built in the background while the static checks and the fast and slow tiers run: only the
# serial tier uses them, and it waits for them (wait_for_images).
images_log=$(mktemp)
bash scripts/docker-setup.sh images >"$images_log" 2>&1 &
images_pid=$!
wait_for_images() {
  [ -n "$images_pid" ] || return 0
  echo "=== waiting for the docker images (scripts/docker-setup.sh images)"
  wait "$images_pid" || echo "docker image setup failed: the docker sandbox tests will fail and say why"
  cat "$images_log"
  images_pid=""
}

# One dataset cache for all tiers: datasets are generated and the sample judge trained once.
GRADER_TEST_DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/grader-test-data.XXXXXX")
export GRADER_TEST_DATA_DIR
trap 'wait_for_images >/dev/null; rm -rf "$GRADER_TEST_DATA_DIR" "$images_log"' EXIT

summary=()
ran_any=0

# tier NAME PYTEST-ARGS...: run one tier; pytest's exit 5 (nothing selected, e.g. `-k` matched
# nothing here) is no failure, any other non-zero status stops the script with that status.
tier() {
  local name=$1 log status closing
  shift
  case " ${GRADER_TEST_TIERS:-fast slow serial} " in *" $name "*) ;; *) return 0 ;; esac
  log=$(mktemp)
  echo "=== tier $name: pytest $(printf "%q " "$@")"
  local started=$SECONDS
  set +e
  .venv/bin/python -m pytest "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  closing=$(grep -E " in [0-9.]+s( \([0-9:]+\))?$" "$log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//')
  rm -f "$log"
  summary+=("$(printf '%-7s %-5s %4ss  %s' "$name" "rc=$status" "$((SECONDS - started))" "${closing:-no closing line}")")
  if [ "$status" -eq 5 ]; then
    echo "=== tier $name: no tests selected"
    return 0
  fi
  ran_any=1
  if [ "$status" -ne 0 ]; then
    report
    exit "$status"
  fi
}

report() {
  echo "=== tiers"
  printf '%s\n' "${summary[@]}"
}

# check NAME COMMAND...: a static check (configured in pyproject.toml); its findings and one line
# saying which check failed stop the script with status 1.
check() {
  local name=$1 output status started=$SECONDS
  shift
  set +e
  output=$("$@" 2>&1)
  status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    printf '%s\n' "$output"
    echo "=== static check failed: $name ($*) exited $status; fix the findings above before the tests run"
    summary+=("$(printf '%-7s %-5s %4ss  %s' "$name" "rc=$status" "$((SECONDS - started))" "$(tail -n 1 <<<"$output")")")
    report
    exit 1
  fi
  echo "=== static check passed: $name ($*)"
  summary+=("$(printf '%-7s %-5s %4ss  %s' "$name" "rc=0" "$((SECONDS - started))" "clean")")
}

check ruff .venv/bin/ruff check --quiet .
check mypy .venv/bin/mypy grader
check build .venv/bin/grader build --all --check --course .
check catalogs .venv/bin/python scripts/catalogs.py check

tier fast -q -m "not slow" --durations=10 "$@"
tier slow -q -m "slow and not (docker or serial)" -n 2 --dist loadfile --no-loadscope-reorder --durations=30 "$@"
case " ${GRADER_TEST_TIERS:-fast slow serial} " in *" serial "*) wait_for_images ;; esac
tier serial -q -m "slow and (docker or serial)" --durations=15 "$@"
report
if [ "$ran_any" -eq 0 ]; then
  echo "no tier selected any test"
  exit 5
fi
