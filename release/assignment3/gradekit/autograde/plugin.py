"""The pytest plugin behind every autograder: points, fixtures and the results file.

A test file declares its notebook (`pytestmark = pytest.mark.notebook("svm")`), each test its
points (`@pytest.mark.points(3)`), and asks for what it needs:
- `student`: the student's code, reached through a worker process (`student.call`, `student.new`;
  `student.call(..., keep=True)` for an object such as a torch module, used through
  `gradekit.autograde.torch_ops`);
- `reference`: the reference solution, in this process (hidden checks only; same API);
- `expected`: the stored expected values of this notebook (`expected["toy_scores"]`);
- `artifacts`: what the executed notebook saved (`artifacts.load("svm")`), read as plain arrays;
- `rng`: a numpy Generator seeded per grading run (hidden checks draw their inputs from it);
- `measured`: `measured(what, value, target)` records a value the grader measured (an accuracy)
  and its target into the test's outcome (`"measured"`), for feedback to show.
With `--results-json PATH` every test's outcome is written there for scoring; with
`--junitxml PATH`, each test case carries its `notebook` and `points` as properties.

The grader gives its settings for the run in one JSON file, `--run-spec FILE` (`RUN_SPEC`: the
submission, its artefacts, the reference solution, the sandbox, ...), read once when pytest starts
into `config.stash` (`setting(config, key)` gives them). Its `outcomes_jsonl` is where each outcome
is appended as soon as its test finishes (what `gradekit.pipeline.check` reads, so that a run
stopped at its time budget keeps what it graded); its `reference`, always there, makes the run the
grader's, which keeps pytest's own output. Without it, a student runs the public checks: each
failure is one short block (the check's name as a sentence, its points, the message; `--tb=...`
brings pytest's tracebacks back), and the summary explains the public points, the hidden ones and
the checks that did not run. A student may give `--data-dir`, `--call-timeout` and
`--grading-seed`; a setting given by both an option and the run spec is a usage error. A
release's pytest.ini names each notebook's points in all (`gradekit_points`) and where `python -m
gradekit data` puts the datasets the checks read (`gradekit_data_dir`, `gradekit_datasets`), the
default of `--data-dir`.
"""
import json
import linecache
import os
import re
import secrets
import sys
import traceback
import zlib

import numpy as np
import pytest

from gradekit.data import datasets
from gradekit.autograde import wire
from gradekit.autograde.student import StudentError, StudentProcess
from gradekit.disclosure import title
from gradekit.sandbox import Spec


RUN_SPEC = {
    "submission": "the assignment folder to check (default: the folder holding pytest.ini)",
    "artifacts_dir": "where the executed notebooks saved their artefacts (default: SUBMISSION/artifacts)",
    "execution_json": "the execute stage's report, to explain missing artefacts",
    "reference": "the reference solution folder (hidden checks; given, the run is the grader's)",
    "outcomes_jsonl": "append each test's outcome here as it finishes (JSON lines, after one line of the "
                      "collected tests and the seed): what a run stopped midway has graded",
    "call_timeout": "seconds one student call may take (default 120)",
    "data_dir": "the folder holding the datasets",
    "grading_seed": "seed of the inputs the checks draw (default: a random one)",
    "sandbox": "a gradekit.sandbox.Spec as an object: the worker runs in that sandbox",
    "student_data": "{dataset: folder}: where the student's code reads each dataset (the copies the "
                    "sandbox mounts, without the held-out labels; default: the folders in data_dir)",
}
"""The keys of a run spec, the grader's settings for one run of the checks, and what each means."""
OPTIONS = ("data_dir", "call_timeout", "grading_seed")
"""The settings a student may give as options instead (`--data-dir`, ...)."""
DEFAULTS = {**dict.fromkeys(RUN_SPEC), "call_timeout": 120.0}
"""Each setting's value when neither the run spec nor an option gives it."""
SETTINGS = pytest.StashKey[dict]()
"""config.stash's key of the run's settings, which `pytest_configure` reads once."""


def pytest_addoption(parser):
    group = parser.getgroup("gradekit")
    group.addoption("--run-spec", default=None, metavar="FILE",
                    help=f"a JSON file of the grader's settings for the run, set by gradekit grade (keys: "
                         f"{', '.join(RUN_SPEC)}; see gradekit.autograde.plugin.RUN_SPEC). A setting it gives "
                         f"may not also be given as an option (--data-dir, --call-timeout, --grading-seed): "
                         f"that is a usage error")
    group.addoption("--data-dir", default=None,
                    help="the folder holding the datasets (default: the ini's gradekit_data_dir, where the "
                         "release's README has `python -m gradekit data` put them)")
    group.addoption("--call-timeout", type=float, default=None, help="seconds one student call may take (default 120)")
    group.addoption("--grading-seed", type=int, default=None,
                    help="seed of the inputs the checks draw (default: a random one, which the results give)")
    group.addoption("--results-json", default=None, help="write per-test outcomes here")
    group.addoption("--manifest-json", default=None, help="with --collect-only: write the tests and points here")
    parser.addini("gradekit_points", type="args", default=[],
                  help="NOTEBOOK=POINTS for each notebook: its points with the hidden checks (for the summary)")
    parser.addini("gradekit_data_dir", default="",
                  help="where `python -m gradekit data` puts the datasets, from the ini file's folder")
    parser.addini("gradekit_datasets", type="args", default=[],
                  help="NOTEBOOK=NAME,NAME... for each notebook: the datasets its checks read")


MARKERS = ("points(n): what the test is worth", "notebook(name): the notebook a test file grades")


def pytest_configure(config):
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    config.stash[SETTINGS] = settings_of(config)
    config._gradekit = Recorder(config)
    config.pluginmanager.register(config._gradekit, "gradekit-recorder")


def settings_of(config):
    """The run's settings (RUN_SPEC's keys): the run spec's, else the options', else the defaults;
    a seed drawn at random when none is given, the sandbox as a `Spec`. A setting given by both the
    run spec and an option is a usage error."""
    path = config.getoption("run_spec")
    spec = {key: value for key, value in (read_run_spec(path) if path else {}).items() if value is not None}
    given = {key: config.getoption(key) for key in OPTIONS if config.getoption(key) is not None}
    both = sorted(spec.keys() & given.keys())
    if both:
        raise pytest.UsageError(f"--run-spec {path} gives {both[0]}: do not also give --{both[0].replace('_', '-')}")
    settings = {**DEFAULTS, **given, **spec}
    if settings["grading_seed"] is None:
        settings["grading_seed"] = secrets.randbelow(2**31)
    if settings["sandbox"] is not None:
        settings["sandbox"] = Spec.from_dict(settings["sandbox"])
    return settings


def read_run_spec(path):
    """The JSON object in the file `path`; a file that cannot be read as one, or a key that is not
    in RUN_SPEC, is a one-line usage error naming the file (and the key)."""
    try:
        with open(path) as f:
            spec = json.load(f)
    except OSError as exc:
        raise pytest.UsageError(f"--run-spec {path} cannot be read: {exc.strerror}") from None
    except ValueError as exc:
        raise pytest.UsageError(f"--run-spec {path} is not JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise pytest.UsageError(f"--run-spec {path} is not a JSON object")
    unknown = sorted(spec.keys() - RUN_SPEC.keys())
    if unknown:
        raise pytest.UsageError(f"--run-spec {path}: unknown key{'s' if len(unknown) > 1 else ''} "
                                f"{', '.join(map(repr, unknown))} (a run spec has {', '.join(RUN_SPEC)})")
    return spec


def setting(config, key):
    """The run's value of `key` (one of RUN_SPEC), as `pytest_configure` settled it."""
    return config.stash[SETTINGS][key]


def submission_root(config):
    return os.path.abspath(setting(config, "submission") or str(config.rootpath))


def grading(config):
    """Whether the grader runs the checks (its run spec always names the reference solution)."""
    return bool(setting(config, "reference"))


def short_failures(config):
    """Whether each failure is shown as one short block: a student's run without `--tb=...`."""
    return not grading(config) and config.getoption("tbstyle") == "auto"


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def student(request):
    config = request.config
    process = StudentProcess(submission_root(config), timeout=setting(config, "call_timeout"),
                             sandbox=setting(config, "sandbox"))
    yield process
    process.close()


@pytest.fixture(scope="session")
def reference(request):
    path = setting(request.config, "reference")
    if not path:
        pytest.skip("hidden check: needs the reference solution (the grader's run spec names it)")
    return Reference(path)


@pytest.fixture(scope="session")
def grading_seed(request):
    return setting(request.config, "grading_seed")


@pytest.fixture
def rng(request, grading_seed):
    """Inputs for this test: the run's seed mixed with the test's name, so tests are independent."""
    return np.random.default_rng([grading_seed, zlib.crc32(request.node.nodeid.encode())])


@pytest.fixture
def expected(request):
    name = notebook_of(request.node)
    path = os.path.join(os.path.dirname(str(request.node.path)), "expected", f"{name}.npz")
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


@pytest.fixture(scope="session")
def artifacts(request):
    config = request.config
    folder = setting(config, "artifacts_dir") or os.path.join(submission_root(config), "artifacts")
    return Artifacts(folder, setting(config, "execution_json"))


@pytest.fixture
def measured(request):
    """`measured(what, value, target)`: record what the grader measured against its target in this
    test's outcome (a list under `"measured"`); call it right before the assert that compares them."""
    values = request.config._gradekit.measured.setdefault(request.node.nodeid, [])

    def record(what, value, target):
        values.append({"what": str(what), "value": float(value), "target": float(target)})
    return record


@pytest.fixture(scope="session")
def data_dir(request):
    """The datasets' folder: the run's `data_dir`, or in a student's run the ini's `gradekit_data_dir`
    (`pytest_runtest_setup` has skipped a check whose datasets are not all there)."""
    path = data_folder(request.config)
    if not path:
        pytest.skip("needs the data folder (--data-dir)")
    return path


@pytest.fixture(scope="session")
def student_datasets(request, data_dir):
    """{dataset: the folder the student's code reads it from}, for paths a check passes to the
    student: when graded, the copies the grader mounts in the sandbox (the run spec's `student_data`:
    without the held-out labels, `gradekit.data.student_data`), else the folders in `data_dir`."""
    given = setting(request.config, "student_data")
    if given:
        return given
    return {name: os.path.join(data_dir, folder) for name, folder in datasets.FOLDERS.items()}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """In a student's run, skip a check that reads the data while a dataset its notebook reads is
    missing, naming the command that gets it (before any fixture tries to read it)."""
    config = item.config
    path = data_folder(config)
    if grading(config) or not path or "data_dir" not in item.fixturenames:
        return
    needed = notebook_datasets(config)
    names = needed.get(notebook_of(item), sorted(set().union(*needed.values())))
    missing = datasets.missing(path, names)
    if missing or not os.path.isdir(path):
        pytest.skip(data_missing(path, missing))


# -- helpers behind the fixtures ----------------------------------------------------------------
def data_folder(config):
    """The run's `data_dir`; without it, in a student's run, the ini's `gradekit_data_dir` from the
    ini file's folder; else None."""
    path, folder = setting(config, "data_dir"), config.getini("gradekit_data_dir")
    if path or grading(config) or not folder:
        return path
    return os.path.join(str(config.inipath.parent if config.inipath else config.rootpath), folder)


def notebook_datasets(config):
    """{notebook: [the datasets its checks read]} from the ini's `gradekit_datasets`."""
    entries = (entry.partition("=") for entry in config.getini("gradekit_datasets"))
    return {notebook: [name for name in names.split(",") if name] for notebook, _, names in entries}


def data_missing(path, names):
    """Why a check needing the datasets `names` in `path` cannot run: the commands that fetch them."""
    shown = os.path.relpath(path)
    shown = os.path.abspath(path) if shown.startswith("..") else shown
    if not names:
        return f"the data folder {shown} does not exist: run `python -m gradekit data NAME --dest {shown}`"
    folders = ", ".join(datasets.FOLDERS[name] for name in names)
    if len(names) == 1:
        return f"the data is missing (no {folders} in {shown}): run `python -m gradekit data {names[0]} --dest {shown}`"
    return (f"the data is missing (no {folders} in {shown}): run `python -m gradekit data NAME --dest {shown}` "
            f"for NAME in {', '.join(names)}")


def forget_other_copies(package, root):
    """Drop `package` from sys.modules if it was imported from outside `root` (every assignment
    has its own `cs231n`: a process that computes several assignments' values must not mix them)."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        path = getattr(sys.modules[name], "__file__", None) or ""
        if not os.path.abspath(path).startswith(root + os.sep):
            del sys.modules[name]


class Reference:
    """The reference solution, imported into the grading process (it is trusted code).

    Same API as `student` (`call`, `layer`, `new`); objects are the real ones, so `keep=True`
    changes nothing and a reference model is called, or passed to `torch_ops`, directly."""

    def __init__(self, root):
        root = os.path.abspath(root)
        if root in sys.path:
            sys.path.remove(root)
        sys.path.insert(0, root)
        for name in os.listdir(root):
            if os.path.exists(os.path.join(root, name, "__init__.py")):
                forget_other_copies(name, root)

    def get(self, target):
        from gradekit.autograde.worker import resolve

        return resolve(target)

    def seeded(self, target, seed):
        """The object at `target`, imported before seeding (as the worker does) so torch is seeded too."""
        from gradekit.autograde.worker import seed_everything

        obj = self.get(target)
        if seed is not None:
            seed_everything(seed)
        return obj

    def call(self, target, *args, seed=None, pick=None, with_args=False, keep=False, kwargs=None, **more):
        """As `student.call`, on the reference (`pick`, `with_args`, `kwargs` mean the same)."""
        from gradekit.autograde.worker import picked

        kwargs = {**more, **(kwargs or {})}
        result = picked(self.seeded(target, seed)(*args, **kwargs), pick)
        return {"result": result, "args": list(args), "kwargs": kwargs} if with_args else result

    def layer(self, forward, backward, *args, dout, seed=None, **kwargs):
        """As `student.layer`: forward, then backward on `dout` with that cache: (out, grads)."""
        from gradekit.autograde.worker import run_layer

        return run_layer(self.seeded(forward, seed), self.get(backward), args, kwargs, dout)

    def new(self, target, *args, seed=None, kwargs=None, **more):
        kwargs = {**more, **(kwargs or {})}
        return self.seeded(target, seed)(*args, **kwargs)


ARTIFACT_LIMIT = 1 << 30
"""The most the arrays of one artefact file may take decompressed (as their zip declares them)."""


class Artifacts:
    """Reads `<name>.npz` as plain arrays; a missing file fails with the reason the notebook gave."""

    def __init__(self, folder, execution_json):
        self.folder = folder
        self.execution = {}
        if execution_json and os.path.exists(execution_json):
            with open(execution_json) as f:
                self.execution = json.load(f)

    def path(self, name, notebook=None):
        """The artefact file's path; a missing file fails with the reason its notebook gave."""
        path = os.path.join(self.folder, name + ".npz")
        if not os.path.exists(path):
            run = self.execution.get(notebook or name, {})
            why = run.get("message") or f"run {notebook or name}.ipynb to the end to create it"
            raise AssertionError(f"artifacts/{name}.npz was not saved: {why}")
        return path

    def load(self, name, notebook=None):
        """The file's arrays as a read-only mapping: an array is read (decompressed) only when a
        check indexes its key. A file whose arrays would take more than `ARTIFACT_LIMIT`, or an
        array that is not plain data, fails naming the file (`wire.read_npz` checks them)."""
        path = self.path(name, notebook)
        try:
            return self.Saved(path, name)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the submission's fault
            raise AssertionError(f"artifacts/{name}.npz cannot be read as plain arrays: {exc}") from None

    class Saved(wire.NpzArrays):
        """The arrays of `artifacts/<name>.npz`, read when indexed; one that cannot be read fails
        as the whole file did before (an AssertionError naming the file)."""

        def __init__(self, path, name):
            super().__init__(path, ARTIFACT_LIMIT, what="the file")
            self.name = name

        def __getitem__(self, key):
            if key not in self:
                raise KeyError(key)
            try:
                return super().__getitem__(key)
            except Exception as exc:  # noqa: BLE001 - any unreadable array is the submission's fault
                raise AssertionError(f"artifacts/{self.name}.npz cannot be read as plain arrays: {exc}") from None


def notebook_of(item):
    marker = item.get_closest_marker("notebook")
    if marker is None:
        raise pytest.UsageError(f"{item.nodeid}: the test file needs pytestmark = pytest.mark.notebook(...)")
    return marker.args[0]


def points_of(item):
    marker = item.get_closest_marker("points")
    if marker is None:
        raise pytest.UsageError(f"{item.nodeid}: every autograder test needs @pytest.mark.points(n)")
    return float(marker.args[0])


# -- results ----------------------------------------------------------------------------------
class Recorder:
    """Collects one outcome per test and writes them (and the manifest) as JSON.

    With the run's `outcomes_jsonl`, the first line holds the tests about to run (`collected`) and
    the grading seed; then each test's outcome is appended, and flushed, when the test has finished
    (teardown included). A test without a line did not finish: `gradekit.pipeline.check` and
    `gradekit.pipeline.score` say why; this class never invents an outcome for it."""

    def __init__(self, config):
        self.config = config
        self.items = {}
        self.outcomes = {}
        self.finished = []
        self.unexpected = []  # (test id, traceback) of exceptions that are not assertions
        self.measured = {}  # test id: [what the `measured` fixture recorded]
        self.selected = []  # the ids of the tests to run (after -k, -m deselected some)
        self.stream = None

    def pytest_collection_modifyitems(self, items):
        for item in items:
            self.items[item.nodeid] = {"id": item.nodeid, "notebook": notebook_of(item),
                                       "points": points_of(item), "name": item.name,
                                       "reads_artifacts": "artifacts" in item.fixturenames}
            # what `--junitxml` writes as the test case's properties
            item.user_properties += [("notebook", notebook_of(item)), ("points", f"{points_of(item):g}")]
        path = self.config.getoption("manifest_json")
        if path:
            write_json(path, {"tests": list(self.items.values())})

    def pytest_collection_finish(self, session):
        self.selected = [item.nodeid for item in session.items if item.nodeid in self.items]
        path = setting(self.config, "outcomes_jsonl")
        if path and not self.config.getoption("collectonly"):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self.stream = open(path, "w")
            self.append({"collected": [self.items[item.nodeid] for item in session.items if item.nodeid in self.items],
                         "grading_seed": setting(self.config, "grading_seed")})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or report.failed or report.skipped:
            previous = self.outcomes.get(item.nodeid)
            if previous is None or previous["status"] == "passed":
                self.outcomes[item.nodeid] = self.describe(item, report, call)
        if report.failed and item.nodeid in self.items and short_failures(self.config):
            report.longrepr = self.short_block(item, report, call)

    def short_block(self, item, report, call):
        """A failed check as a student sees it: its name as a sentence and its points, then the
        message; for an error of the student's code, the line of their file where it happened."""
        points = self.items[item.nodeid]["points"]
        lines = [f"{title(self.items[item.nodeid])} [{points:g} point{'' if points == 1 else 's'}]"]
        message = failure_message(call.excinfo, test=item.name, when=report.when)
        lines += ["  " + line for line in message.splitlines()]
        if call.excinfo is not None and isinstance(call.excinfo.value, StudentError):
            lines += student_line(submission_root(self.config), message)
        return "\n".join(lines)

    def describe(self, item, report, call):
        if report.passed:
            return {"status": "passed", "message": ""}
        if report.skipped:
            return {"status": "skipped", "message": skip_reason(report)}
        status = "failed" if report.when == "call" else "error"
        excinfo = call.excinfo
        if excinfo is not None and not isinstance(excinfo.value, (AssertionError, pytest.fail.Exception)):
            self.unexpected.append((item.nodeid, traceback_from(excinfo.value, str(item.path))))
        return {"status": status, "message": failure_message(excinfo, test=item.name, when=report.when)}

    def pytest_runtest_logfinish(self, nodeid, location):
        if nodeid in self.items and nodeid in self.outcomes:
            item, outcome = self.items[nodeid], self.outcomes[nodeid]
            test = dict(item, earned=item["points"] if outcome["status"] == "passed" else 0.0, **outcome)
            if nodeid in self.measured:
                test["measured"] = self.measured[nodeid]
            self.finished.append(test)
            self.append(test)

    def append(self, record):
        if self.stream is not None:
            self.stream.write(json.dumps(record) + "\n")
            self.stream.flush()

    def pytest_sessionfinish(self, session):
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        path = self.config.getoption("results_json")
        if path:
            write_json(path, {"tests": self.finished, "grading_seed": setting(self.config, "grading_seed")})

    def pytest_terminal_summary(self, terminalreporter):
        if not self.items:
            return
        if setting(self.config, "sandbox") is None:
            terminalreporter.write_line("gradekit: your code ran without a sandbox (local checks); "
                                        "grading runs it in one")
        if self.unexpected and not short_failures(self.config):
            # a grader bug, or a value no helper checked: the log keeps the traceback
            terminalreporter.write_sep("-", "gradekit: exceptions that are not assertions")
            for nodeid, trace in self.unexpected:
                terminalreporter.write_line(f"{nodeid}:\n{trace}")
        earned, possible = self.points(self.selected)
        if grading(self.config):
            terminalreporter.write_sep("=", f"gradekit: {earned:g} / {possible:g} points")
            return
        lines, hidden = self.by_notebook()
        for line in lines + self.not_run():
            terminalreporter.write_line(line)
        more = f"; {hidden:g} more in hidden checks, which only the grader runs" if hidden else ""
        terminalreporter.write_sep("=", f"gradekit: {earned:g} / {possible:g} public points{more}")

    def points(self, nodeids):
        """(points earned, points possible) of these tests."""
        earned = possible = 0.0
        for nodeid in nodeids:
            possible += self.items[nodeid]["points"]
            if self.outcomes.get(nodeid, {}).get("status") == "passed":
                earned += self.items[nodeid]["points"]
        return earned, possible

    def by_notebook(self):
        """The summary's lines per notebook (its public points, and what its hidden checks add by the
        ini's `gradekit_points`), and the hidden checks' points in all."""
        totals = {name: float(points) for name, _, points in
                  (entry.partition("=") for entry in self.config.getini("gradekit_points"))}
        notebooks = {name: [] for name in totals}  # the course's order
        for nodeid in self.selected:
            notebooks.setdefault(self.items[nodeid]["notebook"], []).append(nodeid)
        notebooks = {name: nodeids for name, nodeids in notebooks.items() if nodeids}
        width = max(map(len, notebooks), default=0)
        lines, hidden = ["gradekit: public checks by notebook"], 0.0
        for notebook, nodeids in notebooks.items():
            earned, possible = self.points(nodeids)
            more = totals.get(notebook, possible) - possible
            hidden += max(more, 0.0)
            lines.append(f"  {notebook:<{width}}  {earned:g} / {possible:g} public points" +
                         (f" (+ {more:g} in hidden checks = {totals[notebook]:g})" if more > 0 else ""))
        lines.append("The hidden checks run only when the grader grades your submission: it executes your "
                     "notebooks from top to bottom and checks your code on new inputs and your saved models.")
        return lines, hidden

    def not_run(self):
        """One line per reason the selected checks were skipped: how many, their points, the reason."""
        reasons = {}
        for nodeid in self.selected:
            outcome = self.outcomes.get(nodeid, {})
            if outcome.get("status") == "skipped":
                reason = outcome["message"].removeprefix("Skipped: ")
                reasons.setdefault(reason, []).append(self.items[nodeid]["points"])
        return [f"{len(points)} check{'' if len(points) == 1 else 's'} ({sum(points):g} points) did not run: {reason}"
                for reason, points in reasons.items()]


def student_line(root, message):
    """The line of the student's file a StudentError's message ends at (`(at path:line in name)`), as
    `path:line: code`; nothing when the message names no line, the file is not there, or the line
    is a `raise` (the message already says what it raised)."""
    where = re.search(r"\(at (.+):(\d+) in [^()]*\)$", message)
    if where is None:
        return []
    code = linecache.getline(os.path.join(root, where.group(1)), int(where.group(2))).strip()
    return [f"  {where.group(1)}:{where.group(2)}: {code}"] if code and not code.startswith("raise") else []


def failure_message(excinfo, test=None, when="call"):
    """The message of a failed test. An assertion (a check's own, a `StudentError`) is the
    message. Another exception while a test ran comes from numpy or Python on a value no helper
    checked first: it is reported as a value the test could not grade (the full traceback goes
    to the log, see `Recorder`). One in a fixture or teardown is the grader's own failure."""
    if excinfo is None:
        return "failed"
    exc = excinfo.value
    if isinstance(exc, (StudentError, AssertionError, pytest.fail.Exception)):
        text = str(exc).split("\nassert ")[0].strip() or "assertion failed"
    elif when == "call":
        text = f"{test or 'the check'} could not grade the value returned: {type(exc).__name__}: {exc}"
    else:
        text = f"the check itself failed ({when}): {type(exc).__name__}: {exc}"
    return text[:1000]


def traceback_from(exc, path):
    """The traceback of `exc` from its first frame in the file `path` (the test's), if any."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


def skip_reason(report):
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)


def write_json(path, value):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
