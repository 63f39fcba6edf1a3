"""Stage 4: points per test summed per notebook and for the assignment."""


def did_not_run(item, reason=None):
    """The outcome of a test that has none (it never ran, or never finished): 0 points, and why.
    The one place that words it: `score` uses it, and `gradekit.pipeline.check` for the tests a stopped
    run did not reach."""
    return dict(item, earned=0.0, status="error", message=f"did not run: {reason}" if reason else "did not run")


def score(assignment, manifest, outcomes, execution, failure=None):
    """Merge the manifest (every test) with the outcomes; a test without one gets 0 and a reason
    (`failure`, what stopped the grading, if any)."""
    by_id = {t["id"]: t for t in outcomes}
    tests = [by_id.get(item["id"]) or did_not_run(item, failure) for item in manifest]
    notebooks = {}
    for name in assignment.notebooks:
        mine = [t for t in tests if t["notebook"] == name]
        notebooks[name] = {
            "score": sum(t["earned"] for t in mine),
            "max_score": sum(t["points"] for t in mine),
            "execution": execution.get(name, {}),
        }
    return {
        "score": sum(n["score"] for n in notebooks.values()),
        "max_score": sum(n["max_score"] for n in notebooks.values()),
        "notebooks": notebooks,
        "tests": tests,
    }
