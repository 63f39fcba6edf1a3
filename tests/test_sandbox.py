"""The sandbox around student code: what a sandboxed process can see, write, reach and use."""
import os
import socket
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest

from gradekit import sandbox
from gradekit.pipeline import execute, grade

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(sandbox.unavailable() is not None, reason=f"no sandbox: {sandbox.unavailable()}")]


@pytest.fixture
def spec():
    with sandbox.slot(limits=sandbox.Limits(memory_mb=300, processes=64, wall_seconds=20)) as spec:
        yield spec


def run(spec, code, writable=(), timeout=30):
    """(exit code, output) of `code` run by Python inside a fresh sandbox, which is then closed."""
    box = sandbox.Sandbox(spec, writable=writable, env={"PYTHONPATH": os.path.dirname(sandbox.RUNTIME)})
    capture = sandbox.Capture(spec.limits.output_bytes)
    try:
        process = subprocess.Popen(box.command([sys.executable, "-u", "-c", textwrap.dedent(code)]),
                                   stdout=capture.fd, stderr=subprocess.STDOUT)
        capture.close_writer()
        code = process.wait(timeout)
    finally:
        box.close()
    capture.last_lines()
    return code, capture.text()


def test_the_solutions_and_the_autograder_are_not_there(spec):
    repo = os.path.dirname(sandbox.RUNTIME)
    code, out = run(spec, f"""
        import os
        print(sorted(os.listdir({repo!r})))
        print(os.path.exists({repo + '/solutions'!r}), os.path.exists({repo + '/autograder'!r}))
    """)
    assert code == 0 and "False False" in out and "solutions" not in out.splitlines()[0]


def test_it_runs_as_the_slots_unprivileged_uid_with_no_capabilities(spec):
    if spec.uid is None:
        pytest.skip("not root: the sandbox keeps the grader's uid")
    code, out = run(spec, "import os; print(os.getuid(), open('/proc/self/status').read().split('CapEff:')[1].split()[0])")
    assert out.split() == [str(spec.uid), "0000000000000000"]


def test_only_the_given_folders_are_writable(spec, tmp_path):
    job = tmp_path / "job"
    code, out = run(spec, f"""
        open({str(job / 'mine.txt')!r}, 'w').write('ok')
        for path in ({str(tmp_path / 'outside.txt')!r}, '/usr/evil', {sys.prefix + '/evil.pth'!r}):
            try:
                open(path, 'w')
                print('WROTE', path)
            except OSError as exc:
                print('refused', type(exc).__name__)
    """, writable=[str(job)])
    assert code == 0 and "WROTE" not in out and (job / "mine.txt").read_text() == "ok"
    assert not (tmp_path / "outside.txt").exists()


def test_there_is_no_network_not_even_the_graders_loopback(spec):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        code, out = run(spec, f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2)
                print("CONNECTED")
            except OSError as exc:
                print("refused", exc.errno)
        """)
    finally:
        listener.close()
    assert code == 0 and "refused" in out


def test_no_variable_of_the_graders_environment_reaches_it(spec, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "s3cret")
    code, out = run(spec, "import os; print(sorted(os.environ)); print(os.environ.get('GRADER_SECRET'))")
    assert "s3cret" not in out and "GRADER_SECRET" not in out


def test_other_processes_are_invisible(spec):
    code, out = run(spec, "import os; print(len([p for p in os.listdir('/proc') if p.isdigit()]))")
    assert int(out.split()[0]) <= 3  # bwrap's init, this process (and the listing itself)


def test_a_memory_bomb_is_killed_at_the_memory_limit_and_named(spec):
    box = sandbox.Sandbox(spec)
    try:
        code = subprocess.run(box.command([sys.executable, "-c", "x = bytearray(1_000_000_000)"])).returncode
        assert code != 0
        assert box.why() == "ran out of memory (the sandbox's limit is 300 MB)" or spec.uid is None
    finally:
        box.close()


UNDER_A_LOWER_ULIMIT = """
import json, resource, subprocess, sys
from gradekit import sandbox
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))  # a shared server's ulimit, below the sandbox's 1024
with sandbox.slot(limits=sandbox.Limits(wall_seconds=20)) as spec:
    box = sandbox.Sandbox(spec)
    try:
        code = "import resource; print(resource.getrlimit(resource.RLIMIT_NOFILE))"
        print(subprocess.run(box.command([sys.executable, "-c", code]), capture_output=True, text=True).stdout)
    finally:
        box.close()
"""


def test_a_lower_hard_limit_of_the_grader_caps_the_sandboxs_instead_of_failing_it():
    run = subprocess.run([sys.executable, "-c", UNDER_A_LOWER_ULIMIT], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.strip() == "(256, 256)"


def test_a_fork_bomb_is_bounded_by_the_process_limit(spec):
    started = time.monotonic()
    code, out = run(spec, """
        import os
        children = 0
        try:
            while True:
                if os.fork() == 0:
                    import time; time.sleep(60)
                children += 1
        except OSError as exc:
            print("stopped after", children, exc.errno)
    """)
    assert "stopped after" in out and int(out.split()[2]) < 64
    assert time.monotonic() - started < 20


def test_a_detached_process_does_not_outlive_the_sandbox(spec, tmp_path):
    marker = f"gradekit-detached-{os.getpid()}"
    run(spec, f"""
        import os, subprocess
        subprocess.Popen(["/bin/sh", "-c", "exec -a {marker} sleep 300"], start_new_session=True)
        print("started")
    """)
    time.sleep(0.5)
    alive = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert alive == []


def test_output_beyond_the_limit_is_counted_not_kept():
    capture = sandbox.Capture(limit=1000)
    os.write(capture.fd, b"x" * 5000)
    capture.close_writer()
    assert capture.last_lines() and capture.text().endswith("[4000 more bytes of output dropped]")


def test_a_kernel_cell_cannot_read_the_graders_files_and_its_processes_end_with_the_notebook(spec, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("answer")
    root = tmp_path / "submission"
    root.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(f"import os\nprint('SEEN' if os.path.exists({str(secret)!r}) else 'hidden')")]
    nbformat.write(notebook, str(root / "task.ipynb"))
    report = execute.execute_one(str(root), "task", str(tmp_path / "out"), {"artifacts_dir": str(root / "artifacts")},
                                 60, None, spec)
    executed = nbformat.read(str(tmp_path / "out" / "task.ipynb"), as_version=4)
    assert report["status"] == "ok" and "hidden" in executed.cells[-1].outputs[0]["text"]
    if spec.uid is not None:
        assert list(sandbox.processes_of(spec.uid)) == []


def test_grading_refuses_to_run_unsandboxed_unless_told(assignment1, tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bubblewrap is not installed")
    options = grade.Options(assignment1, str(tmp_path / "out"))
    with pytest.raises(sandbox.SandboxError, match="bubblewrap is not installed.*--no-sandbox"):
        grade.grade_all([str(tmp_path)], options, progress=False)
