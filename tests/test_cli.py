"""The `gradekit grade` command: progress bar, score table, gradebook, and no lost work."""
import csv
import os
import subprocess
import sys

import pytest


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
    assert done.returncode == 0, done.stderr
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
