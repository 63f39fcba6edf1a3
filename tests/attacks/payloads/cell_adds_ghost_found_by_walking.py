# gkatk: walk the filesystem for the gradebook and add a ghost student with full marks to it
import glob
import json
import os

folders = _gk_out_by_walking()
if not folders:
    raise RuntimeError("gkatk: no gradebook found by walking the filesystem")
for out in folders:
    ghost = {"assignment": "assignment1", "student_id": "atk-ghost", "status": "graded", "error": None,
             "score": 100, "max_score": 100, "notebooks": {}, "tests": []}
    for path in glob.glob(os.path.join(out, "*", "result.json"))[:1]:
        with open(path) as f:
            ghost = dict(json.load(f), student_id="atk-ghost", status="graded", error=None)
        ghost["score"] = ghost["max_score"]
        for test in ghost["tests"]:
            test.update(earned=test["points"], status="passed", message="")
        for notebook in ghost["notebooks"].values():
            notebook["score"] = notebook["max_score"]
    os.makedirs(os.path.join(out, "atk-ghost"), exist_ok=True)
    with open(os.path.join(out, "atk-ghost", "result.json"), "w") as f:
        json.dump(ghost, f)
    with open(os.path.join(out, "gradebook.csv"), "a") as f:
        f.write("assignment1,atk-ghost,,100,100,100\n")
    print("ghost added to", out)
