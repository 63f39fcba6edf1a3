"""The roster (gradekit/export/roster.py) and the gradebook it names (report.write_gradebook)."""
import csv
import os
import tempfile

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradekit.pipeline import report
from gradekit.export import roster
from gradekit.pipeline.unpack import id_key

pytestmark = pytest.mark.unit

CANVAS_EXPORT = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Assignment 1 (12345),submission
    Points Possible,,,,,100,
"Smith, John",101,S-1,jsmith,CS231n-01,,smith_john_101
"Doe, Jane",102,S-2,jdoe,CS231n-02,,
"""


def write(tmp_path, text, name="roster.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_canvas_export_plus_a_submission_column_is_a_roster(tmp_path):
    loaded = roster.load(write(tmp_path, CANVAS_EXPORT))
    assert loaded.students == (
        roster.Student("jsmith", "smith_john_101", "Smith, John", "101", "S-1", "CS231n-01"),
        roster.Student("jdoe", "", "Doe, Jane", "102", "S-2", "CS231n-02"))


def test_submission_names_match_ignoring_case_and_nothing_else(tmp_path):
    loaded = roster.load(write(tmp_path, CANVAS_EXPORT))
    assert loaded.find("Smith_John_101").login_id == "jsmith"
    assert loaded.unmatched(["smith_john_101", "smith_john", "smith_john_1011", "jsmith"]) == \
        ["smith_john", "smith_john_1011", "jsmith"]


def test_a_student_without_a_submission_is_one_without_result(tmp_path):
    loaded = roster.load(write(tmp_path, CANVAS_EXPORT))
    assert [s.login_id for s in loaded.without_result(["smith_john_101"])] == ["jdoe"]


def test_a_missing_column_is_named_with_the_file_and_line(tmp_path):
    path = write(tmp_path, "Submission,Login\nalice,a1\n")
    with pytest.raises(roster.RosterError, match=rf"^{path}: line 1: no column 'SIS Login ID' in the header"):
        roster.load(path)


def test_an_empty_file_is_refused_naming_it(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(roster.RosterError, match=rf"^{path}: empty file"):
        roster.load(path)


def test_a_header_without_students_is_refused(tmp_path):
    path = write(tmp_path, "Submission,SIS Login ID\n")
    with pytest.raises(roster.RosterError, match=rf"^{path}: no students"):
        roster.load(path)


def test_a_submission_given_twice_is_refused_naming_both_lines(tmp_path):
    path = write(tmp_path, 'Submission,SIS Login ID,Student\nalice,a1,"Liddell,\nAlice"\nALICE,a2,x\n')
    with pytest.raises(roster.RosterError, match=rf"^{path}: line 4: Submission 'ALICE' is already that of line 2$"):
        roster.load(path)


def test_a_login_id_given_twice_is_refused(tmp_path):
    path = write(tmp_path, "Submission,SIS Login ID\nalice,a1\nbob,a1\n")
    with pytest.raises(roster.RosterError, match=rf"^{path}: line 3: SIS Login ID 'a1' is already that of line 2$"):
        roster.load(path)


def test_a_submission_without_login_id_is_refused_naming_its_line(tmp_path):
    path = write(tmp_path, "Submission,SIS Login ID\nalice,a1\nbob,\n")
    with pytest.raises(roster.RosterError, match=rf"^{path}: line 3: submission 'bob' has no SIS Login ID$"):
        roster.load(path)


def test_a_file_that_is_not_utf8_is_refused_in_one_line(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"Submission,SIS Login ID\nj\xe9r\xf4me,j1\n")
    with pytest.raises(roster.RosterError, match=rf"^{path}: cannot read the roster"):
        roster.load(str(path))


# Text a roster may hold: commas, quotes, line breaks, unicode, leading formula characters.
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(',"\n=+-@'), max_size=20) \
    .map(str.strip).filter(bool)


@st.composite
def students(draw):
    """Roster Students with unique submission names and login ids (ignoring case)."""
    rows = draw(st.lists(st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT), min_size=1, max_size=8,
                         unique_by=(lambda r: id_key(r[0]), lambda r: id_key(r[1]))))
    return [roster.Student(login, submission, name, canvas, sis, section)
            for submission, login, name, canvas, sis, section in rows]


@settings(max_examples=200, deadline=None)
@given(students())
def test_any_roster_written_by_the_csv_module_reads_back_the_same(given_students):
    assume(given_students)
    header = ["Section", "SIS Login ID", "Student", "submission", "ID", "SIS User ID", "Notes"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "roster.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            for s in given_students:
                writer.writerow([s.section, s.login_id, s.name, s.submission, s.canvas_id, s.sis_user_id, "x"])
        assert roster.load(path).students == tuple(given_students)


def result(out, student, score, status="graded"):
    report.write_result(os.path.join(out, student), {
        "assignment": "assignment1", "student_id": student, "timestamp": "2026-01-02T03:04:05+00:00",
        "status": status, "error": None if status == "graded" else "boom", "score": score, "max_score": 20.0,
        "notebooks": {"knn": {"score": score, "max_score": 20.0}}, "tests": []})


def gradebook(out):
    with open(os.path.join(out, "gradebook.csv"), newline="") as f:
        return list(csv.DictReader(f))


def test_with_a_roster_gradebook_rows_are_named_by_login_id_and_keep_the_submission(tmp_path):
    out = str(tmp_path / "out")
    result(out, "smith_john_101", 15.0)
    result(out, "stranger", 5.0)
    report.write_gradebook(out, ["knn"], report.Extras(roster=roster.load(write(tmp_path, CANVAS_EXPORT))))
    assert [(r["student_id"], r["submission"], r["score"]) for r in gradebook(out)] == \
        [("jsmith", "smith_john_101", "15.0"), ("stranger", "stranger", "5.0")]


def test_without_a_roster_the_gradebook_has_its_usual_columns(tmp_path):
    out = str(tmp_path / "out")
    result(out, "alice", 15.0)
    report.write_gradebook(out, ["knn"])
    assert gradebook(out) == [{"assignment": "assignment1", "student_id": "alice",
                               "timestamp": "2026-01-02T03:04:05+00:00", "raw_score": "15.0", "score": "15.0",
                               "max_score": "20.0", "knn": "15.0", "status": "graded"}]


def test_a_roster_id_starting_with_a_formula_character_is_neutralised_in_the_gradebook(tmp_path):
    out = str(tmp_path / "out")
    result(out, "alice", 15.0)
    path = write(tmp_path, 'Submission,SIS Login ID\nalice,"=HYPERLINK(""http://x"")"\n')
    report.write_gradebook(out, ["knn"], report.Extras(roster=roster.load(path)))
    assert gradebook(out)[0]["student_id"] == "'=HYPERLINK(\"http://x\")"


@given(st.text())
def test_no_cell_made_spreadsheet_safe_starts_a_formula(text):
    safe = report.spreadsheet_safe(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe in (text, "'" + text)
