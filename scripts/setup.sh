#!/usr/bin/env bash
# Create .venv and install grader with what the tests and the bundled labs need. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# constraints.txt pins what the labs were validated with (torch CPU build where one is offered).
.venv/bin/python -m pip install -q -c constraints.txt -e '.[torch,dev]' 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import grader, torch, nbclient; print('grader', grader.__version__, '| torch', torch.__version__)"
