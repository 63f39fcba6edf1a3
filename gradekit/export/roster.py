"""The course roster: which student each submission belongs to, read from a CSV file.

Columns (header names are matched ignoring case and surrounding spaces; the order is free; other
columns are ignored, so a Canvas gradebook export plus one `Submission` column is a roster):

    Submission      the submission's name: gradekit's student_id, the folder or zip name (required)
    SIS Login ID    the student's login id: gradebook rows and nbgrader are named by it (required)
    Student         the student's name as Canvas writes it ("Last, First")       (optional)
    ID              the student's Canvas user ID                                 (optional)
    SIS User ID     the student's id in the institution's SIS                   (optional)
    Section         the student's section                                        (optional)

A row with a login id but no submission is a student who handed nothing in; a row with neither
(Canvas's "Points Possible" row among them) is skipped. Submission names and login ids are unique
ignoring case (`unpack.id_key`, as gradekit's student_ids), and submission names match that way;
nothing else is matched: a submission name not in the roster is listed as unmatched, never guessed.
"""
import csv
import dataclasses
import functools
import os

from gradekit.pipeline.unpack import id_key, shown

SUBMISSION, LOGIN, NAME, CANVAS_ID, SIS_ID, SECTION = ("Submission", "SIS Login ID", "Student", "ID",
                                                       "SIS User ID", "Section")
REQUIRED = (SUBMISSION, LOGIN)
OPTIONAL = (NAME, CANVAS_ID, SIS_ID, SECTION)


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file (and line) in one line."""


@dataclasses.dataclass(frozen=True)
class Student:
    login_id: str
    submission: str = ""  # "" for a student who handed nothing in
    name: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    section: str = ""


@dataclasses.dataclass(frozen=True)
class Roster:
    path: str
    students: tuple

    def find(self, submission):
        """The student whose submission name is `submission` (ignoring case), or None."""
        return self.by_submission.get(id_key(submission))

    def unmatched(self, submissions):
        """The submission names (in the order given) that are no student's."""
        return [name for name in submissions if self.find(name) is None]

    def without_result(self, submissions):
        """The roster's students whose submission is not among `submissions`."""
        given = {id_key(name) for name in submissions}
        return [s for s in self.students if not s.submission or id_key(s.submission) not in given]

    @functools.cached_property
    def by_submission(self):
        """{id_key of a submission name: its Student}, built once (the gradebook looks up every row)."""
        return {id_key(s.submission): s for s in self.students if s.submission}


def partition(results, roster=None):
    """(the results to export, those not in `roster`, those whose grading failed), each in the
    order given; without a roster every result is matched."""
    unmatched = [r for r in results if roster is not None and roster.find(r["student_id"]) is None]
    failed = [r for r in results if r.get("status") == "failed" and r not in unmatched]
    return [r for r in results if r not in unmatched and r not in failed], unmatched, failed


def load(path):
    """The roster in the CSV file `path`; RosterError for an unreadable or empty file, a missing
    column, a row with a submission but no login id, or a submission or login id given twice
    (ignoring case)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = numbered_rows(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"{shown(path)}: cannot read the roster: {exc}") from exc
    if not rows or not any(cell.strip() for cell in rows[0][1]):
        raise RosterError(f"{shown(path)}: empty file: a roster needs a header with the columns "
                          f"{', '.join(REQUIRED)}")
    columns = header_columns(path, rows[0][1])
    students = [(line, student) for line, row in rows[1:]
                if (student := parse_row(path, line, row, columns)) is not None]
    if not students:
        raise RosterError(f"{shown(path)}: no students below the header")
    check_unique(path, students)
    return Roster(os.fspath(path), tuple(student for _, student in students))


def numbered_rows(reader):
    """[(the line a row starts on, its cells)]: a quoted cell may span lines."""
    rows, line = [], 1
    for row in reader:
        rows.append((line, row))
        line = reader.line_num + 1
    return rows


def header_columns(path, header):
    """{column name: its index} for every known column in the header; RosterError naming a missing one."""
    found = {}
    for index, cell in enumerate(header):
        for name in (*REQUIRED, *OPTIONAL):
            if cell.strip().casefold() == name.casefold() and name not in found:
                found[name] = index
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise RosterError(f"{shown(path)}: line 1: no column {' or '.join(repr(m) for m in missing)} "
                          f"in the header (it has {', '.join(repr(c) for c in header)})")
    return found


def parse_row(path, line, row, columns):
    """The Student of one row, None for a row without submission and login id; RosterError for a
    submission without login id."""
    cell = {name: row[index].strip() if index < len(row) else "" for name, index in columns.items()}
    if not (cell[SUBMISSION] or cell[LOGIN]):
        return None
    if not cell[LOGIN]:
        raise RosterError(f"{shown(path)}: line {line}: submission {cell[SUBMISSION]!r} has no {LOGIN}")
    return Student(login_id=cell[LOGIN], submission=cell[SUBMISSION], name=cell.get(NAME, ""),
                   canvas_id=cell.get(CANVAS_ID, ""), sis_user_id=cell.get(SIS_ID, ""),
                   section=cell.get(SECTION, ""))


def check_unique(path, students):
    """RosterError naming the line of the first submission name or login id seen twice, given
    [(line, Student)]."""
    seen = {SUBMISSION: {}, LOGIN: {}}
    for line, student in students:
        for column, value in ((SUBMISSION, student.submission), (LOGIN, student.login_id)):
            if not value:
                continue
            key = id_key(value)
            if key in seen[column]:
                raise RosterError(f"{shown(path)}: line {line}: {column} {value!r} is already that of line "
                                  f"{seen[column][key]}")
            seen[column][key] = line
