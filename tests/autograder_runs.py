"""Running an assignment's autograder without executing notebooks (shared by the tests)."""
import ast
import json
import os
import re
import shutil

from gradekit.pipeline import check

ASSIGNMENTS = ["assignment1", "assignment2", "assignment3"]
NOT_EXECUTED = "not executed: this run checks functions only"


def function_checks(manifests, name):
    """The ids of the checks that call functions (they read no saved model)."""
    return {t["id"] for t in manifests[name] if not t["reads_artifacts"]}


def run_function_checks(assignment, root, work, data_dir, seed=2024, paths=None, threads=None):
    """{test id: outcome} of the autograder (or of its test files `paths`) on the package in
    `root`, notebooks not executed (`threads`: BLAS threads of its processes)."""
    os.makedirs(work, exist_ok=True)
    execution = os.path.join(work, "execution.json")
    with open(execution, "w") as f:
        json.dump({name: {"status": "skipped", "message": NOT_EXECUTED} for name in assignment.notebooks}, f)
    results = check.check(assignment, root, os.path.join(work, "artifacts"), execution,
                          os.path.join(work, "checks.json"), data_dir, seed=seed, call_timeout=120,
                          paths=paths, threads=threads)
    return {t["id"]: t for t in results["tests"]}


def changed_reference_checks(assignment, tmp_path, data_dir, test_files, module=None, change=None,
                             folders=("public", "hidden")):
    """{test id: outcome} of the function checks (those reading no trained model) of the test files
    named `test_files` in `folders`, on a copy of the reference package whose `module` (e.g.
    "cs231n/layers.py") `change` rewrites (its text -> the new text; none: the reference itself)."""
    root = tmp_path / "submission"
    shutil.copytree(assignment.solutions, root)
    if module:
        path = root / module
        path.write_text(change(path.read_text()))
    paths = [os.path.join(assignment.autograder, folder, name) for name in test_files for folder in folders]
    outcomes = run_function_checks(assignment, str(root), str(tmp_path / "work"), data_dir, paths=paths, threads=1)
    return {test: outcome for test, outcome in outcomes.items() if not outcome["reads_artifacts"]}


def checks_of(assignment, tmp_path, data_dir, notebook, module=None, appended=""):
    """`changed_reference_checks` of `notebook`'s public and hidden test files, with `appended`
    added at the end of `module`."""
    return changed_reference_checks(assignment, tmp_path, data_dir, [f"test_{notebook}.py"], module,
                                    lambda text: text + appended)


def assert_fails_naming(outcomes, checks):
    """Every check in `checks` ({test id: the function its message must name}) earned nothing with
    a message naming its function; the others passed."""
    wrong = {test: (o["status"], o["earned"], o["message"]) for test, o in outcomes.items()
             if test in checks and (o["status"] != "failed" or o["earned"] or checks[test] not in o["message"])}
    assert wrong == {}
    kept = {test: o["message"] for test, o in outcomes.items() if test not in checks and o["status"] != "passed"}
    assert kept == {}
    assert set(checks) <= set(outcomes), sorted(set(checks) - set(outcomes))


def reaching_test_files(assignment, module_file):
    """The autograder test files whose checks can call code of `module_file` (e.g.
    "cs231n/net_visualization.py"): those naming, themselves or through the gradekit.autograde
    helpers they import, a module of the package that is that module or imports it (directly or
    through other modules). Checks elsewhere call no code a change to that file can alter."""
    importers = modules_importing(assignment.solutions, module_name(module_file))
    found = []
    for folder in ("public", "hidden"):
        directory = os.path.join(assignment.autograder, folder)
        for name in sorted(os.listdir(directory)):
            if name.startswith("test_") and name.endswith(".py"):
                text = text_with_helpers(os.path.join(directory, name))
                if any(re.search(re.escape(module) + r"\b", text) for module in importers):
                    found.append(os.path.join(directory, name))
    return found


def module_name(path):
    return path[:-len(".py")].replace("/", ".").removesuffix(".__init__")


def modules_importing(root, target):
    """`target` and every module of the packages in `root` that imports it, transitively."""
    paths = {}
    for folder, _, files in os.walk(root):
        paths.update({module_name(os.path.relpath(os.path.join(folder, name), root)): os.path.join(folder, name)
                      for name in files if name.endswith(".py")})
    imports = {module: imported_modules(path, set(paths)) for module, path in paths.items()}
    reached, changed = {target}, True
    while changed:
        new = {module for module, names in imports.items() if module not in reached and names & reached}
        reached |= new
        changed = bool(new)
    return reached


def imported_modules(path, known):
    """The modules of `known` that a module imports (`from a import b` imports a.b when that is a
    module, else a)."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module)
    return names & known


def text_with_helpers(path):
    """The string constants of a test file's code (docstrings left out), and those of the
    gradekit.autograde modules it imports: where checks name the functions they call."""
    import gradekit.autograde

    strings = code_strings(path)
    helpers = os.path.dirname(gradekit.autograde.__file__)
    with open(path) as f:
        for name in sorted(set(re.findall(r"gradekit\.autograde\.(\w+)", f.read()))):
            if os.path.exists(os.path.join(helpers, name + ".py")):
                strings += code_strings(os.path.join(helpers, name + ".py"))
    return "\n".join(strings)


def code_strings(path):
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]
