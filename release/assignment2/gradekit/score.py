"""Stage 4: points per test summed per notebook and for the assignment."""


def score(assignment, manifest, outcomes, execution, failure=None):
    """Merge the manifest (every test) with the outcomes; a test without one gets 0 and a reason."""
    by_id = {t["id"]: t for t in outcomes}
    tests = []
    for item in manifest:
        outcome = by_id.get(item["id"])
        if outcome is None:
            outcome = dict(item, earned=0.0, status="error",
                           message=failure or "the check did not run")
        tests.append(outcome)
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
