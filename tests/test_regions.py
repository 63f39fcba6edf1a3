"""Solution regions: stubbed in the release, kept in the reference, malformed ones refused."""
import pytest

from gradekit.authoring import regions

pytestmark = pytest.mark.unit

SOURCE = '''def add(x, y):
    """Add."""
    ### BEGIN SOLUTION: return the sum of x and y
    return x + y
    ### END SOLUTION


class Model:
    def predict(self, X):
        for row in X:
            ### BEGIN SOLUTION: yield the row's label
            yield row
            ### END SOLUTION
'''


def test_stub_raises_not_implemented_naming_the_function_and_the_task():
    text = regions.stub(SOURCE)
    assert "raise NotImplementedError('add: return the sum of x and y')" in text
    assert "raise NotImplementedError('Model.predict: yield the row\\'s label')" in text or \
        "Model.predict: yield the row's label" in text
    assert "return x + y" not in text and "yield row" not in text


def test_stubbed_code_is_valid_python_that_raises():
    namespace = {}
    exec(regions.stub(SOURCE), namespace)
    with pytest.raises(NotImplementedError, match="add: return the sum"):
        namespace["add"](1, 2)


def test_reveal_keeps_the_code_between_the_course_markers():
    namespace = {}
    text = regions.reveal(SOURCE)
    exec(text, namespace)
    assert namespace["add"](1, 2) == 3
    assert regions.START_MARK in text and "BEGIN SOLUTION" not in text


def test_solution_lines_are_the_region_bodies():
    assert regions.solution_lines(SOURCE) == ["    return x + y", "            yield row"]


@pytest.mark.parametrize("bad, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n", "say what to implement"),
    ("def f():\n    ### BEGIN SOLUTION: x\n    pass\n", "never closed"),
    ("def f():\n    pass\n    ### END SOLUTION\n", "without BEGIN"),
    ("### BEGIN SOLUTION: x\nA = 1\n### END SOLUTION\n", "inside a function"),
])
def test_malformed_regions_are_refused_with_file_and_line(bad, problem):
    with pytest.raises(regions.RegionError, match=problem) as error:
        regions.stub(bad, "pkg/mod.py")
    assert str(error.value).startswith("pkg/mod.py:")
