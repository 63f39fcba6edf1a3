"""The OS sandbox around every process that runs student code (the notebook kernel, the check worker).

A sandbox is a bubblewrap container that sees a read-only system (/usr, /etc), the Python it runs
with, the gradekit runtime and the datasets, and writes only the folders it is given (the
submission's scratch copy, its artefact folder). Nothing else of the machine is mounted: not
`solutions/`, the autograder, the output folder, other submissions or the execution store. It has
its own PID, IPC and UTS namespaces and a network namespace with no interface but loopback, runs
as the unprivileged uid of its slot (`slot()`: one uid per concurrent submission, so per-user
limits do not add up), and is bounded: memory and process count by cgroups (RLIMIT_AS where there
are none), CPU seconds, file size and open files by rlimits, wall clock and disk use by a
watchdog, raw output by `Capture`. `close()` kills every process it started.
"""
import contextlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field

UIDS = range(61000, 61064)
RUNTIME = os.path.dirname(os.path.abspath(__file__))  # the gradekit package (the worker's runtime)
SYSTEM = ("/usr", "/etc")
MERGED = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
PASSED_ENV = (*THREAD_VARIABLES, "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TZ")


def thread_env(threads):
    """The variables capping a process's BLAS and torch threads at `threads` ({} for None: their defaults)."""
    return {name: str(threads) for name in THREAD_VARIABLES} if threads else {}


class SandboxError(RuntimeError):
    """The sandbox cannot be set up on this machine (the message says why and what to do)."""


@dataclass(frozen=True)
class Limits:
    """What one sandboxed process tree may use."""
    memory_mb: int = 6144
    processes: int = 512
    cpu_seconds: int = 4 * 3600
    file_mb: int = 1024
    open_files: int = 1024
    wall_seconds: float = 4 * 3600
    disk_mb: int = 4096
    output_bytes: int = 1 << 20


RLIMITS = {"nproc": "RLIMIT_NPROC", "cpu": "RLIMIT_CPU", "fsize": "RLIMIT_FSIZE", "nofile": "RLIMIT_NOFILE",
           "as": "RLIMIT_AS"}


def capped(wanted):
    """{prlimit option: value}: each wanted limit, lowered to the hard limit the grader already runs
    under (a shared server's ulimit), which the sandbox, without privileges, could not raise."""
    import resource

    values = {}
    for name, value in wanted.items():
        _, hard = resource.getrlimit(getattr(resource, RLIMITS[name]))
        values[name] = value if hard == resource.RLIM_INFINITY else min(value, hard)
    return values


@dataclass(frozen=True)
class Spec:
    """What every sandbox of one submission shares; a JSON object in the checks' run spec, so their
    process gets it too."""
    uid: int | None            # None: run as this user, in a user namespace (not root)
    readable: tuple = ()       # extra read-only folders (the datasets)
    limits: Limits = field(default_factory=Limits)

    def to_dict(self):
        """The spec as a dict of JSON values (what `from_dict` reads back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw):
        """The spec that `to_dict` gave `raw`."""
        return cls(raw["uid"], tuple(raw["readable"]), Limits(**raw["limits"]))


def unavailable():
    """Why student code cannot be sandboxed on this machine, or None when it can."""
    if sys.platform != "linux":
        return f"bubblewrap sandboxes need Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap; scripts/setup.sh does)"
    probe = subprocess.run(["bwrap", *namespaces(os.geteuid() != 0), "--ro-bind", "/", "/", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip()[:200]}"
    return None


def namespaces(user):
    """bwrap's namespace options: every namespace, the user one only when not root."""
    return ["--unshare-user"] * user + ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                                        "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                                        "--hostname", "sandbox"]


@contextlib.contextmanager
def slot(readable=(), limits=Limits()):
    """The Spec of one submission's sandboxes, with a uid of its own held (file lock) until the
    block ends; as a non-root grader, the grader's own uid in a user namespace."""
    import fcntl

    if os.geteuid() != 0:
        yield Spec(None, tuple(readable), limits)
        return
    folder = slot_folder()
    for uid in UIDS:
        if uid_in_use_by_an_account(uid):
            continue
        fd = os.open(os.path.join(folder, f"{uid}.lock"), os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            kill_uid(uid)  # whatever a crashed grader left behind
            try:
                yield Spec(uid, tuple(readable), limits)
            finally:
                kill_uid(uid)
            return
    raise SandboxError(f"all {len(UIDS)} sandbox uids ({UIDS.start}-{UIDS.stop - 1}) are in use")


def slot_folder():
    """Where the slots' lock files are: one folder per machine whatever TMPDIR says (two graders
    must see each other's locks), root's own (nobody else may create or replace it)."""
    folder = "/run/gradekit-slots" if os.path.isdir("/run") else "/tmp/gradekit-slots"
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise SandboxError(f"{folder} is not a folder only root can write: remove it")
    return folder


def uid_in_use_by_an_account(uid):
    import pwd

    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


class Sandbox:
    """One sandboxed process tree: `command(argv)` wraps a command line, `close()` ends it all."""

    def __init__(self, spec, writable=(), readable=(), cwd=None, env=None):
        self.spec = spec
        self.writable = [os.path.abspath(p) for p in writable]
        self.readable = [os.path.abspath(p) for p in (*spec.readable, *readable)]
        self.cwd = os.path.abspath(cwd or (self.writable or ["/"])[0])
        self.env = dict(env or {})
        self.cgroups = Cgroups(spec.limits) if spec.uid is not None else None
        self.stopped = None  # why the watchdog stopped it
        self._done = threading.Event()
        for path in self.writable:
            give(path, spec.uid)
        threading.Thread(target=self._watch, daemon=True).start()

    def command(self, argv):
        """`argv`, to be run inside this sandbox (the first process joins its cgroups itself)."""
        limits = self.spec.limits
        wanted = {"nproc": limits.processes, "cpu": limits.cpu_seconds, "fsize": limits.file_mb << 20,
                  "nofile": limits.open_files}
        if self.cgroups is None or not self.cgroups.memory:
            wanted["as"] = limits.memory_mb << 20
        rlimits = [f"--{name}={value}" for name, value in capped(wanted).items()]
        drop = [] if self.spec.uid is None else [
            "/usr/bin/setpriv", f"--reuid={self.spec.uid}", f"--regid={self.spec.uid}", "--clear-groups",
            "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "--"]
        inner = [*drop, "/usr/bin/prlimit", *rlimits, "--", *argv]
        bwrap = ["bwrap", *namespaces(self.spec.uid is None), *self.mounts(), "--chdir", self.cwd,
                 "--clearenv", *self.environment(), "--", *inner]
        if self.cgroups is None:
            return bwrap
        join = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
        return ["/bin/sh", "-c", join, "sh", *self.cgroups.procs_files(), "--", *bwrap]

    def mounts(self):
        """A read-only system, Python and the runtime; the given folders; private /tmp, /proc, /dev."""
        args = []
        for path in SYSTEM:
            args += ["--ro-bind", path, path]
        for path in MERGED:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
        pythons = {sys.prefix, sys.base_prefix, os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
        made = {"/", "/tmp"}
        for path, mode in [*((p, "--ro-bind") for p in sorted(pythons) + [RUNTIME] + self.readable),
                           *((p, "--bind") for p in self.writable)]:
            for parent in parents(path):
                if parent not in made:
                    made.add(parent)
                    args += ["--perms", "0755", "--dir", parent]
            args += [mode, path, path]
            made.add(path)
        return args

    def environment(self):
        """Only what the program needs: no variable of the grader's reaches student code."""
        env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1", "MPLCONFIGDIR": "/tmp/matplotlib",
               "IPYTHONDIR": "/tmp/ipython", "XDG_CACHE_HOME": "/tmp/cache", "TORCH_HOME": "/tmp/torch",
               **{k: os.environ[k] for k in PASSED_ENV if k in os.environ}, **self.env}
        return [arg for name, value in env.items() for arg in ("--setenv", name, str(value))]

    def _watch(self):
        """Stop the sandbox when it outlives its wall clock or fills the disk."""
        started, limits = time.monotonic(), self.spec.limits
        while not self._done.wait(1.0):
            if time.monotonic() - started > limits.wall_seconds:
                self._stop(f"ran longer than the sandbox's {limits.wall_seconds:g} s wall-clock limit")
            elif sum(disk_usage(p) for p in self.writable) > limits.disk_mb << 20:
                self._stop(f"wrote more than the sandbox's {limits.disk_mb} MB disk limit")

    def _stop(self, why):
        self.stopped = why
        self.kill()

    def out_of_memory(self):
        """True when the memory cgroup had to kill a process of this sandbox."""
        return self.cgroups is not None and self.cgroups.out_of_memory()

    def why(self):
        """Why the sandbox ended its program early, as words for a message, or ''."""
        if self.stopped:
            return self.stopped
        if self.out_of_memory():
            return f"ran out of memory (the sandbox's limit is {self.spec.limits.memory_mb} MB)"
        return ""

    def kill(self):
        """SIGKILL every process of the sandbox."""
        if self.cgroups is not None:
            self.cgroups.kill()
        if self.spec.uid is not None:
            kill_uid(self.spec.uid)

    def close(self):
        """Kill everything the sandbox started and remove its cgroups."""
        self._done.set()
        self.kill()
        if self.cgroups is not None:
            self.cgroups.remove()


def parents(path):
    """The folders above `path`, outermost first (not `/`)."""
    found, head = [], os.path.dirname(path)
    while head not in ("/", ""):
        found.append(head)
        head = os.path.dirname(head)
    return found[::-1]


def give(path, uid):
    """Make `path` (recursively, links not followed) the sandbox uid's, so that it can write there."""
    if uid is None:
        return
    os.makedirs(path, exist_ok=True)
    os.chown(path, uid, uid, follow_symlinks=False)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def disk_usage(path):
    """Bytes in the files under `path` (links not followed)."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                pass
    return total


def kill_uid(uid):
    """SIGKILL every process owned by `uid` (a sandbox uid: they all belong to one slot)."""
    kill_until_gone(lambda: processes_of(uid))


def kill_until_gone(listed):
    """SIGKILL the processes `listed()` names until it names none (a fork races a single pass)."""
    for _ in range(50):
        pids = set(listed())
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)


def processes_of(uid):
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    yield int(entry)
            except FileNotFoundError:
                pass


class Cgroups:
    """A memory and a pids cgroup (v1 or v2) under this process's own, where the machine lets us."""

    def __init__(self, limits):
        self.memory = self.pids = None
        self.limits = limits
        name = f"gradekit-{os.getpid()}-{time.monotonic_ns()}"
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):  # v2: one folder for both
            folder = make(own_cgroup("", "/sys/fs/cgroup"), name)
            if folder and write(folder, "memory.max", limits.memory_mb << 20):
                write(folder, "memory.swap.max", 0)
                self.memory = folder
            if folder and write(folder, "pids.max", limits.processes):
                self.pids = folder
            return
        memory = make(own_cgroup("memory", "/sys/fs/cgroup/memory"), name)
        if memory and write(memory, "memory.limit_in_bytes", limits.memory_mb << 20):
            write(memory, "memory.memsw.limit_in_bytes", limits.memory_mb << 20)
            self.memory = memory
        pids = make(own_cgroup("pids", "/sys/fs/cgroup/pids"), name)
        if pids and write(pids, "pids.max", limits.processes):
            self.pids = pids

    def folders(self):
        return sorted({f for f in (self.memory, self.pids) if f})

    def procs_files(self):
        return [os.path.join(f, "cgroup.procs") for f in self.folders()]

    def out_of_memory(self):
        if not self.memory:
            return False
        for name, key in (("memory.oom_control", "oom_kill"), ("memory.events", "oom_kill")):
            try:
                with open(os.path.join(self.memory, name)) as f:
                    for line in f:
                        if line.split()[:1] == [key] and int(line.split()[1]) > 0:
                            return True
            except OSError:
                continue
        return False

    def kill(self):
        kill_until_gone(lambda: [int(p) for f in self.procs_files() for p in read_lines(f)])

    def remove(self):
        for folder in self.folders():
            for _ in range(50):
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    self.kill()
                    time.sleep(0.05)


def own_cgroup(controller, mount):
    """This process's cgroup folder of `controller` ('' for v2), or None."""
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                if controller in controllers.split(",") or (controller == "" and controllers == ""):
                    folder = os.path.join(mount, path.lstrip("/"))
                    return folder if os.path.isdir(folder) else None
    except OSError:
        pass
    return None


def make(parent, name):
    if parent is None:
        return None
    try:
        folder = os.path.join(parent, name)
        os.mkdir(folder)
        return folder
    except OSError:
        return None


def write(folder, name, value):
    try:
        with open(os.path.join(folder, name), "w") as f:
            f.write(str(value))
        return True
    except OSError:
        return False


def read_lines(path):
    try:
        with open(path) as f:
            return [line.strip() for line in f if line.strip()]
    except OSError:
        return []


class Capture:
    """A pipe for a sandboxed program's raw output: the first `limit` bytes kept, the rest counted."""

    def __init__(self, limit):
        self.limit, self.kept, self.dropped = limit, bytearray(), 0
        self.tail = b""
        read, self.fd = os.pipe()
        self._thread = threading.Thread(target=self._drain, args=(read,), daemon=True)
        self._thread.start()

    def _drain(self, fd):
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                room = self.limit - len(self.kept)
                self.kept += chunk[:max(room, 0)]
                self.dropped += max(len(chunk) - max(room, 0), 0)
                self.tail = (self.tail + chunk)[-4096:]

    def close_writer(self):
        """Call once the program holds the writing end (after Popen): EOF comes when it exits."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def text(self):
        """What was kept, and a line saying how much was dropped."""
        text = self.kept.decode(errors="replace")
        return text + (f"\n[{self.dropped} more bytes of output dropped]" if self.dropped else "")

    def last_lines(self, n=3):
        """The last `n` lines the program wrote (after it has exited, all of them are in)."""
        self._thread.join(timeout=1.0)
        return self.tail.decode(errors="replace").strip().splitlines()[-n:]
