"""Features (10 points with the hidden checks): what the notebook saved has the right shapes and was trained."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_shape

pytestmark = pytest.mark.notebook("features")


@pytest.mark.points(2)
def test_saved_models_have_the_feature_shapes(artifacts):
    saved = artifacts.load("features")
    assert_shape(saved.get("svm_W"), (155, 10), what="svm_W (HOG + colour histogram + bias)")
    hidden = saved["net_W1"].shape[1] if "net_W1" in saved else 0
    for name, shape in {"net_W1": (154, hidden), "net_b1": (hidden,),
                        "net_W2": (hidden, 10), "net_b2": (10,)}.items():
        assert name in saved, f"artifacts/features.npz has no {name}"
        assert_shape(saved[name], shape, what=name)
    for name in ("svm_W", "net_W1", "net_W2"):
        assert_trained(saved[name], name)


def assert_trained(weights, name):
    """Trained weights differ from one another: all equal (zeros, say) is a model never trained."""
    assert weights.size, f"{name} has no entries, so this model was not trained"
    distinct = np.unique(weights)
    assert distinct.size > 1, \
        f"{name}: all {weights.size} entries are {float(distinct[0]):g}, so this model was not trained"
