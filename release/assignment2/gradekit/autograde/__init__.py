"""The autograder runtime: what pytest checks need, shipped to students with the release.

Student code is reached only through a worker process (`student.py` / `worker.py`), with values
crossing the boundary as JSON plus npz arrays (`wire.py`), never pickle.
"""
