#!/usr/bin/env bash
# Set up, then run gradekit's own tests (including grading the reference, the release and the
# mutants end to end) on two workers (pytest-xdist, one test module per worker at a time, the
# longest first: tests/conftest.py LONGEST_FIRST). Notebook executions are kept between runs in
# the user's cache (tests/conftest.py execution_store); GRADEKIT_TEST_EXECUTIONS=fresh executes
# every one again. Arguments go to pytest (e.g. `-m unit` for one tier).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest tests -n 2 --dist loadscope --no-loadscope-reorder "$@"
