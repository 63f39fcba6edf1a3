"""Features hidden checks: the saved models, run on features the grader extracts itself."""
import numpy as np
import pytest

from gradekit.autograde.checks import accuracy

pytestmark = pytest.mark.notebook("features")


@pytest.fixture(scope="module")
def feature_rows(reference, cifar):
    """HOG + 10-bin hue histogram, standardised with the train statistics, as the notebook does."""
    features = reference.get("cs231n.features")
    fns = [features.hog_feature, lambda img: features.color_histogram_hsv(img, nbin=10)]
    raw = cifar.raw()
    feats = {k: features.extract_features(raw[k], fns) for k in ("X_train", "X_val", "X_test")}
    mean = np.mean(feats["X_train"], axis=0, keepdims=True)
    std = np.std(feats["X_train"] - mean, axis=0, keepdims=True)
    rows = {k: (v - mean) / std for k, v in feats.items()}
    rows.update(y_val=raw["y_val"], y_test=raw["y_test"])
    return rows


def with_bias(X):
    return np.hstack([X, np.ones((X.shape[0], 1))])


@pytest.mark.points(4)
def test_svm_on_features_reaches_the_target_on_val(reference, artifacts, feature_rows, targets):
    W = artifacts.load("features")["svm_W"]
    assert W.shape == (155, 10), f"svm_W has shape {W.shape}, expected (155, 10)"
    model = reference.new("cs231n.classifiers.linear_classifier.LinearSVM")
    model.W = W
    acc = accuracy(model.predict(with_bias(feature_rows["X_val"])), feature_rows["y_val"])
    target = targets["features_svm_val"]
    assert acc >= target, f"SVM on features: validation accuracy {acc:.3f} < {target}"


@pytest.mark.points(4)
def test_net_on_features_reaches_the_target_on_test(reference, artifacts, feature_rows, targets):
    saved = artifacts.load("features")
    params = {k: saved[f"net_{k}"] for k in ("W1", "b1", "W2", "b2") if f"net_{k}" in saved}
    assert len(params) == 4, f"artifacts/features.npz lacks net parameters (has {sorted(saved)})"
    D, H = params["W1"].shape
    assert D == 154, f"net_W1 has {D} inputs, expected 154"
    model = reference.new("cs231n.classifiers.neural_net.TwoLayerNet", D, H, params["W2"].shape[1])
    model.params = params
    acc = accuracy(model.predict(feature_rows["X_test"]), feature_rows["y_test"])
    target = targets["features_net_test"]
    assert acc >= target, f"net on features: test accuracy {acc:.3f} < {target}"
