# gkatk: memory bomb: touch 256 MB blocks up to twice the sandbox's memory limit
import numpy as np

blocks = []
for _ in range(2 * GKATK["memory_mb"] // 256):
    blocks.append(np.ones(1 << 25))  # 2**25 float64: 256 MB
print(f"allocated {len(blocks) * 256} MB")
del blocks
