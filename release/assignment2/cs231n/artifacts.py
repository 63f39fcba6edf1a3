"""Saving what a notebook trained, so that the grader can measure it itself.

The grader reads these files as plain arrays (no pickle) and recomputes every accuracy with its
own reference implementation; nothing printed in the notebook counts.
"""
import os

import numpy as np


def save_artifact(artifacts_dir, name, **arrays):
    """Write `arrays` (numbers or numpy arrays) to `<artifacts_dir>/<name>.npz`."""
    os.makedirs(artifacts_dir, exist_ok=True)
    values = {key: np.asarray(value) for key, value in arrays.items()}
    for key, value in values.items():
        if value.dtype == object:
            raise TypeError(f"save_artifact({name!r}): {key!r} is not a numeric array")
    path = os.path.join(artifacts_dir, name + ".npz")
    np.savez(path, **values)
    print(f"saved {', '.join(sorted(values))} to {path}")
    return path
