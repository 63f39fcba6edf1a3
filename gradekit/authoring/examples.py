"""`gradekit examples`: three example submissions to try the grader on.

- `reference`: the reference solution as a student would hand it in (full marks expected);
- `untouched_release`: the release as students receive it (zero expected);
- `partly_wrong`: the reference with the bugs of the assignment's mutant catalogue that its
  assignment.toml names (`[examples] partly_wrong`).
"""
import importlib.util
import os
import shutil

from gradekit.authoring import reference

def mutants(assignment):
    """The assignment's catalogue of planted bugs (autograder/<assignment>/mutants.py)."""
    path = os.path.join(assignment.autograder, "mutants.py")
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(assignment, dest):
    """Write the three example submissions into `dest`; returns their paths."""
    os.makedirs(dest, exist_ok=True)
    solved = reference.write(assignment, os.path.join(dest, "reference"))
    untouched = os.path.join(dest, "untouched_release")
    shutil.rmtree(untouched, ignore_errors=True)
    shutil.copytree(assignment.release, untouched)
    wrong = os.path.join(dest, "partly_wrong")
    shutil.rmtree(wrong, ignore_errors=True)
    shutil.copytree(solved, wrong)
    catalogue = {mutant["name"]: mutant for mutant in mutants(assignment).MUTANTS}
    unknown = [name for name in assignment.partly_wrong if name not in catalogue]
    if unknown or not assignment.partly_wrong:
        raise ValueError(f"autograder/{assignment.name}/assignment.toml: [examples] partly_wrong names "
                         + (f"no mutant of mutants.py called {', '.join(unknown)}" if unknown else "no mutant"))
    for name in assignment.partly_wrong:
        plant(catalogue[name], wrong)
    return [solved, untouched, wrong]


def plant(mutant, root):
    """Plant a catalogue bug in the submission folder `root` (its text must occur exactly once)."""
    path = os.path.join(root, mutant["file"])
    with open(path) as f:
        text = f.read()
    if text.count(mutant["find"]) != 1:
        raise ValueError(f"mutant {mutant['name']}: the text to replace occurs "
                         f"{text.count(mutant['find'])} times in {mutant['file']}")
    with open(path, "w") as f:
        f.write(text.replace(mutant["find"], mutant["replace"]))
