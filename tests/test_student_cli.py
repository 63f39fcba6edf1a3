"""`python -m gradekit` as a student runs it in a release: `data` and `submit`."""
import pytest

from gradekit import student_cli

pytestmark = pytest.mark.unit


def test_data_goes_where_the_releases_checks_look_for_it(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = autograder\ngradekit_data_dir = cs231n/datasets\n")
    assert student_cli.default_data_dir(tmp_path) == "cs231n/datasets"


def test_data_goes_to_data_outside_a_release(tmp_path):
    assert student_cli.default_data_dir(tmp_path) == "data"
