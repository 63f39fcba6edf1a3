"""Train the reference open-ended model of the assignment 2 PyTorch notebook and time it.

    .venv/bin/python benchmarks/pytorch_model.py [--data-dir data/cifar-10-batches-py]
                                                 [--threads N] [--no-baseline]

Runs the reference solution cell of source/assignment2/PyTorch.ipynb (Part V, as grading mode
runs it) on the reference package, then measures the saved-and-rebuilt model as the grader does
(`load_torch_model`, all 10,000 test images). Prints the training time, the time per epoch, the
val and test accuracy against the 70 % target and, as the baseline measured in the same run, the
time of one epoch of the course's Part IV network (the Sequential three-layer ConvNet, SGD with
Nesterov momentum), so that the figure reads as "this many course epochs".
"""
import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "source", "assignment2", "PyTorch.ipynb")
CELL_ID = "PyTorch-open_ended_model"
TARGET_ACC, MAX_EPOCHS = 0.70, 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.path.join(ROOT, "data", "cifar-10-batches-py"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=231)
    parser.add_argument("--no-baseline", action="store_true", help="skip the Part IV epoch")
    return parser.parse_args()


ARGS = parse_args()
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(ARGS.threads)
sys.path.insert(0, os.path.join(ROOT, "solutions", "assignment2"))
from cs231n import torch_nets  # noqa: E402
from cs231n.torch_artifacts import load_torch_model, save_torch_model  # noqa: E402
from cs231n.torch_data import cifar10_loaders, load_cifar10_images, predict  # noqa: E402
from notebook_cells import solution_cell  # noqa: E402


def run_cell(loaders):
    """Execute the cell as the notebook does; returns (its namespace, training seconds)."""
    namespace = dict(vars(torch_nets), np=np, torch=torch, nn=torch.nn, optim=torch.optim,
                     F=torch.nn.functional, cifar10_loaders=cifar10_loaders, cifar10_dir=ARGS.data_dir,
                     loader_train=loaders[0], loader_val=loaders[1], loader_test=loaders[2],
                     seed=ARGS.seed, grading=True)
    torch.manual_seed(ARGS.seed)
    started = time.perf_counter()
    exec(compile(solution_cell(NOTEBOOK, CELL_ID), CELL_ID, "exec"), namespace)
    return namespace, time.perf_counter() - started


def baseline_epoch(loaders):
    """Seconds of one epoch of the course's Part IV ConvNet."""
    model = torch_nets.sequential_three_layer_convnet()
    optimizer = torch_nets.sequential_optimizer(model)
    started = time.perf_counter()
    torch_nets.train_part34(model, optimizer, loaders[0], loaders[1])
    return time.perf_counter() - started


def main():
    loaders = cifar10_loaders(ARGS.data_dir)
    namespace, seconds = run_cell(loaders)
    model, epochs = namespace["model"], namespace["model"].epochs_trained
    with tempfile.TemporaryDirectory() as tmp:
        rebuilt, _ = load_torch_model(save_torch_model(tmp, "pytorch_model", model, epochs=epochs))
    images, labels = load_cifar10_images(ARGS.data_dir, "test")
    test = float(np.mean(predict(rebuilt, images) == labels))
    val = torch_nets.check_accuracy_part34(loaders[1], rebuilt)
    print(f"\nthreads {ARGS.threads}: {epochs} epochs in {seconds:.1f} s ({seconds / epochs:.1f} s per epoch)")
    print(f"val accuracy {val:.4f}, test accuracy {test:.4f} (target >= {TARGET_ACC} within {MAX_EPOCHS} epochs: "
          f"{'met' if test >= TARGET_ACC and epochs <= MAX_EPOCHS else 'NOT met'})")
    if not ARGS.no_baseline:
        base = baseline_epoch(loaders)
        print(f"baseline: one epoch of the Part IV ConvNet {base:.1f} s; the reference model's training "
              f"= {seconds / base:.2f} such epochs")


if __name__ == "__main__":
    main()
