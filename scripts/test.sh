#!/usr/bin/env bash
# Set up everything the tests need, then run the whole suite in tiers. CI runs exactly this.
#
#   static  ruff, mypy, grader build --check,      beside the fast tier, on the core it leaves idle
#           scripts/catalogs.py check              (with the dataset cache's warm-up); a finding
#                                                  stops the script before the slow tier
#   fast    -m "not slow"                          one process; a failure stops here
#   slow    -m "slow and not (docker or serial)"   two pytest-xdist workers, a test file to one
#                                                  worker: the lab validations (first) one after
#                                                  another on one, the other files on the other
#   docker  -m "slow and docker and not serial"    one process beside the slow tier, once the docker
#                                                  images (built in the background from the start)
#                                                  are there: these tests mostly wait on the engine
#   serial  -m "slow and serial"                   one process, nothing else running beside it (load
#                                                  tests, a fork bomb counted on the host)
#
# Every test is in exactly one tier. Arguments go to every tier (`bash scripts/test.sh -k csv`);
# GRADER_TEST_TIERS="fast" (or "slow docker", ...) runs only those tiers. See docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TIERS=" ${GRADER_TEST_TIERS:-fast slow docker serial} "
wanted() { case "$TIERS" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# apt (bubblewrap, chromium, Docker's engine) beside pip: neither needs the other, and both mostly
# wait on downloads and disks.
system_log=$(mktemp)
bash scripts/system-deps.sh --images-later >"$system_log" 2>&1 &
system_pid=$!
bash scripts/setup.sh
wait "$system_pid" || echo "system-deps.sh exited $?: the tests that need what it installs will fail or skip and say why"
cat "$system_log"
rm -f "$system_log"

# One dataset cache for all tiers: datasets are generated and the sample judge trained once.
GRADER_TEST_DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/grader-test-data.XXXXXX")
export GRADER_TEST_DATA_DIR
work=$(mktemp -d "${TMPDIR:-/tmp}/grader-test-run.XXXXXX")   # logs and summary lines of this run
: >"$work/summary"
trap 'wait; rm -rf "$GRADER_TEST_DATA_DIR" "$work"' EXIT

report() {
  echo "=== tiers"
  cat "$work/summary"
}

# summarise NAME STATUS STARTED TEXT: one line of the closing summary.
summarise() {
  printf '%-8s %-5s %4ss  %s\n' "$1" "rc=$2" "$((SECONDS - $3))" "$4" >>"$work/summary"
}

# tier NAME PYTEST-ARGS...: run one tier; its summary line goes to $work/summary. Returns pytest's
# status, 0 for its exit 5 (nothing selected, e.g. `-k` matched nothing here).
tier() {
  local name=$1 log status closing started=$SECONDS
  shift
  log="$work/$name.pytest"
  echo "=== tier $name: pytest $(printf "%q " "$@")"
  set +e
  .venv/bin/python -m pytest "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  closing=$(grep -E " in [0-9.]+s( \([0-9:]+\))?$" "$log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//')
  summarise "$name" "$status" "$started" "${closing:-no closing line}"
  if [ "$status" -eq 5 ]; then
    echo "=== tier $name: no tests selected"
    return 0
  fi
  touch "$work/ran-$name"
  return "$status"
}

# in_background NAME COMMAND...: a job beside the tiers; its output waits in $work/NAME.log until
# `collect NAME` prints it, its status in $work/NAME.status.
declare -A job_pids=()
in_background() {
  local name=$1
  shift
  ( if "$@" >"$work/$name.log" 2>&1; then echo 0; else echo $?; fi >"$work/$name.status" ) &
  job_pids[$name]=$!
}

# collect NAME...: wait for those background jobs (those started), print their output once, and
# return the first non-zero status among them.
collect() {
  local name status=0
  for name in "$@"; do
    [ -n "${job_pids[$name]:-}" ] || continue
    wait "${job_pids[$name]}" || true
    unset "job_pids[$name]"
    cat "$work/$name.log"
    [ "$status" -ne 0 ] || status=$(cat "$work/$name.status")
  done
  return "$status"
}

# foreground NAME PYTEST-ARGS...: a tier in this shell, if GRADER_TEST_TIERS names it; a failure
# stops the script with pytest's status, once the background jobs have ended.
foreground() {
  wanted "$1" || return 0
  local status=0
  tier "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    touch "$work/stopping" "$work/fast-done"
    collect static docker || true
    report
    exit "$status"
  fi
}

# check NAME COMMAND...: a static check (configured in pyproject.toml): its findings and one line
# saying which check failed, or one line saying it passed.
check() {
  local name=$1 output status started=$SECONDS
  shift
  output=$("$@" 2>&1)
  status=$?
  if [ "$status" -ne 0 ]; then
    printf '%s\n' "$output"
    echo "=== static check failed: $name ($*) exited $status; fix the findings above"
    summarise "$name" "$status" "$started" "$(tail -n 1 <<<"$output")"
    return 1
  fi
  echo "=== static check passed: $name ($*)"
  summarise "$name" 0 "$started" clean
}

# The static checks, then the dataset cache's warm-up (every stand-in generated and the sample judge
# trained, which the slow tier would otherwise do on its busy cores).
static_checks() {
  local failed=0
  check ruff .venv/bin/ruff check --quiet . || failed=1
  check mypy .venv/bin/mypy grader || failed=1
  check build .venv/bin/grader build --all --check --course . || failed=1
  check catalogs .venv/bin/python scripts/catalogs.py check || failed=1
  .venv/bin/python scripts/warm-dataset-cache.py "$GRADER_TEST_DATA_DIR" \
    || echo "(warming the dataset cache failed: the tests generate what they need)"
  return "$failed"
}

# The docker sandbox's images (debootstrap, a wheelhouse, `docker build`: minutes on a fresh
# machine), then the docker tier: all beside the other tiers, from the start.
docker_tier() {
  local started=$SECONDS
  bash scripts/docker-setup.sh images || echo "docker image setup failed: the docker sandbox tests will fail and say why"
  echo "=== docker images ready in $((SECONDS - started)) s"
  wanted docker || return 0
  # not beside the fast tier: the static checks and the cache's warm-up have its idle core
  while [ ! -e "$work/fast-done" ]; do sleep 1; done
  [ ! -e "$work/stopping" ] || return 0   # the fast tier or a static check failed: no tier follows
  tier docker -q -m "slow and docker and not serial" -p no:cacheprovider --basetemp "$work/docker-tmp" \
    --durations=15 "$@"
}

if wanted docker || wanted serial; then in_background docker docker_tier "$@"; fi
in_background static static_checks
foreground fast -q -m "not slow" --durations=10 "$@"
if ! collect static; then
  touch "$work/stopping" "$work/fast-done"
  echo "=== a static check failed (above): no further tier runs"
  collect docker || true
  report
  exit 1
fi
touch "$work/fast-done"
foreground slow -q -m "slow and not (docker or serial)" -n 2 --dist loadfile --no-loadscope-reorder --durations=30 "$@"
[ -z "${job_pids[docker]:-}" ] || echo "=== waiting for the docker tier (beside the slow tier)"
docker_status=0
collect docker || docker_status=$?
if [ "$docker_status" -ne 0 ]; then
  echo "=== the docker tier failed (above)"
  report
  exit "$docker_status"
fi
foreground serial -q -m "slow and serial" --durations=15 "$@"
report
if ! compgen -G "$work/ran-*" >/dev/null; then
  echo "no tier selected any test"
  exit 5
fi
