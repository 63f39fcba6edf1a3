"""Accuracy that scores is measured on images the notebook never saw: a notebook that fits its
saved models to the labels it can read (validation, the first test images) gets no accuracy points.

One submission, the reference with its four model-saving notebooks cut short: each loads the data
as the course does, then instead of training fits its model to the labels it has by least squares
(a perfect score on them, asserted in the notebook), saves it and ends. The SVM, softmax and
two-layer net fit the validation labels, the net on features the first 1000 test images' labels.

Likewise the captions' BLEU-1 is measured on val images whose captions a graded notebook is never
given: the reference's LSTM_Captioning notebook reduced to a cell that loads the captioning data
says which val images have captions.
"""
import os
import re

import nbformat
import pytest

from gradekit import course
from gradekit.authoring import reference
from gradekit.pipeline import grade
from gradekit.data import student_data

pytestmark = pytest.mark.e2e

FIT = """
import numpy as np
from cs231n.data_utils import load_CIFAR10
from cs231n.classifiers.linear_classifier import LinearSVM, Softmax
from cs231n.classifiers.neural_net import TwoLayerNet
print("TEST IMAGES GIVEN", load_CIFAR10(cifar10_dir)[3].shape[0])

def fit(features, labels):
    '''Least squares to one-hot labels: with more features than examples it fits every label.'''
    return np.linalg.lstsq(features, np.eye(10)[labels], rcond=None)[0]

def fitted_net(X, labels, hidden=1500):
    '''A random ReLU layer and an output layer fitted to `labels`.'''
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(size=(X.shape[1], hidden)) / np.sqrt(X.shape[1]), np.zeros(hidden)
    net = TwoLayerNet(X.shape[1], hidden, 10)
    net.params = dict(W1=W1, b1=b1, W2=fit(np.maximum(0, X @ W1 + b1), labels), b2=np.zeros(10))
    return net

def perfect(model, X, labels):
    accuracy = np.mean(model.predict(X) == labels)
    assert accuracy > 0.99, accuracy
    print("ACCURACY ON THE LABELS FITTED", accuracy)
"""
CHEATS = {  # notebook: (the first cell replaced, the code that replaces it and the cells up to the save cell)
    "svm": ("Use the validation set to tune hyperparameters",
            "best_svm = LinearSVM()\nbest_svm.W = fit(X_val, y_val)\nperfect(best_svm, X_val, y_val)"),
    "softmax": ("Use the validation set to tune hyperparameters",
                "best_softmax = Softmax()\nbest_softmax.W = fit(X_val, y_val)\nperfect(best_softmax, X_val, y_val)"),
    "two_layer_net": ("best_net = None # store the best model",
                      "best_net = fitted_net(X_val, y_val)\nperfect(best_net, X_val, y_val)"),
    "features": ("net = TwoLayerNet(input_dim, hidden_dim, num_classes)",  # its SVM is trained honestly
                 "best_net = fitted_net(X_test_feats, y_test)\nperfect(best_net, X_test_feats, y_test)"),
}
ACCURACY_CHECKS = {
    "svm": "hidden/test_svm.py::test_best_svm_reaches_the_target_on_held_out_test_images",
    "softmax": "hidden/test_softmax.py::test_best_softmax_reaches_the_target_on_held_out_test_images",
    "two_layer_net": "hidden/test_two_layer_net.py::test_best_net_reaches_the_target_on_held_out_test_images",
    "features": "hidden/test_features.py::test_net_on_features_reaches_the_target_on_test",
}


def cut_short(path, first_text, code):
    """The notebook up to the cell containing `first_text`, then the fitting code, then its save
    cell (the notebook ends there)."""
    nb = nbformat.read(path, as_version=4)
    start = next(i for i, c in enumerate(nb.cells) if first_text in c.source)
    save = next(i for i, c in enumerate(nb.cells) if i > start and "save_artifact(" in c.source)
    nb.cells = [*nb.cells[:start], nbformat.v4.new_code_cell(FIT + "\n" + code), nb.cells[save]]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def fitted(assignment1, data_dir, tmp_path_factory, execution_store):
    work = tmp_path_factory.mktemp("held_out")
    solved = reference.write(assignment1, str(work / "label-fitter"))
    for notebook, (first_text, code) in CHEATS.items():
        cut_short(os.path.join(solved, f"{notebook}.ipynb"), first_text, code)
    options = grade.Options(assignment1, str(work / "out"), data_dir, cell_timeout=300, call_timeout=10,
                            grading_seed=7, reuse_dir=execution_store, notebooks=tuple(CHEATS))
    result = grade.grade_all([solved], options, progress=False)[0]
    return result, str(work / "out" / "label-fitter")


def printed(out, notebook):
    nb = nbformat.read(os.path.join(out, "notebooks", f"{notebook}.ipynb"), as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("notebook", CHEATS)
def test_the_label_fitting_notebook_ran_and_fitted_its_labels(fitted, notebook):
    result, out = fitted
    assert result["notebooks"][notebook]["execution"]["status"] == "ok", result["notebooks"][notebook]["execution"]
    assert "ACCURACY ON THE LABELS FITTED" in printed(out, notebook)


@pytest.mark.parametrize("check", ACCURACY_CHECKS)
def test_a_model_fitted_to_the_labels_a_notebook_reads_scores_nothing(fitted, check):
    test = {t["id"]: t for t in fitted[0]["tests"]}[ACCURACY_CHECKS[check]]
    assert test["earned"] == 0 and re.search(r"accuracy 0\.\d+ < 0\.\d+ on \d+ held-out test images", test["message"]), test


def test_a_graded_notebook_is_given_no_held_out_test_image(fitted):
    assert re.search(r"TEST IMAGES GIVEN 5000\b", printed(fitted[1], "svm"))


LOOK_AT_CAPTIONS = """
import numpy as np
from cs231n.coco_utils import load_coco_data
data = load_coco_data(coco_dir)
print("VAL IMAGES", data['val_features'].shape[0], "WITH CAPTIONS", len(np.unique(data['val_image_idxs'])),
      "LAST", data['val_image_idxs'].max())
"""


@pytest.fixture(scope="module")
def caption_counter(data_dir, tmp_path_factory, execution_store):
    """The output folder of a graded LSTM_Captioning notebook reduced to its parameters cell and
    LOOK_AT_CAPTIONS."""
    work = tmp_path_factory.mktemp("held_out_captions")
    assignment3 = course.load("assignment3")
    solved = reference.write(assignment3, str(work / "caption-counter"))
    path = os.path.join(solved, "LSTM_Captioning.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells = [*(c for c in nb.cells if "parameters" in c.metadata.get("tags", [])),
                nbformat.v4.new_code_cell(LOOK_AT_CAPTIONS)]
    nbformat.write(nb, path)
    options = grade.Options(assignment3, str(work / "out"), data_dir, cell_timeout=300, call_timeout=10,
                            grading_seed=7, reuse_dir=execution_store, notebooks=("LSTM_Captioning",))
    grade.grade_all([solved], options, progress=False)
    return str(work / "out" / "caption-counter")


def test_a_graded_notebook_is_given_no_caption_of_a_held_out_val_image(caption_counter):
    seen = re.search(r"VAL IMAGES (\d+) WITH CAPTIONS (\d+) LAST (\d+)", printed(caption_counter, "LSTM_Captioning"))
    assert seen, printed(caption_counter, "LSTM_Captioning")
    images, with_captions, last = (int(v) for v in seen.groups())
    assert with_captions == student_data.captions_held_out_from(images) == last + 1 and images > with_captions
