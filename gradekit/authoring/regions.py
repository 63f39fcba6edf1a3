"""Solution regions in the course package's .py files, and what replaces them.

In `solutions/` a region is

        ### BEGIN SOLUTION: what the student implements
        ...reference code...
        ### END SOLUTION

The release replaces it by a stub raising NotImplementedError that names the function and says
what to implement; the reference submission keeps the code between the course's START/END
comments, as a student's finished file looks.
"""
import ast
import re

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION(?::\s*(?P<text>.*?))?\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
START_MARK = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END_MARK = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"


class RegionError(ValueError):
    """A malformed region; the message names the file and line."""


def regions(text, filename="<source>"):
    """[(begin line, end line, indent, description, enclosing function)] with 1-based line numbers."""
    found, open_at = [], None
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_at:
                raise RegionError(f"{filename}:{number}: BEGIN SOLUTION inside the region opened at line {open_at[0]}")
            if not begin.group("text"):
                raise RegionError(f"{filename}:{number}: say what to implement: '### BEGIN SOLUTION: <text>'")
            open_at = (number, begin.group("indent"), begin.group("text"))
        elif end:
            if not open_at:
                raise RegionError(f"{filename}:{number}: END SOLUTION without BEGIN SOLUTION")
            found.append((*open_at[:1], number, *open_at[1:]))
            open_at = None
    if open_at:
        raise RegionError(f"{filename}:{open_at[0]}: BEGIN SOLUTION is never closed")
    functions = enclosing_functions(text, filename)
    return [(b, e, indent, desc, functions(b)) for b, e, indent, desc in found]


def enclosing_functions(text, filename):
    """A lookup from a line number to the qualified name of the innermost function around it."""
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(text, filename), "")

    def lookup(line):
        inside = [s for s in spans if s[0] <= line <= s[1]]
        if not inside:
            raise RegionError(f"{filename}:{line}: a solution region must be inside a function")
        return max(inside, key=lambda s: s[0])[2]

    return lookup


def stub(text, filename="<source>"):
    """The student's version: every region becomes a NotImplementedError stub."""
    return _rewrite(text, filename, lambda code, indent, desc, func: [
        indent + START_MARK,
        f"{indent}raise NotImplementedError({(func + ': ' + desc)!r})",
        indent + END_MARK,
    ])


def reveal(text, filename="<source>"):
    """The solved version: region code kept between the course's START/END comments."""
    return _rewrite(text, filename, lambda code, indent, desc, func: [
        indent + START_MARK, *code, indent + END_MARK])


def solution_lines(text, filename="<source>"):
    """The code lines inside regions (to prove none of them reaches a release)."""
    lines = text.splitlines()
    return [lines[i] for b, e, *_ in regions(text, filename) for i in range(b, e - 1)]


def _rewrite(text, filename, replacement):
    lines = text.splitlines()
    out, cursor = [], 0
    for begin, end, indent, desc, func in regions(text, filename):
        out.extend(lines[cursor:begin - 1])
        out.extend(replacement(lines[begin:end - 1], indent, desc, func))
        cursor = end
    out.extend(lines[cursor:])
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
