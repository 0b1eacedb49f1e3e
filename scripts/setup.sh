#!/usr/bin/env bash
# Create .venv and install grader with what the tests and the bundled labs need. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# constraints.txt pins what the labs were validated with: PyPI's torch and torchvision (torchvision's
# wheels need PyPI's own torch build; it runs on machines without a GPU too) and TensorFlow/Keras 3;
# and the ruff, mypy and stubs that grader/ is clean under (a new release may add findings).
EXTRAS='.[torch,tf,ray,docker,dev]'

# uv installs the same pinned set several times faster than pip: it unpacks and byte-compiles in
# parallel (30-70 s instead of pip's 95-125 s here, docs/testing.md). It does not read pip's
# configuration, so pip-index-options.py hands it pip's indexes, links and caps. --compile-bytecode
# matters: sandboxes run with PYTHONDONTWRITEBYTECODE, so a framework installed without .pyc files
# would be compiled again in every notebook. Returns non-zero where uv cannot be had or fails.
install_with_uv() {
  local listed options=()
  .venv/bin/python -m pip install -q -c constraints.txt uv 2>/dev/null || return 1
  listed=$(.venv/bin/python scripts/pip-index-options.py) || return 1
  mapfile -t options <<<"$listed"
  .venv/bin/uv pip install -q --python .venv/bin/python --compile-bytecode --index-strategy unsafe-best-match \
    "${options[@]}" -c constraints.txt -e "$EXTRAS"
}

if ! install_with_uv; then
  echo "setup.sh: installing with pip instead of uv"
  .venv/bin/python -m pip install -q -c constraints.txt -e "$EXTRAS" 2>&1 | grep -v "^WARNING: Location" || true
fi
# Versions from the installed metadata: importing the frameworks here would cost 10 s of every CI
# run (`grader env` imports them and says what runs).
.venv/bin/python -c "import grader; from importlib.metadata import version as v; print('grader', grader.__version__, '| torch', v('torch'), '| torchvision', v('torchvision'), '| keras', v('keras'), '| tensorflow', v('tensorflow'))"
