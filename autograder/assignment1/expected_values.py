"""Inputs and expected outputs of the public checks, computed from the reference solution.

`gradekit release` stores each function's result as public/expected/<notebook>.npz (shipped to
students): the public checks read both the inputs and the expected values from there.
"""
import numpy as np

KNN = "cs231n.classifiers.k_nearest_neighbor.KNearestNeighbor"
SVM = "cs231n.classifiers.linear_svm."
SOFTMAX = "cs231n.classifiers.softmax."
NET = "cs231n.classifiers.neural_net.TwoLayerNet"


def knn(reference):
    rng = np.random.default_rng(0)
    X_train, y_train = rng.normal(size=(40, 12)), rng.integers(0, 4, size=40)
    X_test = rng.normal(size=(10, 12))
    model = reference.new(KNN)
    model.train(X_train, y_train)
    return dict(X_train=X_train, y_train=y_train, X_test=X_test,
                dists=model.compute_distances_two_loops(X_test))


def linear_case(seed):
    """Small random W, X, y shaped like the notebook's (bias column last)."""
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.normal(size=(30, 15)) * 10, np.ones((30, 1))])
    return rng.normal(size=(16, 5)) * 1e-2, X, rng.integers(0, 5, size=30)


def svm(reference):
    W, X, y = linear_case(1)
    loss, dW = reference.call(SVM + "svm_loss_naive", W, X, y, 0.1)
    return dict(W=W, X=X, y=y, reg=0.1, loss=loss, dW=dW)


def softmax(reference):
    W, X, y = linear_case(2)
    loss, dW = reference.call(SOFTMAX + "softmax_loss_naive", W, X, y, 0.1)
    # Every score about 1000 with a spread of about 20: exp overflows without the max shift, while
    # a shifted softmax (log of probabilities or log-sum-exp alike) stays exact.
    big_W = W * 10
    big_W[-1] += 1000  # the bias row (X's last column is ones)
    big_loss, big_dW = reference.call(SOFTMAX + "softmax_loss_vectorized", big_W, X, y, 0.0)
    return dict(W=W, X=X, y=y, reg=0.1, loss=loss, dW=dW, big_W=big_W, big_loss=big_loss, big_dW=big_dW)


def toy_net(reference):
    """The notebook's toy model and data: seeds 0 and 1, as in the course."""
    net = reference.new(NET, 4, 10, 3, std=1e-1, seed=0)
    np.random.seed(1)
    X = 10 * np.random.randn(5, 4)
    return net, X, np.array([0, 1, 2, 2, 1])


def two_layer_net(reference):
    net, X, y = toy_net(reference)
    scores = net.loss(X)
    loss, _ = net.loss(X, y, reg=0.05)
    params = {k: v.copy() for k, v in net.params.items()}
    return dict(X=X, y=y, scores=scores, loss=loss, **{f"init_{k}": v for k, v in params.items()})
