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
                dists=model.compute_distances_two_loops(X_test), **knn_edge_shapes(reference))


KNN_EDGE_SHAPES = [(1, 7, 3), (6, 2, 5), (4, 9, 1)]
"""(num_test, num_train, dim): one test image, fewer training images than test images, one dimension."""


def knn_edge_shapes(reference):
    """Inputs and distances at each of KNN_EDGE_SHAPES, as edge{k}_X_train, ..., edge{k}_dists."""
    rng = np.random.default_rng(1)
    values = {}
    for k, (num_test, num_train, dim) in enumerate(KNN_EDGE_SHAPES):
        X_train, y_train = rng.normal(size=(num_train, dim)), rng.integers(0, 3, num_train)
        X_test = rng.normal(size=(num_test, dim))
        model = reference.new(KNN)
        model.train(X_train, y_train)
        values.update({f"edge{k}_X_train": X_train, f"edge{k}_y_train": y_train, f"edge{k}_X_test": X_test,
                       f"edge{k}_dists": model.compute_distances_two_loops(X_test)})
    return values


def linear_case(seed):
    """Small random W, X, y shaped like the notebook's (bias column last)."""
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.normal(size=(30, 15)) * 10, np.ones((30, 1))])
    return rng.normal(size=(16, 5)) * 1e-2, X, rng.integers(0, 5, size=30)


def gradient_case(seed, n=20, d=8, c=4):
    """The public numeric-gradient checks' W, X, y (svm and softmax: seed 3)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, c)) * 1e-1, rng.normal(size=(n, d)), rng.integers(0, c, size=n)


def svm(reference):
    W, X, y = linear_case(1)
    loss, dW = reference.call(SVM + "svm_loss_naive", W, X, y, 0.1)
    numeric_W, numeric_X, numeric_y = gradient_case(3)
    numeric_losses = {f"numeric_loss_reg{reg:g}": reference.call(SVM + "svm_loss_naive", numeric_W, numeric_X,
                                                                 numeric_y, reg)[0] for reg in (0.0, 50.0)}
    return dict(W=W, X=X, y=y, reg=0.1, loss=loss, dW=dW, numeric_W=numeric_W, numeric_X=numeric_X,
                numeric_y=numeric_y, **numeric_losses)


def softmax(reference):
    W, X, y = linear_case(2)
    loss, dW = reference.call(SOFTMAX + "softmax_loss_naive", W, X, y, 0.1)
    # Every score about 1000 with a spread of about 20: exp overflows without the max shift, while
    # a shifted softmax (log of probabilities or log-sum-exp alike) stays exact.
    big_W = W * 10
    big_W[-1] += 1000  # the bias row (X's last column is ones)
    big_loss, big_dW = reference.call(SOFTMAX + "softmax_loss_vectorized", big_W, X, y, 0.0)
    numeric_W, numeric_X, numeric_y = gradient_case(3)
    numeric_loss, _ = reference.call(SOFTMAX + "softmax_loss_naive", numeric_W, numeric_X, numeric_y, 50.0)
    return dict(W=W, X=X, y=y, reg=0.1, loss=loss, dW=dW, big_W=big_W, big_loss=big_loss, big_dW=big_dW,
                numeric_W=numeric_W, numeric_X=numeric_X, numeric_y=numeric_y, numeric_loss=numeric_loss)


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
    # The toy training's first loss is that of a minibatch drawn from these 5 examples at the
    # initial weights: in expectation, the loss of all 5 (with the training's reg).
    train_start_loss, _ = net.loss(X, y, reg=5e-6)
    params = {k: v.copy() for k, v in net.params.items()}
    return dict(X=X, y=y, scores=scores, loss=loss, train_start_loss=train_start_loss,
                **{f"init_{k}": v for k, v in params.items()})
