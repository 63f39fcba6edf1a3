#!/usr/bin/env bash
# Set up, then run gradekit's own tests (including grading the reference, the release and the
# mutants end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest tests "$@"
