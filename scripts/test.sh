#!/usr/bin/env bash
# Set up everything the tests need, then run the whole suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system-deps.sh
exec .venv/bin/python -m pytest -q --durations=25 "$@"
