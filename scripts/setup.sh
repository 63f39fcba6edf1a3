#!/usr/bin/env bash
# Set up a fresh machine: a virtual environment with gradekit and its pinned dependencies, and
# CIFAR-10 in data/ (from ../shared/data when it is there, else the official download).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
.venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
if [ ! -d data/cifar-10-batches-py ]; then
    if [ -f ../shared/data/cifar-10-python.tar.gz ]; then
        .venv/bin/gradekit data cifar10 --from ../shared/data/cifar-10-python.tar.gz --dest data
    else
        .venv/bin/gradekit data cifar10 --dest data
    fi
fi
