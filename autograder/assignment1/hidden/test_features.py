"""Features hidden checks: the saved models, run on features the grader extracts itself."""
import numpy as np
import pytest

from gradekit.autograde.checks import accuracy
from gradekit.autograde.lazy import Lazy

pytestmark = pytest.mark.notebook("features")


@pytest.fixture(scope="module")
def feature_rows(reference, cifar):
    """HOG + 10-bin hue histogram, standardised with the train statistics, as the notebook does
    (computed at first use: a check whose notebook saved no model fails at once)."""
    def rows():
        features = reference.get("cs231n.features")
        fns = [features.hog_feature, lambda img: features.color_histogram_hsv(img, nbin=10)]
        raw = cifar.raw()
        feats = {k: features.extract_features(raw[k], fns) for k in ("X_train", "X_held_out")}
        mean = np.mean(feats["X_train"], axis=0, keepdims=True)
        std = np.std(feats["X_train"] - mean, axis=0, keepdims=True)
        return dict({k: (v - mean) / std for k, v in feats.items()}, y_held_out=raw["y_held_out"])

    return Lazy(rows)


def with_bias(X):
    return np.hstack([X, np.ones((X.shape[0], 1))])


@pytest.mark.points(4)
def test_svm_on_features_reaches_the_target_on_held_out_test_images(reference, artifacts, feature_rows, targets, measured):
    W = artifacts.load("features")["svm_W"]
    assert W.shape == (155, 10), f"svm_W has shape {W.shape}, expected (155, 10)"
    model = reference.new("cs231n.classifiers.linear_classifier.LinearSVM")
    model.W = W
    acc = accuracy(model.predict(with_bias(feature_rows["X_held_out"])), feature_rows["y_held_out"])
    target = targets["features_svm_held_out"]
    measured("SVM on features: accuracy on 5000 held-out test images", acc, target)
    assert acc >= target, f"SVM on features: accuracy {acc:.3f} < {target} on 5000 held-out test images"


@pytest.mark.points(4)
def test_net_on_features_reaches_the_target_on_test(reference, artifacts, feature_rows, targets, measured):
    saved = artifacts.load("features")
    params = {k: saved[f"net_{k}"] for k in ("W1", "b1", "W2", "b2") if f"net_{k}" in saved}
    assert len(params) == 4, f"artifacts/features.npz lacks net parameters (has {sorted(saved)})"
    D, H = params["W1"].shape
    assert D == 154, f"net_W1 has {D} inputs, expected 154"
    model = reference.new("cs231n.classifiers.neural_net.TwoLayerNet", D, H, params["W2"].shape[1])
    model.params = params
    acc = accuracy(model.predict(feature_rows["X_held_out"]), feature_rows["y_held_out"])
    target = targets["features_net_test"]
    measured("net on features: accuracy on 5000 held-out test images", acc, target)
    assert acc >= target, f"net on features: accuracy {acc:.3f} < {target} on 5000 held-out test images"
