"""`gradekit class`: a deterministic class of submissions to grade, with the score each must get.

Submission `s001`, `s002`, ... is drawn (`random.Random(seed)`) from a mixture meant to look like
a real class, most near full marks and a few low:

- 30 %: the reference solution;
- 65 %: the reference with one (half of them), two or three bugs of the assignment's mutant
  catalogue (`autograder/<assignment>/mutants.py`), planted with `examples.plant`; the bugs of one
  submission sit in different files, so that each one's text is found and their losses add up;
- 5 %: the untouched release (it earns 0: every function is a stub and every notebook stops);
- and 15 % of the others also have one notebook missing (its file deleted) or failing (a cell
  reading an undefined name inserted right before the cell that saves its artefacts: the notebook
  runs, then stops before saving).

`DIR/expected.json` holds each submission's recipe and its expected score and max score, in total
and per notebook, computed from the autograder's manifest (each test's points, notebook and
whether it reads artefacts) and the catalogue's `fails` lists, never by grading: a test earns its
points unless a bug of the recipe lists it in `fails`, or it reads the artefacts of a notebook
that is missing or failing.
"""
import json
import os
import random
import shutil
import tempfile

import nbformat

from gradekit.authoring import examples, reference

KINDS = {"reference": 30, "bugs": 65, "untouched_release": 5}
BUG_COUNTS = {1: 50, 2: 30, 3: 20}
BROKEN_SHARE = 0.15
FAILING_CELL = "# left from an earlier attempt\nprint(f'best model so far: {best_model_so_far}')"
COPY_IGNORING = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ipynb_checkpoints")


def recipes(assignment, size, seed):
    """The class's `size` recipes ({student_id, kind, bugs, missing, failing}), the same for the same
    size and seed; ValueError if size is below 1."""
    if size < 1:
        raise ValueError(f"--size must be at least 1 (got {size})")
    rng = random.Random(seed)
    catalogue = examples.mutants(assignment).MUTANTS
    return [draw(rng, f"s{number:03d}", catalogue, assignment.notebooks) for number in range(1, size + 1)]


def draw(rng, student_id, catalogue, notebooks):
    """One submission's recipe drawn from the mixture of the module's docstring."""
    kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
    recipe = {"student_id": student_id, "kind": kind, "bugs": [], "missing": [], "failing": []}
    if kind == "bugs":
        count = rng.choices(list(BUG_COUNTS), weights=list(BUG_COUNTS.values()))[0]
        recipe["bugs"] = bugs_in_different_files(rng, catalogue, count)
    if kind != "untouched_release" and rng.random() < BROKEN_SHARE:
        recipe[rng.choice(["missing", "failing"])] = [rng.choice(notebooks)]
    return recipe


def bugs_in_different_files(rng, catalogue, count):
    """Up to `count` catalogue bug names, each in a file no other one changes."""
    chosen, files = [], set()
    for mutant in rng.sample(catalogue, len(catalogue)):
        if mutant["file"] not in files and len(chosen) < count:
            chosen.append(mutant["name"])
            files.add(mutant["file"])
    return chosen


def expected(recipe, manifest, catalogue, notebooks):
    """{score, max_score, notebooks: {name: {score, max_score}}} the recipe must get on the tests of
    `notebooks` (from the manifest and the catalogue's `fails`, without grading)."""
    fails = {mutant["name"]: set(mutant["fails"]) for mutant in catalogue}
    lost = set().union(*(fails[name] for name in recipe["bugs"]))
    broken = set(recipe["missing"]) | set(recipe["failing"])
    scores = {}
    for name in notebooks:
        tests = [t for t in manifest if t["notebook"] == name]
        earned = [t["points"] for t in tests if recipe["kind"] != "untouched_release" and t["id"] not in lost
                  and not (t["reads_artifacts"] and name in broken)]
        scores[name] = {"score": float(sum(earned)), "max_score": float(sum(t["points"] for t in tests))}
    return {"score": sum(s["score"] for s in scores.values()),
            "max_score": sum(s["max_score"] for s in scores.values()), "notebooks": scores}


def write(assignment, dest, size, seed, manifest):
    """Write the class's submissions into `dest/<student_id>` (each replaced if it exists) and
    `dest/expected.json`; returns the expected.json entries (recipe and expected scores)."""
    catalogue = examples.mutants(assignment).MUTANTS
    drawn = recipes(assignment, size, seed)
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradekit-class-") as scratch:
        solved = reference.write(assignment, os.path.join(scratch, "reference"))
        for recipe in drawn:
            build(assignment, recipe, solved, catalogue, os.path.join(dest, recipe["student_id"]))
    entries = [dict(recipe, **expected(recipe, manifest, catalogue, assignment.notebooks)) for recipe in drawn]
    with open(os.path.join(dest, "expected.json"), "w") as f:
        json.dump({"assignment": assignment.name, "size": size, "seed": seed, "submissions": entries},
                  f, indent=1, sort_keys=True)
    return entries


def build(assignment, recipe, solved, catalogue, folder):
    """Write the submission of `recipe` into `folder` from the reference `solved` or the release."""
    shutil.rmtree(folder, ignore_errors=True)
    start = assignment.release if recipe["kind"] == "untouched_release" else solved
    shutil.copytree(start, folder, ignore=COPY_IGNORING)
    by_name = {mutant["name"]: mutant for mutant in catalogue}
    for name in recipe["bugs"]:
        examples.plant(by_name[name], folder)
    for name in recipe["missing"]:
        os.remove(os.path.join(folder, f"{name}.ipynb"))
    for name in recipe["failing"]:
        make_fail_before_saving(os.path.join(folder, f"{name}.ipynb"))


def make_fail_before_saving(path):
    """Insert a cell raising NameError right before the notebook's first cell that saves an artefact
    (the first code cell using `artifacts_dir` after the parameters cell), or at its end if none."""
    notebook = nbformat.read(path, as_version=4)
    saving = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
              and "artifacts_dir" in cell.source and "parameters" not in cell.metadata.get("tags", [])]
    at = saving[0] if saving else len(notebook.cells)
    notebook.cells.insert(at, nbformat.v4.new_code_cell(FAILING_CELL, id="gradekit-class-failing"))
    nbformat.write(notebook, path)
