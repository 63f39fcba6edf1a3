"""The captioning data as the grader loads it, and the targets (hidden checks only)."""
import os
import tomllib

import pytest

from gradekit.autograde.lazy import Lazy


@pytest.fixture(scope="session")
def coco(reference, data_dir):
    """The dataset read by the reference loader (trusted code in the grading process)."""
    return Lazy(lambda: reference.call("cs231n.coco_utils.load_coco_data",
                                       base_dir=os.path.join(data_dir, "coco_captioning")))


@pytest.fixture(scope="session")
def targets():
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "assignment.toml"), "rb") as f:
        return tomllib.load(f)["targets"]
