"""PyTorch matmul on the CPU (OpenBLAS): prints one BENCH_RESULT line like the Node peers.

Run with OPENBLAS_NUM_THREADS set (torch.set_num_threads does not reach OpenBLAS) and
OPENBLAS_CORETYPE unset so OpenBLAS picks its AVX-512 kernels on this CPU.
"""
import json
import statistics
import sys
import time

import torch

sizes = [int(s) for s in (sys.argv[sys.argv.index("--sizes") + 1] if "--sizes" in sys.argv else "256,512,1024,2048").split(",")]
threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
torch.set_num_threads(threads)
gen = torch.Generator().manual_seed(0)
out = {}
for n in sizes:
    a = torch.rand(n, n, generator=gen) * 2 - 1
    b = torch.rand(n, n, generator=gen) * 2 - 1
    for _ in range(3):
        torch.mm(a, b)
    times = []
    cpu = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < 1.5 and len(times) < 40):
        c0 = time.process_time()
        t0 = time.perf_counter()
        torch.mm(a, b)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    out[str(n)] = {"medianMs": statistics.median(times), "minMs": min(times), "runs": len(times), "cpuMedianMs": statistics.median(cpu)}
note = f"torch {torch.__version__}, {threads} threads"
print("BENCH_RESULT " + json.dumps({"peer": "pytorch", "note": note, "sizes": out}), flush=True)
