"""Gradescope autograder bundle: `gradekit gradescope-bundle ASSIGNMENT OUT.zip` writes the zip to upload.

The zip holds `setup.sh` (run once by Gradescope, as root with internet, when it builds the
image: bubblewrap, a venv with gradekit's pinned dependencies and torch CPU, gradekit installed
from the bundled source, the assignment's datasets), `run_autograder` (run per submission: grades
`/autograder/submission` and writes `/autograder/results/results.json`, a score of 0 and the reason
when grading cannot happen), and the course files grading needs: the `gradekit` package,
`pyproject.toml`, `autograder/<assignment>/` and `solutions/<assignment>/`, nothing else.
"""
import os
import shlex
import tomllib
import zipfile

from gradekit import course

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root with internet, when it builds the autograder image (Ubuntu):
# bubblewrap (the sandbox of student code), a venv with gradekit's pinned dependencies (torch CPU),
# gradekit installed from the bundled source, and the datasets @ASSIGNMENT@ needs.
# GRADEKIT_AUTOGRADER_ROOT (default /autograder), GRADEKIT_VENV (default $ROOT/venv) and
# GRADEKIT_DATA_DIR (default $ROOT/data) move them, as in run_autograder.
set -euo pipefail
ROOT=${GRADEKIT_AUTOGRADER_ROOT:-/autograder}
SOURCE=$ROOT/source
VENV=${GRADEKIT_VENV:-$ROOT/venv}
DATA=${GRADEKIT_DATA_DIR:-$ROOT/data}
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq bubblewrap util-linux python3-venv >/dev/null
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then  # Ubuntu 22.04 has 3.10
    apt-get install -y -qq python3.11 python3.11-venv >/dev/null
    PYTHON=python3.11
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet @TORCH@ --index-url @TORCH_INDEX@
"$VENV/bin/python" -m pip install --quiet -e "$SOURCE"   # the other pins of pyproject.toml
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
for name in @DATA@; do
    "$VENV/bin/python" -m gradekit data "$name" --dest "$DATA"
done
chmod -R a+rX "$DATA"
# The notebooks' copy of the data (CIFAR-10 without its held-out test images), made once here so
# that every submission's container has it (gradekit/data/student_data.py).
"$VENV/bin/python" -c 'import sys; from gradekit import course
from gradekit.data import student_data
student_data.folders(sys.argv[2], course.load(sys.argv[1]).data)' @ASSIGNMENT@ "$DATA"
"""

RUN = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, as root in /autograder: it grades $ROOT/submission
# with `gradekit grade @ASSIGNMENT@` and writes $ROOT/results/results.json with `gradekit export
# gradescope`. Whatever goes wrong, a results.json is written: score 0 and the reason in `output`.
#
# Environment (all optional; Gradescope sets none of them):
#   GRADEKIT_AUTOGRADER_ROOT  the folder standing for /autograder (default /autograder)
#   GRADEKIT_PYTHON           the Python with gradekit's dependencies (default $ROOT/venv/bin/python, from setup.sh)
#   GRADEKIT_DATA_DIR         the datasets (default $ROOT/data, from setup.sh)
#   GRADEKIT_GRADE_OPTIONS    options added to `gradekit grade`, split on spaces (default: the bundle's,
#                             gradescope-bundle --grade-options), e.g. "--cell-timeout 300 --memory-limit 3000"
#   GRADEKIT_EXPORT_OPTIONS   options added to `gradekit export gradescope` (default: the bundle's,
#                             gradescope-bundle --export-options), e.g. "--hidden-visibility visible"
# gradekit itself is imported from the bundled source ($ROOT/source).
#
# Sandbox: student code is graded in bubblewrap. Where bubblewrap cannot sandbox (a container
# without the rights to make namespaces), every submission gets 0 and the reason, unless this
# bundle was made with `gradekit gradescope-bundle --allow-no-sandbox` (ALLOW_NO_SANDBOX=1 below):
# then it is graded without one, and a submission can read and change what root can, its grade too.
set -uo pipefail
ASSIGNMENT=@ASSIGNMENT@
ALLOW_NO_SANDBOX=@ALLOW_NO_SANDBOX@
ROOT=${GRADEKIT_AUTOGRADER_ROOT:-/autograder}
PYTHON=${GRADEKIT_PYTHON:-$ROOT/venv/bin/python}
DATA=${GRADEKIT_DATA_DIR:-$ROOT/data}
GRADE_OPTIONS=${GRADEKIT_GRADE_OPTIONS-@GRADE_OPTIONS@}
EXPORT_OPTIONS=${GRADEKIT_EXPORT_OPTIONS-@EXPORT_OPTIONS@}
RESULTS=$ROOT/results/results.json
export PYTHONPATH=$ROOT/source
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$ROOT/results"

fail() {  # REASON: results.json with score 0 and the reason, then stop
    echo "run_autograder: $1" >&2
    "$PYTHON" -c 'import sys; from gradekit.export import gradescope as g; g.write(sys.argv[2], g.not_graded(sys.argv[1]))' \
        "$1" "$RESULTS" \
        || printf '{"score": 0, "output": "The autograder could not run (its Python failed); see its stdout."}\n' > "$RESULTS"
    exit 0
}

"$PYTHON" -c 'import gradekit' || fail "$PYTHON cannot import gradekit from $ROOT/source (was setup.sh run?)"
why=$("$PYTHON" -c 'from gradekit import sandbox; print(sandbox.unavailable() or "")') \
    || fail "$PYTHON could not check the sandbox"
SANDBOX_OPTION=
if [ -n "$why" ]; then
    [ "$ALLOW_NO_SANDBOX" = 1 ] \
        || fail "Not graded: student code cannot be sandboxed in this container ($why). The instructor can allow grading without a sandbox (gradekit gradescope-bundle --allow-no-sandbox)."
    echo "run_autograder: grading WITHOUT a sandbox ($why; the bundle allows it)" >&2
    SANDBOX_OPTION=--no-sandbox
fi
# shellcheck disable=SC2086  # the options are split on spaces on purpose
"$PYTHON" -m gradekit grade "$ASSIGNMENT" "$ROOT/submission" --out "$WORK/out" --data-dir "$DATA" --quiet \
    $SANDBOX_OPTION $GRADE_OPTIONS 2>&1 | tee "$WORK/grade.log"
[ -f "$WORK/out/submission/result.json" ] \
    || fail "Not graded: gradekit grade stopped before writing a result: $(tail -n 5 "$WORK/grade.log")"
# shellcheck disable=SC2086
"$PYTHON" -m gradekit export gradescope "$WORK/out" --student submission --dest "$RESULTS" $EXPORT_OPTIONS \
    || fail "Graded, but the results could not be written for Gradescope (see the autograder's stdout)"
"""


def add_arguments(parser):
    parser.add_argument("assignment")
    parser.add_argument("out", help="the zip to write (upload it on Gradescope's Configure Autograder page)")
    parser.add_argument("--grade-options", default="", help="options run_autograder adds to `gradekit grade` "
                        "(e.g. \"--cell-timeout 300 --memory-limit 3000\")")
    parser.add_argument("--export-options", default="", help="options run_autograder adds to `gradekit export "
                        "gradescope` (e.g. \"--hidden-visibility visible --feedback hidden=none\")")
    parser.add_argument("--allow-no-sandbox", action="store_true",
                        help="grade without a sandbox where bubblewrap cannot run in Gradescope's container "
                             "(a submission can then forge its grade); by default such gradings score 0 and say why")


def run(args):
    assignment = course.load(args.assignment)
    path = write(assignment, args.out, args.grade_options, args.export_options, args.allow_no_sandbox)
    print(f"Gradescope autograder for {assignment.name}: {path}")
    return 0


def write(assignment, out, grade_options="", export_options="", allow_no_sandbox=False):
    """Write the bundle zip of `assignment` to `out` (byte for byte the same for the same inputs)."""
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    scripts = scripts_of(assignment, grade_options, export_options, allow_no_sandbox)
    with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in scripts.items():
            add(bundle, name, text.encode(), 0o755)
        for name, path in course_files(assignment):
            with open(path, "rb") as f:
                add(bundle, name, f.read(), 0o644)
    os.replace(out + ".tmp", out)
    return out


def scripts_of(assignment, grade_options, export_options, allow_no_sandbox):
    """{"setup.sh": text, "run_autograder": text} for `assignment`."""
    values = {"@ASSIGNMENT@": assignment.name, "@DATA@": " ".join(assignment.data),
              "@TORCH@": pinned(assignment.repo, "torch"), "@TORCH_INDEX@": TORCH_CPU_INDEX,
              "@ALLOW_NO_SANDBOX@": "1" if allow_no_sandbox else "0",
              "@GRADE_OPTIONS@": shlex.quote(grade_options), "@EXPORT_OPTIONS@": shlex.quote(export_options)}
    scripts = {"setup.sh": SETUP, "run_autograder": RUN}
    for key, value in values.items():
        scripts = {name: text.replace(key, value) for name, text in scripts.items()}
    return scripts


def pinned(repo, package):
    """`package==version` as pyproject.toml's dependencies pin it."""
    with open(os.path.join(repo, "pyproject.toml"), "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    pins = [d for d in dependencies if d.split("==")[0].strip() == package]
    if not pins:
        raise ValueError(f"{repo}/pyproject.toml pins no {package}")
    return pins[0]


def course_files(assignment):
    """(name in the zip, path) of every course file grading needs, sorted: the gradekit package,
    pyproject.toml, autograder/<assignment>/ and solutions/<assignment>/, without compiled files
    or hidden ones (.ipynb_checkpoints, .pytest_cache)."""
    repo = assignment.repo
    files = [("pyproject.toml", os.path.join(repo, "pyproject.toml"))]
    for top in ("gradekit", os.path.join("autograder", assignment.name), os.path.join("solutions", assignment.name)):
        for folder, dirs, names in os.walk(os.path.join(repo, top)):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                if not name.endswith(".pyc") and not name.startswith("."):
                    path = os.path.join(folder, name)
                    files.append((os.path.relpath(path, repo).replace(os.sep, "/"), path))
    return sorted(files)


def add(bundle, name, data, mode):
    """One file in the zip with Unix permissions `mode` and a fixed date (reproducible zips)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, data)

