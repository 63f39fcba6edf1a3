# gkatk: save the kNN artefact as an object array: unpickling it would create a file outside the
# scratch folder
import io
import os

import numpy as np


class Payload:
    def __reduce__(self):
        return (io.open, (GKATK["canaries"][0], "w"))


os.makedirs(artifacts_dir, exist_ok=True)
np.savez(os.path.join(artifacts_dir, "knn.npz"), best_k=np.array([Payload()], dtype=object))
