"""Train the reference "best ConvNet" of assignment 2 and time it against the 65 % test target.

    .venv/bin/python benchmarks/best_convnet.py [--data-dir data/cifar-10-batches-py]
                                                [--threads N] [--evals-per-epoch K]

Runs the reference solution cell of source/assignment2/ConvolutionalNetworks.ipynb (section
"Train your best ConvNet", grading mode) on the reference package, with the Solver instrumented
to measure, K times per epoch, the accuracy on all 10,000 CIFAR-10 test images (the images the
grader uses). The evaluation time is excluded from the training clock. Prints the time of each
epoch, the training time at which the test accuracy first passes 65 %, and the final test
accuracy (after the Solver has restored its best parameters), which must exceed 65 % within
10 minutes of training on a 2-core machine. Numpy's BLAS uses N threads (default: all cores).
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, 'source', 'assignment2', 'ConvolutionalNetworks.ipynb')
CELL_ID = 'ConvolutionalNetworks-best_convnet'
TARGET_ACC, TARGET_SECONDS = 0.65, 600


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-dir', default=os.path.join(ROOT, 'data', 'cifar-10-batches-py'))
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--evals-per-epoch', type=int, default=4)
    parser.add_argument('--seed', type=int, default=231)
    return parser.parse_args()


ARGS = parse_args()
for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, 'solutions', 'assignment2'))
from cs231n.classifiers.convnet import ConvNet, load_convnet, save_convnet  # noqa: E402,F401
from cs231n.data_utils import get_CIFAR10_data  # noqa: E402
from cs231n.solver import Solver  # noqa: E402
from notebook_cells import solution_cell  # noqa: E402


class TimedSolver(Solver):
    """The Solver, measuring full-test accuracy a few times per epoch outside the training clock."""

    X_test = y_test = None
    log = []

    def train(self):
        N = self.X_train.shape[0]
        self.iterations_per_epoch = max(N // self.batch_size, 1)
        self.eval_every = max(1, self.iterations_per_epoch // ARGS.evals_per_epoch)
        self.iteration = 0
        self.excluded = 0.0
        self.started = time.perf_counter()
        self.epoch_started = 0.0
        self.first_pass = None
        super().train()
        self.training_seconds = self.clock()

    def clock(self):
        """Seconds of training so far, without the test evaluations (the Solver's own accuracy
        checks on 1000 training and the validation images are part of training, as in the
        notebook)."""
        return time.perf_counter() - self.started - self.excluded

    def _step(self):
        super()._step()
        self.iteration += 1
        if self.iteration % self.iterations_per_epoch == 0:
            now = self.clock()
            print('  epoch %d took %.1f s (training clock %.1f s)'
                  % (self.iteration // self.iterations_per_epoch, now - self.epoch_started, now), flush=True)
            self.epoch_started = now
        if self.iteration % self.eval_every == 0:
            self.evaluate()

    def evaluate(self):
        started = time.perf_counter()
        acc = np.mean(self.model.predict(self.X_test) == self.y_test)
        now = started - self.started - self.excluded
        self.excluded += time.perf_counter() - started
        epoch = self.iteration / self.iterations_per_epoch
        TimedSolver.log.append((epoch, now, acc))
        print('  epoch %.2f, training clock %6.1f s: test accuracy %.4f' % (epoch, now, acc), flush=True)
        if acc > TARGET_ACC and self.first_pass is None:
            self.first_pass = (epoch, now)


def main():
    print('threads: %d; %d cores; load average %s' % (ARGS.threads, os.cpu_count(),
                                                       ' '.join('%.2f' % v for v in os.getloadavg())))
    data = get_CIFAR10_data(ARGS.data_dir, num_test=10000)
    TimedSolver.X_test, TimedSolver.y_test = data['X_test'], data['y_test']
    np.random.seed(ARGS.seed)
    namespace = {'np': np, 'time': time, 'data': data, 'grading': True, 'seed': ARGS.seed,
                 'ConvNet': ConvNet, 'Solver': TimedSolver}
    source = solution_cell(NOTEBOOK, CELL_ID)
    started = time.perf_counter()
    exec(compile(source, CELL_ID, 'exec'), namespace)
    cell_seconds = time.perf_counter() - started
    model, solver = namespace['best_model'], namespace['solver']

    final_acc = np.mean(model.predict(data['X_test']) == data['y_test'])
    print()
    print('training time (excluding the test evaluations): %.1f s; the whole cell: %.1f s'
          % (solver.training_seconds, cell_seconds))
    if solver.first_pass:
        print('test accuracy first above %.0f %%: epoch %.2f, after %.1f s of training'
              % (100 * TARGET_ACC, solver.first_pass[0], solver.first_pass[1]))
    else:
        print('test accuracy never above %.0f %% during training' % (100 * TARGET_ACC))
    print('final test accuracy (10,000 images, best-validation parameters): %.4f' % final_acc)
    ok = final_acc > TARGET_ACC and solver.training_seconds <= TARGET_SECONDS
    print('target (> %.0f %% within %d s): %s' % (100 * TARGET_ACC, TARGET_SECONDS, 'met' if ok else 'NOT met'))


if __name__ == '__main__':
    main()
