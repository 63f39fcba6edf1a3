# gkatk: write into the data folder the grader measures accuracies on (a new file only: the data
# itself is left alone, but a kernel that can add a file could rewrite the test labels)
import os

with open(os.path.join(cifar10_dir, f"gkatk-{GKATK['token']}.txt"), "w") as f:  # raises when read-only
    f.write("gkatk was here\n")
