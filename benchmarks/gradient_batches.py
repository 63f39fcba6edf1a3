"""What batching the numeric-gradient calls saves: the same checks with one call per request and
with `checks.BATCH_CALLS` calls per request, in one run.

    .venv/bin/python benchmarks/gradient_batches.py [--rounds 3] [--threads 1]

Runs the public numeric-gradient checks of assignment 2's layers and models and assignment 3's
recurrent layers (the reference solution in a worker, as grading runs it, without a sandbox),
alternating the two settings so that both see the same machine; prints the median seconds of each
check and the ratio batched / one at a time (below 1: faster).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from gradekit import course  # noqa: E402
from gradekit.autograde import checks  # noqa: E402
from gradekit.autograde.student import StudentProcess  # noqa: E402

L = "cs231n.layers."
R = "cs231n.rnn_layers."


def a2_cases(student):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(10, 2, 3)), rng.normal(size=(6, 5)), rng.normal(size=5)
    yield "affine", lambda: checks.assert_layer_gradients(
        student, L + "affine_forward", L + "affine_backward", [x, w, b], rng.normal(size=(10, 5)),
        {"dx": 0, "dw": 1, "db": 2}, tol=1e-8)
    xc, wc, bc = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    yield "conv_naive", lambda: checks.assert_layer_gradients(
        student, L + "conv_forward_naive", L + "conv_backward_naive", [xc, wc, bc, {"stride": 1, "pad": 1}],
        rng.normal(size=(2, 2, 5, 5)), {"dx": 0, "dw": 1, "db": 2}, tol=1e-8)
    xp = rng.normal(size=(3, 2, 8, 8))
    yield "max_pool_naive", lambda: checks.assert_layer_gradients(
        student, L + "max_pool_forward_naive", L + "max_pool_backward_naive",
        [xp, {"pool_height": 2, "pool_width": 2, "stride": 2}], rng.normal(size=(3, 2, 4, 4)), {"dx": 0}, tol=1e-9)
    net = student.new("cs231n.classifiers.fc_net.FullyConnectedNet", [20, 30], input_dim=6, num_classes=3,
                      reg=0.1, weight_scale=5e-2, kwargs={"dtype": "float64"}, seed=1)
    X, y = rng.normal(size=(4, 6)), rng.integers(0, 3, size=4)
    yield "fc_net_model", lambda: checks.assert_model_gradients(net, X, y, tol=1e-5, what="FullyConnectedNet")
    conv = student.new("cs231n.classifiers.cnn.ThreeLayerConvNet", input_dim=(3, 6, 6), num_filters=3,
                       filter_size=3, hidden_dim=5, reg=0.5, weight_scale=1e-1, kwargs={"dtype": "float64"}, seed=0)
    conv.set("params", {k: v + 0.1 * rng.normal(size=v.shape) for k, v in conv.get("params").items()})
    Xc, yc = rng.normal(size=(2, 3, 6, 6)), rng.integers(0, 10, size=2)
    yield "three_layer_convnet_model", lambda: checks.assert_model_gradients(
        conv, Xc, yc, tol=1e-5, h=1e-6, what="ThreeLayerConvNet")


def a3_cases(student):
    rng = np.random.default_rng(0)
    N, T, D, H = 2, 3, 4, 5
    args = [rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, 4 * H)),
            rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)]
    yield "lstm_forward", lambda: checks.assert_layer_gradients(
        student, R + "lstm_forward", R + "lstm_backward", args, rng.normal(size=(N, T, H)),
        {"dx": 0, "dh0": 1, "dWx": 2, "dWh": 3, "db": 4}, tol=1e-6)


def timed(run, batch_calls):
    checks.BATCH_CALLS = batch_calls
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads of the worker")
    args = parser.parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    batched_calls = checks.BATCH_CALLS
    totals = {"one": 0.0, "batched": 0.0}
    print(f"{'check':28s} {'one call/request':>17s} {'batched':>9s} {'ratio':>6s}")
    for assignment, cases in (("assignment2", a2_cases), ("assignment3", a3_cases)):
        student = StudentProcess(course.load(assignment).solutions, timeout=600)
        try:
            for name, run in cases(student):
                run()  # warm the worker: imports, first calls
                one, batched = [], []
                for _ in range(args.rounds):
                    one.append(timed(run, 1))
                    batched.append(timed(run, batched_calls))
                a, b = statistics.median(one), statistics.median(batched)
                totals["one"] += a
                totals["batched"] += b
                print(f"{name:28s} {a:15.3f} s {b:7.3f} s {b / a:5.2f}x")
        finally:
            student.close()
            checks.BATCH_CALLS = batched_calls
    print(f"{'all':28s} {totals['one']:15.3f} s {totals['batched']:7.3f} s {totals['batched'] / totals['one']:5.2f}x")


if __name__ == "__main__":
    main()
