# gkatk: 100 MB of output from one cell
import sys

block = "gkatk-flood " * 87381 + "\n"  # 1 MB
for _ in range(100):
    sys.stdout.write(block)
sys.stdout.flush()
