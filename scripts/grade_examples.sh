#!/usr/bin/env bash
# The main job, end to end: set up, write three example submissions (the reference solution, the
# untouched release and a partly wrong one), grade them and print the score table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gradekit examples assignment1 examples/assignment1
.venv/bin/gradekit grade assignment1 examples/assignment1/reference examples/assignment1/untouched_release \
    examples/assignment1/partly_wrong --out out/assignment1 --data-dir data --reuse-executions "$@"
