"""Running an assignment's autograder without executing notebooks (shared by the tests)."""
import ast
import json
import os
import re

from gradekit import check

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
