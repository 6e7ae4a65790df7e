"""PyTorch LoRA linear peer on the CPU: prints one BENCH_RESULT line like the Node peers.

y = F.linear(x, W, b) + s * F.linear(F.linear(x, A), B) with W, b frozen; "fwd:<case>" under
no_grad, "step:<case>" = forward + backward for x, A, B. Inputs match the Node peers' in
distribution only (speed does not depend on the values). Run with OPENBLAS_NUM_THREADS set and
OPENBLAS_CORETYPE unset (see cpu-kernels/peer-torch.py).
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

cases = [c for c in (sys.argv[sys.argv.index("--cases") + 1] if "--cases" in sys.argv else "").split(",") if c]
threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
scale = float(sys.argv[sys.argv.index("--scale") + 1]) if "--scale" in sys.argv else 1.0
torch.set_num_threads(threads)
gen = torch.Generator().manual_seed(0)


def uniform(*shape, s=1.0):
    return (torch.rand(*shape, generator=gen) * 2 - 1) * s


def measure(fn, heavy):
    # Same rule as measureOptionsFor in cases.ts: fewer runs for the DiT-sized cases.
    warmup, min_runs, min_time = (2, 3, 0.0) if heavy else (3, 5, 1.5)
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    start = time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - start < min_time and len(times) < 40):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {"medianMs": statistics.median(times), "minMs": min(times), "runs": len(times), "cpuMedianMs": statistics.median(cpu)}


out = {}
for key in cases:
    dims, rank = key.split("r")
    tokens, in_f, out_f = (int(v) for v in dims.split("x"))
    rank = int(rank)
    x = uniform(tokens, in_f).requires_grad_()
    w = uniform(out_f, in_f, s=in_f ** -0.5)
    b = uniform(out_f, s=0.1)
    a = uniform(rank, in_f, s=in_f ** -0.5).requires_grad_()
    b_up = uniform(out_f, rank, s=0.1).requires_grad_()
    dy = uniform(tokens, out_f)

    def forward():
        return F.linear(x, w, b) + scale * F.linear(F.linear(x, a), b_up)

    def fwd():
        with torch.no_grad():
            forward()

    def step():
        x.grad = a.grad = b_up.grad = None
        forward().backward(dy)

    heavy = 2 * tokens * (in_f * out_f + rank * (in_f + out_f)) > 5e9
    out["fwd:" + key] = measure(fwd, heavy)
    out["step:" + key] = measure(step, heavy)
note = f"torch {torch.__version__}, {threads} threads"
print("BENCH_RESULT " + json.dumps({"peer": "pytorch", "note": note, "sizes": out}), flush=True)
