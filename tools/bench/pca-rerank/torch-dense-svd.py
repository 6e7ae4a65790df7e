"""Child process of bench.ts: the dense approach with torch (kohya resize_lora's method).

For each shape OUTxIN on the command line: W = B @ A in float32 (rank 64), torch.linalg.svd(W,
full_matrices=False), keep the top 16 as up = U S, down = Vh. Prints one JSON line with seconds per
shape and the peak RSS. kohya calls svd with the default full_matrices=True, which is slower still
for the 18432 x 3072 modulation layers; we time the cheaper thin SVD.
"""
import json
import resource
import sys
import time

import torch

RANK, KEEP = 64, 16
torch.manual_seed(0)
results = []
for arg in sys.argv[1:]:
    rows, cols = (int(x) for x in arg.split("x"))
    up = torch.randn(rows, RANK) * 0.02
    down = torch.randn(RANK, cols) / cols**0.5
    t0 = time.perf_counter()
    w = up @ down
    u, s, vh = torch.linalg.svd(w, full_matrices=False)
    new_up = (u[:, :KEEP] * s[:KEEP]).contiguous()
    new_down = vh[:KEEP].contiguous()
    seconds = time.perf_counter() - t0
    del w, u, s, vh, new_up, new_down
    results.append({"shape": [rows, cols], "seconds": seconds})
print(json.dumps({
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "results": results,
}))
