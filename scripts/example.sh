#!/usr/bin/env bash
# Set up, then grade the bundled sample submissions of nn-basics and mnist-mlp with the local
# sandbox: grade.json, feedback.html and the executed notebook per submission in grading-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for lab in nn-basics mnist-mlp; do
  echo
  echo "== grading examples/$lab =="
  status=0
  .venv/bin/grader grade "$lab" "examples/$lab" --out "grading-output/$lab" || status=$?
  echo "exit code $status (0 all passed, 1 some below the pass mark, 3 some ungradable: docs/exit-codes.md)"
done
echo
echo "feedback pages: grading-output/*/*/feedback.html"
