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
.venv/bin/python -m pip install -q -c constraints.txt -e '.[torch,tf,ray,docker,dev]' 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import grader, torch, torchvision, nbclient; print('grader', grader.__version__, '| torch', torch.__version__, '| torchvision', torchvision.__version__)"
.venv/bin/python -c "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'; import keras, tensorflow; print('keras', keras.__version__, '| tensorflow', tensorflow.__version__)" 2>/dev/null
