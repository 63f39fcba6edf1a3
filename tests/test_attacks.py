"""Grades that cannot be forged (issue 12): attack submissions graded by the real `gradekit grade`.

Every attack of tests/attacks/table.py is the untouched release or the reference solution of
assignment 1 with one realistic attack planted (its code is in tests/attacks/payloads/). They are
graded sandboxed, kNN only, in one `gradekit grade --jobs 2` batch beside an honest submission (the
reference solution). The honest submission is also graded alone, and again with an execution store
that a poisoner wrote to first. Each attack must earn nothing on what it attacks and end with a
message saying what happened, and no attack may leave a trace: the honest submission scores in the
batch exactly as alone, files outside the scratch folders (canaries, solutions/, autograder/,
site-packages) are unchanged, no connection reaches the test's port, no process outlives grading.

With GRADEKIT_ATTACKS_UNSANDBOXED=1 the same submissions are graded with --no-sandbox (or by a
grader from before the sandbox, without its options): the tests then fail wherever an attack does
damage, which shows that each of them can fail.
"""
import contextlib
import datetime
import glob
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from types import SimpleNamespace

import nbformat
import pytest

from attacks import build
from attacks.table import ATTACKS, CALL_TIMEOUT, CELL_TIMEOUT, HONEST, NEIGHBOUR, POISONER
from gradekit.authoring import reference

pytestmark = [pytest.mark.e2e, pytest.mark.serial]  # its --jobs 2 batches and their time limits need both cores

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNSANDBOXED = os.environ.get("GRADEKIT_ATTACKS_UNSANDBOXED") == "1"
MEMORY_MB, GRADING_SEED = 3072, 20240
WAIT_AFTER_GRADING = 5  # seconds a detached process gets to rewrite a result after grading
SITE_PACKAGES = sysconfig.get_paths()["purelib"]
PROCESS_MARK = "gkatk-proc-"  # in the command line of every process an attack starts
SANDBOX_UIDS = range(61000, 61064)
SOLUTION_TEXT = "np.einsum('ij,ij->i', self.X_train, self.X_train)"  # a line of the reference's kNN
HIDDEN_TEXT = "kNN hidden checks: the reference on fresh inputs"  # the hidden kNN checks' docstring
SECRETS = ("solutions/assignment1", "autograder/assignment1")  # folders of the repository no attack may change
FILE_SIZE_LIMIT = 512 << 20  # a grader following a link to /dev/zero stops there, not at a full disk


# -- grading ------------------------------------------------------------------------------------
def gradekit_options():
    """The options `gradekit grade --help` lists."""
    command = [os.path.join(os.path.dirname(sys.executable), "gradekit"), "grade", "--help"]
    return set(re.findall(r"--[a-z-]+", subprocess.run(command, capture_output=True, text=True).stdout))


def grading_options(data_dir, known):
    """What every grading of the suite passes: kNN only, short limits, a fixed seed."""
    options = ["--data-dir", data_dir, "--cell-timeout", str(CELL_TIMEOUT), "--call-timeout", str(CALL_TIMEOUT),
               "--grading-seed", str(GRADING_SEED), "--threads", "1", "--quiet",
               "--notebooks", "knn", "--memory-limit", str(MEMORY_MB)]
    if UNSANDBOXED:
        options += ["--no-sandbox"]
        for option, takes_value in (("--notebooks", True), ("--memory-limit", True), ("--no-sandbox", False)):
            if option not in known:
                index = options.index(option)
                del options[index:index + 1 + takes_value]
    return options


def start_grading(submissions, out, options, *more):
    """`gradekit grade` on `submissions` into `out`, as a process (as an instructor runs it), with
    its scratch folders (which every sandbox of it mounts) in `out`.tmp, inside the suite's folder."""
    command = [os.path.join(os.path.dirname(sys.executable), "gradekit"), "grade", "assignment1",
               *submissions, "--out", out, *options, *more]
    os.makedirs(out + ".tmp")
    with open(out + ".log", "w") as log:
        return subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                env=dict(os.environ, TMPDIR=out + ".tmp"), preexec_fn=limit_file_size)


def limit_file_size():
    """A soft limit on the size of the files the grader writes (a sandbox sets its own)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def wait_for(out, timeout=120):
    """Wait until a grading has created its output folder (it has collected the checks)."""
    deadline = time.monotonic() + timeout
    while not os.path.isdir(out) and time.monotonic() < deadline:
        time.sleep(0.2)


def finish(process):
    """Wait for a grading process; returns its output."""
    process.wait(timeout=1800)
    with open(process.args[process.args.index("--out") + 1] + ".log") as f:
        return f.read()


def results_in(out):
    """{student_id: result} of an output folder."""
    found = {}
    for path in glob.glob(os.path.join(out, "*", "result.json")):
        with open(path) as f:
            found[os.path.basename(os.path.dirname(path))] = json.load(f)
    return found


# -- the machine around the grader --------------------------------------------------------------
class Listener:
    """A TCP port on 127.0.0.1 that records whatever connects to it."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.messages = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                with contextlib.suppress(OSError):
                    self.messages.append(connection.recv(4096).decode(errors="replace") or "(connected)")

    def close(self):
        self.socket.close()


def repository_files():
    """{path: bytes} of the assignment's solutions and autograder (caches and the manifest a grader
    from before the sandbox wrote there left out): to compare, and to restore after an attack."""
    files = {}
    for name in SECRETS:
        for base, dirs, names in os.walk(os.path.join(REPO, name)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for filename in names:
                if filename != ".manifest.json":
                    with open(os.path.join(base, filename), "rb") as f:
                        files[os.path.relpath(os.path.join(base, filename), REPO)] = f.read()
    return files


def changed(before, after):
    """The paths whose bytes differ between two `repository_files()`, added and removed ones too."""
    return sorted(rel for rel in set(before) | set(after) if before.get(rel) != after.get(rel))


def restore(files):
    """Put back the repository files an attack changed (they hold its marker, "gkatk"): only those,
    since others may be editing the repository meanwhile."""
    for rel, data in files.items():
        path = os.path.join(REPO, rel)
        with contextlib.suppress(OSError):
            with open(path, "rb") as f:
                now = f.read()
            if now != data and b"gkatk" in now:
                with open(path, "wb") as f:
                    f.write(data)


def processes():
    """[{pid, uid, args, started, mounts}] of the machine's processes (started: seconds since boot;
    mounts: the mount table of a sandbox uid's process, which it cannot change or leave)."""
    found = []
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    args = f.read().decode(errors="replace").replace("\0", " ").strip()
                with open(f"/proc/{entry}/stat") as f:
                    started = int(f.read().rsplit(")", 1)[1].split()[19]) / ticks
                uid = os.stat(f"/proc/{entry}").st_uid
                mounts = ""
                if uid in SANDBOX_UIDS:
                    with open(f"/proc/{entry}/mountinfo") as f:
                        mounts = f.read()
                found.append({"pid": int(entry), "uid": uid, "args": args, "started": started, "mounts": mounts})
            except (OSError, ValueError, IndexError):
                pass
    return found


def uptime():
    """Seconds since the machine booted (the clock of /proc/<pid>/stat)."""
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def kill_attack_processes():
    """SIGKILL what the attacks started that is still alive (their command lines carry PROCESS_MARK)."""
    for process in processes():
        if PROCESS_MARK in process["args"]:
            with contextlib.suppress(OSError):
                os.kill(process["pid"], 9)


def pth_files():
    """The .pth files of the grader's site-packages."""
    return set(glob.glob(os.path.join(SITE_PACKAGES, "*.pth")))


# -- building the submissions -------------------------------------------------------------------
def context(attack, run, bases):
    """What an attack's code is told (GKATK): where things are, its canaries, the test's port."""
    canaries = [canary_path(run, attack, where) for where in attack.canaries + attack.absent]
    values = {"attack": attack.id, "student": attack.student, "repo": REPO, "site_packages": SITE_PACKAGES,
              "solutions": os.path.join(REPO, "solutions", "assignment1"),
              "autograder": os.path.join(REPO, "autograder", "assignment1"),
              "title": PROCESS_MARK + attack.id, "witness": run.witness, "canaries": canaries,
              "port": run.listener.port, "memory_mb": MEMORY_MB, "token": run.token,
              "victims": [HONEST.student, "atk-earlier"], "classmate": os.path.join(run.submissions, HONEST.student)}
    sources = "".join(build.payload(p.payload) for p in attack.plants if hasattr(p, "payload"))
    if 'GKATK["daemon"]' in sources:
        values["daemon"] = build.planted("_rewriter_daemon", dict(values))
    if 'GKATK["hook"]' in sources:
        values["hook"] = build.planted("startup_hook", dict(values))
    if 'GKATK["honest_knn"]' in sources:
        with open(os.path.join(bases["reference"], "cs231n", "classifiers", "k_nearest_neighbor.py")) as f:
            values["honest_knn"] = f.read()
    return values


def canary_path(run, attack, where):
    """A file outside every scratch folder: in the test's canary folder, beside the output folder,
    where a zip slip would write, or in the data folder."""
    if where == "tmp":
        return os.path.join(run.canaries, f"{attack.id}.txt")
    if where == "beside-out":
        return os.path.join(os.path.dirname(run.out), f"canary-{attack.id}.txt")
    if where == "zip-slip":
        return os.path.join("/tmp", f"gkatk-zip-slip-{run.token}.txt")
    return os.path.join(run.data_dir, "cifar-10-batches-py", f"gkatk-{run.token}.txt")


def make_canaries(run, attack):
    """Create the attack's canary files; returns {path: content}."""
    made = {}
    for where in attack.canaries:
        path = canary_path(run, attack, where)
        with open(path, "w") as f:
            f.write(f"canary of {attack.id}\n")
        made[path] = f"canary of {attack.id}\n"
    return made


# -- the whole run ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def graded(assignment1, data_dir, tmp_path_factory):
    """Every attack graded (the honest submission alone, the store poisoning, then the batch), and
    what the machine looked like after grading; everything an attack left is cleaned up after. The
    suite grades with its own copy of CIFAR-10, so that its data canary changes no other grader's
    data (what it inspects after grading is what its own attacks left, whatever else grades here)."""
    work = tmp_path_factory.mktemp("gkatk")
    data_dir = own_copy_of_cifar10(data_dir, str(work / "data"))
    run = SimpleNamespace(out=str(work / "batch" / "out"), witness=str(work / "witness"),
                          canaries=str(work / "canaries"), submissions=str(work / "submissions"),
                          data_dir=data_dir, token=os.urandom(6).hex(), listener=Listener(), timings={},
                          work=str(work))
    for folder in (os.path.dirname(run.out), run.witness, run.canaries):
        os.makedirs(folder)
    repository, pth_before = repository_files(), pth_files()
    try:
        yield grade_everything(run, assignment1, data_dir, work, repository, pth_before)
    finally:
        kill_attack_processes()
        restore(repository)
        with contextlib.suppress(FileNotFoundError):
            os.remove(canary_path(run, None, "data"))
        for path in pth_files() - pth_before:
            if os.path.basename(path).startswith("gkatk"):  # the attack's, not one someone installs meanwhile
                os.remove(path)
        run.listener.close()


def own_copy_of_cifar10(data_dir, dest):
    """A copy (not links: an unsandboxed attack could write through them) of data_dir's CIFAR-10."""
    shutil.copytree(os.path.join(data_dir, "cifar-10-batches-py"), os.path.join(dest, "cifar-10-batches-py"))
    return dest


def grade_everything(run, assignment1, data_dir, work, repository, pth_before):
    """Build the submissions, grade them, and look at the machine after grading."""
    started = time.monotonic()
    paths = build_submissions(run, assignment1, str(work))
    run.timings["build"] = time.monotonic() - started
    options = grading_options(data_dir, gradekit_options())
    started = time.monotonic()
    grade_alone_and_with_a_poisoned_store(run, paths, options, str(work))
    run.timings["alone and store"] = time.monotonic() - started
    started = time.monotonic()
    grade_the_batch(run, paths, options)
    run.timings["batch"] = time.monotonic() - started
    time.sleep(WAIT_AFTER_GRADING)
    run.later = results_in(run.out)
    run.processes = processes()
    run.repository_changed = changed(repository, repository_files())
    run.new_pth = sorted(pth_files() - pth_before)
    run.witnessed = sorted(os.listdir(run.witness))
    print("\ngkatk timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in run.timings.items()))
    return run


def build_submissions(run, assignment1, work):
    """Every submission of the suite, and the attacks' canary files; returns {student_id: path}."""
    bases = {"release": build.write_base(assignment1.release, os.path.join(work, "bases", "release")),
             "reference": build.write_base(reference.write(assignment1, os.path.join(work, "solved")),
                                           os.path.join(work, "bases", "reference"))}
    os.makedirs(run.submissions)
    paths = {a.student: build.write_submission(a, bases[a.base], run.submissions, context(a, run, bases))
             for a in [HONEST, NEIGHBOUR, POISONER, *ATTACKS]}
    run.canary_files = {}
    for attack in ATTACKS:
        run.canary_files.update(make_canaries(run, attack))
    return paths


def grade_alone_and_with_a_poisoned_store(run, paths, options, work):
    """The honest submission graded alone, and (at the same time) the store poisoning: the poisoner
    graded with a new store, then the honest submission with that store."""
    store = os.path.join(work, "store")
    poisoner = start_grading([paths[POISONER.student]], os.path.join(work, "poisoner"), options,
                             "--reuse-executions", store)
    wait_for(os.path.join(work, "poisoner"))  # a grader from before the sandbox collected its checks in a shared file
    alone = start_grading([paths[HONEST.student]], os.path.join(work, "alone"), options)
    run.logs = {"poisoner": finish(poisoner)}
    stored = start_grading([paths[HONEST.student]], os.path.join(work, "stored"), options, "--reuse-executions", store)
    run.logs.update(alone=finish(alone), stored=finish(stored))
    run.alone = results_in(os.path.join(work, "alone"))[HONEST.student]
    run.stored = results_in(os.path.join(work, "stored"))[HONEST.student]
    run.poisoner = results_in(os.path.join(work, "poisoner"))[POISONER.student]


def grade_the_batch(run, paths, options):
    """Every attack in one `--jobs 2` batch, the honest submission and the neighbour first (so that
    they run at the same time), into an output folder that already holds an earlier student's result."""
    earlier = os.path.join(run.out, "atk-earlier", "result.json")
    os.makedirs(os.path.dirname(earlier))
    with open(earlier, "w") as f:
        json.dump(dict(run.alone, student_id="atk-earlier"), f, indent=1)
    with open(earlier, "rb") as f:
        run.earlier = f.read()
    order = [HONEST, NEIGHBOUR, *sorted(ATTACKS, key=cost, reverse=True)]
    batch = start_grading([paths[a.student] for a in order], run.out, options, "--jobs", "2")
    run.logs["batch"] = finish(batch)
    run.batch_ended = uptime()
    run.results = results_in(run.out)


def cost(attack):
    """Roughly how long an attack keeps a grading slot (the batch starts the longest first)."""
    if attack.status == "failed":
        return 0
    slow = ("endless", "sleeps")
    return 3 * any(s in attack.id for s in slow) + (attack.base == "reference") + 1


# -- what a result says -------------------------------------------------------------------------
def knn_checks(result):
    """{check name: test outcome} of the kNN checks."""
    return {t["id"].split("::")[-1]: t for t in result["tests"] if t["notebook"] == "knn"}


def outcomes(result):
    """What two gradings of one submission must share: every check's outcome and each notebook's
    execution status."""
    return {"tests": {t["id"]: (t["status"], t["earned"], t["message"]) for t in result["tests"]},
            "execution": {name: n["execution"].get("status") for name, n in result["notebooks"].items()},
            "score": result["score"]}


def differences(result, expected):
    """The checks (and notebooks) whose outcome differs between two gradings, with both outcomes."""
    mine, theirs = outcomes(result), outcomes(expected)
    found = {k: (mine["tests"].get(k), v) for k, v in theirs["tests"].items() if mine["tests"].get(k) != v}
    found.update({f"{n} execution": (mine["execution"].get(n), v) for n, v in theirs["execution"].items()
                  if mine["execution"].get(n) != v})
    if mine["score"] != theirs["score"]:
        found["score"] = (mine["score"], theirs["score"])
    return found


def message(result, where):
    """The message an attack's `message` names: the kNN execution's, the result's error, or a check's."""
    if where == "execution":
        return result["notebooks"]["knn"]["execution"].get("message", "")
    if where == "error":
        return result.get("error") or ""
    return knn_checks(result)[where]["message"]


def executed_notebook(run, student):
    """The kNN notebook as the batch executed it for `student`."""
    return nbformat.read(os.path.join(run.out, student, "notebooks", "knn.ipynb"), as_version=4)


def files_mentioning(folder, texts):
    """The files under `folder` holding any of `texts`."""
    found = []
    for base, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(base, name), "rb") as f:
                data = f.read()
            if any(text.encode() in data for text in texts):
                found.append(os.path.relpath(os.path.join(base, name), folder))
    return found


# -- the side effects an attack may not have ----------------------------------------------------
def no_leak(run, attack):
    """No file of the attack's output folder holds a line of the reference or of the hidden checks."""
    leaked = files_mentioning(os.path.join(run.out, attack.student), [SOLUTION_TEXT, HIDDEN_TEXT])
    assert not leaked, f"the reference or the hidden checks are in {leaked}"


def canaries_kept(run, attack):
    """The attack's canary files are there, unchanged, and nothing was written beside them."""
    for where in attack.canaries:
        path = canary_path(run, attack, where)
        assert os.path.exists(path), f"{path} was deleted"
        with open(path) as f:
            assert f.read() == run.canary_files[path], f"{path} was overwritten"
        assert not os.path.exists(path + ".gkatk"), f"{path}.gkatk was written"


def absent(run, attack):
    """The files the attack tried to create outside its scratch folder do not exist."""
    for where in attack.absent:
        assert not os.path.exists(canary_path(run, attack, where)), f"{canary_path(run, attack, where)} appeared"


def listener_silent(run, attack):
    """The test's port heard nothing from the attack."""
    reached = [m for m in run.listener.messages if f"gkatk {attack.id}" in m or m == "(connected)"]
    assert not reached, f"port {run.listener.port} was reached: {reached}"


def no_witness(run, attack):
    """The planted code left no witness file: it never ran where it could write outside a sandbox."""
    witnessed = [w for w in run.witnessed if w.startswith(attack.id + "-")]
    assert not witnessed, f"the planted code ran outside a sandbox: {witnessed}"


def no_process(run, attack):
    """No process the attack started is alive after grading."""
    alive = [p["args"] for p in run.processes if PROCESS_MARK + attack.id in p["args"]]
    assert not alive, f"{len(alive)} processes of the attack outlived grading: {alive[:3]}"


def result_kept(run, attack):
    """The result read a few seconds after grading is the one the grader wrote."""
    assert run.later[attack.student] == run.results[attack.student], \
        f"the result was rewritten after grading (score {run.later[attack.student]['score']})"


def others_kept(run, attack):
    """The result an earlier batch left in the output folder is unchanged, byte for byte."""
    with open(os.path.join(run.out, "atk-earlier", "result.json"), "rb") as f:
        assert f.read() == run.earlier, "an earlier student's result was rewritten"


def no_ghost(run, attack):
    """The output folder has no ghost student, nor the gradebook a row for one."""
    assert not os.path.exists(os.path.join(run.out, "atk-ghost")), "a ghost student's folder was added"
    with open(os.path.join(run.out, "gradebook.csv")) as f:
        assert "atk-ghost" not in f.read(), "the gradebook has a ghost student"


def repository_kept(run, attack):
    """The assignment's solutions and autograder are unchanged."""
    assert not run.repository_changed, f"changed in the repository: {run.repository_changed}"


def no_new_pth(run, attack):
    """site-packages has no new .pth file."""
    assert not run.new_pth, f"new in site-packages: {run.new_pth}"


def small_notebook(run, attack):
    """The executed notebook kept a bounded part of the output, and says that it dropped the rest."""
    size = os.path.getsize(os.path.join(run.out, attack.student, "notebooks", "knn.ipynb"))
    assert size < 5 << 20, f"the executed notebook kept {size >> 20} MB of output"
    outputs = [o.get("text", "") for c in executed_notebook(run, attack.student).cells for o in c.get("outputs", [])]
    assert any(re.search(r"not kept|dropped|truncated", text) for text in outputs), "no output says what was dropped"


EFFECTS = {"no-leak": no_leak, "canaries": canaries_kept, "absent": absent, "listener": listener_silent,
           "witness": no_witness, "no-process": no_process, "result-kept": result_kept,
           "others-kept": others_kept, "no-ghost": no_ghost, "repo-kept": repository_kept,
           "no-pth": no_new_pth, "small-notebook": small_notebook}


# -- the tests ----------------------------------------------------------------------------------
@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack(graded, attack):
    """The attack earns nothing on what it attacks, says what happened, and has no side effect."""
    result = graded.results.get(attack.student)
    assert result is not None, f"no result for {attack.student}:\n{graded.logs['batch'][-3000:]}"
    assert result["status"] == attack.status, result.get("error")
    earned = {name for name, test in knn_checks(result).items() if test["earned"]}
    assert earned == attack.earning, f"earned {sorted(earned)}, expected {sorted(attack.earning)}"
    assert result["notebooks"]["knn"]["score"] == attack.knn_score
    where, pattern = attack.message
    assert re.search(pattern, message(result, where)), f"{where}: {message(result, where)!r}"
    for effect in attack.effects:
        EFFECTS[effect](graded, attack)


def test_every_submission_is_graded_sandboxed(graded):
    """Every result records that its student code ran in a sandbox."""
    results = {**graded.results, "alone": graded.alone, "stored": graded.stored, "poisoner": graded.poisoner}
    unsandboxed = [s for s, r in results.items() if s != "atk-earlier" and r.get("sandbox") is not True]
    assert not unsandboxed, f"graded without a sandbox: {unsandboxed}"


def test_the_honest_submission_scores_full_marks_alone(graded):
    assert graded.alone["score"] == graded.alone["max_score"] == 20, graded.logs["alone"][-2000:]


def test_the_honest_submission_scores_in_the_batch_exactly_as_alone(graded):
    assert not differences(graded.results[HONEST.student], graded.alone)


def test_a_store_poisoner_cannot_change_an_honest_regrade(graded):
    """The poisoner's notebook is the honest one, its kNN module saves best_k = 5000 and then writes
    the honest module back; the honest submission regraded with that store scores as alone."""
    assert knn_checks(graded.poisoner)["test_best_k_reaches_the_target_on_test"]["earned"] == 0, \
        "the poisoner's own notebook did not run its attack"
    assert not differences(graded.stored, graded.alone)


def test_no_attack_reads_the_reference_or_the_hidden_checks_into_the_output_folder(graded):
    leaked = files_mentioning(graded.out, [SOLUTION_TEXT, HIDDEN_TEXT])
    assert not leaked, f"the reference or the hidden checks are in {leaked}"


def test_the_leak_markers_are_in_the_secrets_and_nowhere_in_the_release(assignment1):
    with open(os.path.join(assignment1.solutions, "cs231n", "classifiers", "k_nearest_neighbor.py")) as f:
        assert SOLUTION_TEXT in f.read()
    with open(os.path.join(assignment1.autograder, "hidden", "test_knn.py")) as f:
        assert HIDDEN_TEXT in f.read()
    assert not files_mentioning(assignment1.release, [SOLUTION_TEXT, HIDDEN_TEXT])


def test_solutions_and_the_autograder_are_unchanged(graded):
    assert not graded.repository_changed


def test_no_pth_file_is_added_to_the_grader_site_packages(graded):
    assert not graded.new_pth


def test_no_planted_code_runs_outside_a_sandbox(graded):
    assert not graded.witnessed


def test_no_file_outside_the_scratch_folders_is_deleted_or_written(graded):
    for path, content in graded.canary_files.items():
        assert os.path.exists(path) and open(path).read() == content, f"{path} was deleted or overwritten"
    written = [p for p in glob.glob(os.path.join(graded.canaries, "*")) if p not in graded.canary_files]
    written += glob.glob(os.path.join(os.path.dirname(graded.out), "*.gkatk"))
    assert not written, f"written outside the scratch folders: {written}"


def test_no_connection_reaches_a_port_of_the_grading_machine(graded):
    assert not graded.listener.messages


def test_no_attack_process_outlives_grading(graded):
    alive = [p["args"] for p in graded.processes if PROCESS_MARK in p["args"]]
    assert not alive, f"{len(alive)} attack processes are alive {WAIT_AFTER_GRADING} s after grading: {alive[:5]}"


def test_no_sandbox_process_outlives_grading(graded):
    """Processes of the sandbox uids that mount the suite's scratch folders (every sandbox of its
    gradings does; those of other tests and checkouts, grading at the same time, do not)."""
    alive = [p for p in graded.processes if p["uid"] in SANDBOX_UIDS and p["started"] < graded.batch_ended
             and graded.work + os.sep in p["mounts"]]
    assert not alive, f"processes of sandbox uids outlived grading: {alive[:5]}"


def test_no_result_changes_after_grading(graded):
    changed = [s for s in graded.results if graded.later.get(s) != graded.results[s]]
    assert not changed, f"rewritten after grading: {changed}"


def test_the_gradebook_lists_exactly_the_graded_students(graded):
    with open(os.path.join(graded.out, "gradebook.csv")) as f:
        rows = {line.split(",")[1] for line in f.read().splitlines()[1:] if line}
    expected = {a.student for a in [HONEST, NEIGHBOUR, *ATTACKS]} | {"atk-earlier"}
    assert rows == expected, f"unexpected rows {sorted(rows - expected)}, missing {sorted(expected - rows)}"


def test_an_earlier_result_in_the_output_folder_is_unchanged(graded):
    others_kept(graded, None)


# -- the neighbour: an attacker graded at the same time as the honest submission ----------------
@pytest.fixture(scope="session")
def neighbour(graded):
    """What the neighbour reported, from its executed notebook (its GKATK-NEIGHBOUR line)."""
    nb = executed_notebook(graded, NEIGHBOUR.student)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    line = next((ln for ln in text.splitlines() if ln.startswith("GKATK-NEIGHBOUR ")), None)
    assert line is not None, f"the neighbour did not report: {graded.results[NEIGHBOUR.student]['notebooks']}"
    return json.loads(line[len("GKATK-NEIGHBOUR "):])


def papermill_window(nb):
    """(start, end) of a notebook's execution, as epoch seconds."""
    meta = nb.metadata["papermill"]
    return tuple(datetime.datetime.fromisoformat(meta[k].replace("Z", "+00:00")).timestamp()
                 for k in ("start_time", "end_time"))


def test_the_neighbour_ran_while_the_honest_kernel_ran(graded, neighbour):
    start, end = papermill_window(executed_notebook(graded, HONEST.student))
    assert neighbour["start"] < end and start < neighbour["end"], \
        "the neighbour's attack did not overlap the honest submission's execution: the batch did not test it"


def test_a_neighbour_cannot_write_into_another_scratch_folder(neighbour):
    assert not neighbour["scratch_written"]


def test_a_neighbour_cannot_reach_another_kernel_through_its_connection_file(neighbour):
    assert not neighbour["kernels_reached"] and not neighbour["kernels_injected"]


def test_a_neighbour_cannot_ptrace_another_submission(neighbour):
    assert not neighbour["ptraced"]


def test_a_neighbour_cannot_signal_another_submission(neighbour):
    assert not neighbour["signalled"] and not neighbour["killed"]


def test_a_neighbour_sees_no_process_of_another_submission(neighbour):
    assert not neighbour["targets"]
