"""The `gradekit grade` command: progress bar, score table, gradebook, and no lost work."""
import csv
import os
import subprocess
import sys
import threading

import pytest

pytestmark = pytest.mark.integration


def gradekit(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gradekit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture
def ungradable(tmp_path):
    (tmp_path / "dave").mkdir()
    (tmp_path / "dave" / "notes.txt").write_text("not an assignment")
    (tmp_path / "erin.zip").write_bytes(b"garbage")
    return [str(tmp_path / "dave"), str(tmp_path / "erin.zip")]


def test_ungradable_submissions_get_zero_and_a_reason_without_stopping_the_batch(tmp_path, ungradable, data_dir):
    done = gradekit("grade", "assignment1", *ungradable, "--out", str(tmp_path / "out"),
                    "--data-dir", data_dir, cwd=str(tmp_path))
    assert done.returncode == 1, done.stderr  # graded, but an instructor must look at them
    assert "grading assignment1" in done.stderr and "2/2" in done.stderr  # the progress bar
    assert "dave" in done.stdout and "0/100" in done.stdout
    assert "no assignment1 notebooks and no cs231n/ package" in done.stdout
    assert "erin.zip is neither a folder nor a zip file" in done.stdout


def test_a_second_batch_into_the_same_folder_keeps_the_first_batchs_rows(tmp_path, ungradable, data_dir):
    out = str(tmp_path / "out")
    gradekit("grade", "assignment1", ungradable[0], "--out", out, "--data-dir", data_dir, "--quiet", cwd=str(tmp_path))
    gradekit("grade", "assignment1", ungradable[1], "--out", out, "--data-dir", data_dir, "--quiet", cwd=str(tmp_path))
    with open(os.path.join(out, "gradebook.csv")) as f:
        assert {row["student_id"] for row in csv.DictReader(f)} == {"dave", "erin"}


def test_grading_without_data_says_how_to_get_it(tmp_path, ungradable):
    done = gradekit("grade", "assignment1", ungradable[0], "--out", str(tmp_path / "out"),
                    "--data-dir", str(tmp_path / "nothing"), cwd=str(tmp_path))
    assert done.returncode == 1 and "gradekit data cifar10" in done.stderr


def test_an_unknown_assignment_lists_the_known_ones(tmp_path):
    done = gradekit("grade", "assignment9", "x", "--out", str(tmp_path), cwd=str(tmp_path))
    assert done.returncode != 0 and "known: assignment1" in done.stderr


@pytest.mark.parametrize("name", ["...zip", "..zip", ".zip"])
def test_a_zip_named_to_escape_the_output_folder_is_refused_and_removes_nothing(tmp_path, data_dir, name):
    (tmp_path / "subs").mkdir()
    submission = tmp_path / "subs" / name
    submission.write_bytes(b"garbage")
    (tmp_path / "work" / "out" / "earlier").mkdir(parents=True)
    (tmp_path / "work" / "beside-out.txt").write_text("canary")
    (tmp_path / "work" / "out" / "earlier" / "result.json").write_text("{}")
    done = gradekit("grade", "assignment1", str(submission), "--out", str(tmp_path / "work" / "out"),
                    "--data-dir", data_dir, "--quiet", cwd=str(tmp_path))
    assert (tmp_path / "work" / "beside-out.txt").exists()
    assert (tmp_path / "work" / "out" / "earlier" / "result.json").exists()
    mentions = [line for line in done.stderr.splitlines() if str(submission) in line]
    assert done.returncode == 1
    assert len(mentions) == 1 and mentions[0].startswith(f"gradekit grade: {submission}: the name ")


def test_a_missing_submission_is_reported_in_one_line_and_gets_no_row(tmp_path, data_dir):
    done = gradekit("grade", "assignment1", "/no/such/path", "--out", str(tmp_path / "out"),
                    "--data-dir", data_dir, cwd=str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["gradekit grade: no such submission: /no/such/path"]
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_a_missing_submission_does_not_stop_the_others(tmp_path, ungradable, data_dir):
    out = str(tmp_path / "out")
    done = gradekit("grade", "assignment1", str(tmp_path / "nobody.zip"), ungradable[0], "--out", out,
                    "--data-dir", data_dir, "--quiet", cwd=str(tmp_path))
    assert done.returncode == 1
    assert f"gradekit grade: no such submission: {tmp_path / 'nobody.zip'}" in done.stderr.splitlines()
    with open(os.path.join(out, "gradebook.csv")) as f:
        assert [row["student_id"] for row in csv.DictReader(f)] == ["dave"]


def test_two_graders_in_one_checkout_collect_their_manifests_without_interfering(assignment1, monkeypatch):
    from gradekit.pipeline import check

    def files():
        return {os.path.relpath(os.path.join(d, name), assignment1.autograder)
                for d, dirs, names in os.walk(assignment1.autograder) if "__pycache__" not in d for name in names}

    # The worst interleaving, made certain: both collections have finished, then one grader reads
    # its manifest and cleans up before the other reads its own.
    before, run, lock, finished = files(), check.run, threading.Lock(), []
    both_collected, first_done = threading.Barrier(2, timeout=300), threading.Event()

    def collect_then_wait(command, timeout):
        completed = run(command, timeout)
        both_collected.wait()
        with lock:
            finished.append(command)
            second = len(finished) == 2
        if second:
            first_done.wait(timeout=300)
        return completed

    monkeypatch.setattr(check, "run", collect_then_wait)
    manifests, errors = [], []

    def grader():
        try:
            manifests.append(check.manifest(assignment1))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            first_done.set()

    threads = [threading.Thread(target=grader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(manifests) == 2 and manifests[0] == manifests[1] and len(manifests[0]) > 10
    assert files() == before


def test_reuse_executions_without_a_folder_is_the_store_in_the_users_cache(monkeypatch, tmp_path):
    from gradekit import cli

    monkeypatch.setenv("GRADEKIT_CACHE", str(tmp_path))
    assert cli.reuse_folder("") == str(tmp_path / "executions")
    assert cli.reuse_folder("DIR") == "DIR" and cli.reuse_folder(None) is None
