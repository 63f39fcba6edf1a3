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


SERIAL = "serial: needs the machine to itself (it inspects every process, or times grading under a known load); " \
         "scripts/test.sh runs these after the others, one at a time"


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):  # one of scripts/test.sh's two workers: one BLAS thread each
        from gradekit.sandbox import THREAD_VARIABLES  # passed on to every kernel and checks' worker

        for name in THREAD_VARIABLES:
            os.environ.setdefault(name, "1")  # two OpenBLAS pools of two threads on two cores: 5x slower
    for name, meaning in TIERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
    config.addinivalue_line("markers", SERIAL)
    for marker in AUTOGRADER_MARKERS:  # some tests import the course's check modules, which use them
        config.addinivalue_line("markers", marker)


def pytest_collection_modifyitems(items):
    """Every test belongs to exactly one tier (`pytestmark = pytest.mark.<tier>` in its module),
    so that `-m unit`, `-m integration` and `-m e2e` together run the whole suite."""
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
