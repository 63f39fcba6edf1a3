"""How fast the numpy convolution and pooling of assignment 2 are, against the naive layers and torch.

    .venv/bin/python benchmarks/conv_layers.py [--threads N] [--repeats R]

Runs on the reference package (solutions/assignment2/cs231n) and prints, for each shape, the best
of R timings (after one warm-up run) of forward + backward:
- the notebook's shapes (conv x (100, 3, 31, 31), w (25, 3, 3, 3), stride 2, pad 1; pool 2x2 on
  (100, 3, 32, 32)): naive vs fast, with the speed-up and the largest relative error;
- the notebook's shape and the convolutions of the reference best ConvNet (batch 128): fast vs
  torch.nn.functional.conv2d on the CPU (forward + backward), float64 and float32, with the
  ratio fast / torch (the issue asks for at most 2.5). Skipped when torch is not installed.

Both numpy's BLAS and torch use N threads (default: all cores); pass --threads 1 to compare
single-threaded code. Timings on a machine shared with other jobs are noisy: the best-of-R
figure is the one to read.
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--repeats', type=int, default=7)
    return parser.parse_args()


ARGS = parse_args()
# The BLAS reads its thread count when numpy is imported.
for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, 'solutions', 'assignment2'))
from cs231n.fast_layers import (conv_backward_fast, conv_forward_fast,  # noqa: E402
                                max_pool_backward_fast, max_pool_forward_fast)
from cs231n.layers import (conv_backward_naive, conv_forward_naive,  # noqa: E402
                           max_pool_backward_naive, max_pool_forward_naive)

try:
    import torch
    torch.set_num_threads(ARGS.threads)
except ImportError:
    torch = None

NOTEBOOK_CONV = ((100, 3, 31, 31), (25, 3, 3, 3), 2, 1)
# The convolutions of the reference best ConvNet (notebook "Train your best ConvNet"), batch 128.
BEST_CONVNET_CONVS = [
    ((128, 3, 32, 32), (32, 3, 3, 3), 1, 1),
    ((128, 32, 16, 16), (64, 32, 3, 3), 1, 1),
    ((128, 64, 8, 8), (128, 64, 3, 3), 1, 1),
]


def best_time(fn, repeats):
    """Best wall time of `repeats` calls of fn, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def rel_error(x, y):
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))


def conv_inputs(x_shape, w_shape, stride, pad, dtype, seed=231):
    rng = np.random.RandomState(seed)
    x = rng.randn(*x_shape).astype(dtype)
    w = rng.randn(*w_shape).astype(dtype)
    b = rng.randn(w_shape[0]).astype(dtype)
    H_out = (x_shape[2] + 2 * pad - w_shape[2]) // stride + 1
    W_out = (x_shape[3] + 2 * pad - w_shape[3]) // stride + 1
    dout = rng.randn(x_shape[0], w_shape[0], H_out, W_out).astype(dtype)
    return x, w, b, dout


def conv_numpy(forward, backward, x, w, b, dout, conv_param):
    out, cache = forward(x, w, b, conv_param)
    return (out,) + tuple(backward(dout, cache))


def conv_torch_runner(x, w, b, dout, stride, pad):
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    dt = torch.tensor(dout)

    def run():
        for t in (xt, wt, bt):
            t.grad = None
        out = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=pad)
        out.backward(dt)
        return out
    return run


def naive_vs_fast():
    print('naive vs fast (forward + backward, float64), notebook shapes')
    x_shape, w_shape, stride, pad = NOTEBOOK_CONV
    x, w, b, dout = conv_inputs(x_shape, w_shape, stride, pad, np.float64)
    conv_param = {'stride': stride, 'pad': pad}
    naive = conv_numpy(conv_forward_naive, conv_backward_naive, x, w, b, dout, conv_param)
    fast = conv_numpy(conv_forward_fast, conv_backward_fast, x, w, b, dout, conv_param)
    err = max(rel_error(a, f) for a, f in zip(naive, fast))
    t_naive = best_time(lambda: conv_numpy(conv_forward_naive, conv_backward_naive, x, w, b, dout,
                                           conv_param), max(1, ARGS.repeats // 3))
    t_fast = best_time(lambda: conv_numpy(conv_forward_fast, conv_backward_fast, x, w, b, dout,
                                          conv_param), ARGS.repeats)
    print('  conv x %s w %s s%d p%d: naive %8.2f ms  fast %7.2f ms  speed-up %6.1fx  max rel error %.1e'
          % (x_shape, w_shape, stride, pad, t_naive * 1e3, t_fast * 1e3, t_naive / t_fast, err))

    rng = np.random.RandomState(231)
    x = rng.randn(100, 3, 32, 32)
    dout = rng.randn(100, 3, 16, 16)
    pool_param = {'pool_height': 2, 'pool_width': 2, 'stride': 2}

    def pool(forward, backward):
        out, cache = forward(x, pool_param)
        return out, backward(dout, cache)
    naive, fast = pool(max_pool_forward_naive, max_pool_backward_naive), pool(max_pool_forward_fast, max_pool_backward_fast)
    err = max(rel_error(a, f) for a, f in zip(naive, fast))
    t_naive = best_time(lambda: pool(max_pool_forward_naive, max_pool_backward_naive), max(1, ARGS.repeats // 3))
    t_fast = best_time(lambda: pool(max_pool_forward_fast, max_pool_backward_fast), ARGS.repeats)
    print('  pool 2x2 s2 on (100, 3, 32, 32):     naive %8.2f ms  fast %7.2f ms  speed-up %6.1fx  max rel error %.1e'
          % (t_naive * 1e3, t_fast * 1e3, t_naive / t_fast, err))


def fast_vs_torch():
    if torch is None:
        print('torch is not installed: skipping the comparison with torch')
        return []
    print('fast vs torch %s CPU (forward + backward; ratio = fast / torch, target <= 2.5)' % torch.__version__)
    ratios = []
    for label, shapes in [('notebook', [NOTEBOOK_CONV]), ('best ConvNet', BEST_CONVNET_CONVS)]:
        for x_shape, w_shape, stride, pad in shapes:
            for dtype in (np.float64, np.float32):
                x, w, b, dout = conv_inputs(x_shape, w_shape, stride, pad, dtype)
                conv_param = {'stride': stride, 'pad': pad}
                run_torch = conv_torch_runner(x, w, b, dout, stride, pad)
                ours = conv_numpy(conv_forward_fast, conv_backward_fast, x, w, b, dout, conv_param)
                ref = run_torch().detach().numpy()
                err = np.max(np.abs(ours[0] - ref)) / np.max(np.abs(ref))
                t_fast = best_time(lambda: conv_numpy(conv_forward_fast, conv_backward_fast, x, w, b,
                                                      dout, conv_param), ARGS.repeats)
                t_torch = best_time(run_torch, ARGS.repeats)
                ratios.append(t_fast / t_torch)
                print('  %-12s x %-17s w %-16s s%d p%d %-7s fast %7.2f ms  torch %7.2f ms  ratio %4.2f  (max out diff / max |out| %.0e)'
                      % (label, x_shape, w_shape, stride, pad, np.dtype(dtype).name, t_fast * 1e3,
                         t_torch * 1e3, t_fast / t_torch, err))
    return ratios


def main():
    print('threads: %d (numpy BLAS and torch); %d cores; load average %s'
          % (ARGS.threads, os.cpu_count(), ' '.join('%.2f' % v for v in os.getloadavg())))
    naive_vs_fast()
    ratios = fast_vs_torch()
    if ratios:
        print('worst ratio fast / torch: %.2f (target <= 2.5)' % max(ratios))


if __name__ == '__main__':
    main()
