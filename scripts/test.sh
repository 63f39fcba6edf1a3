#!/usr/bin/env bash
# Set up, then run gradekit's own tests (including grading the reference, the release and the
# mutants end to end): first on three workers (pytest-xdist, one test module per worker at a time, the
# longest first: tests/conftest.py LONGEST_FIRST; three on two cores, so that a worker waiting on a
# kernel's start, a sandbox, a Dask cluster or a time limit leaves no core idle),
# then the tests marked `serial` alone. Notebook executions are kept between runs in the user's
# cache (tests/conftest.py execution_store); GRADEKIT_TEST_EXECUTIONS=fresh executes every one again.
# Other arguments go to pytest; `-m EXPR` (a tier) selects in both parts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
selected="" args=()
while [ $# -gt 0 ]; do
    case "$1" in
        -m) selected="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
status=0
run() {  # pytest's exit 5 (nothing selected, e.g. -k matching no serial test) is no failure
    .venv/bin/python -m pytest tests "$@" || { code=$?; [ "$code" = 5 ] || status=$code; }
}
run -n 3 --dist loadscope --no-loadscope-reorder -m "${selected:+($selected) and }not serial" "${args[@]}"
run -m "${selected:+($selected) and }serial" "${args[@]}"
exit "$status"
