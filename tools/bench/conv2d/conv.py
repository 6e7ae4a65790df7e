#!/usr/bin/env python3
"""PyTorch peer for tools/bench/conv2d: conv2d (3x3, padding 1, with bias) forward, and backward (input
and weight gradients, timed alone after an untimed forward), at the cases of `--shapes NxCxHxWxO,...`.
`--runs R` timed runs after 2 warm-up calls. With `--check DIR` the first case reads its inputs from
DIR/in.{x,w,b,gy}.f32 (raw float32, NCHW / OIHW) and writes DIR/torch.{y,dx,dw}.f32 for conv.ts.
Prints one line: BENCH_RESULT {"peer", "note", "sizes": {"fwd:<case>" | "bwd:<case>": {medianMs, minMs, runs, cpuMedianMs}}}."""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--shapes", required=True)
ap.add_argument("--runs", type=int, default=8)
ap.add_argument("--check")
args = ap.parse_args()


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def load(name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(args.check, f"in.{name}.f32"), dtype=np.float32).reshape(shape))


def save(name, t):
    t.detach().contiguous().numpy().astype(np.float32).tofile(os.path.join(args.check, f"torch.{name}.f32"))


sizes = {}
for i, spec in enumerate(args.shapes.split(",")):
    n, c, h, w, o = (int(v) for v in spec.split("x"))
    if i == 0 and args.check:
        x, k, b, gy = load("x", (n, c, h, w)), load("w", (o, c, 3, 3)), load("b", (o,)), load("gy", (n, o, h, w))
        xg, kg = x.clone().requires_grad_(True), k.clone().requires_grad_(True)
        y = F.conv2d(xg, kg, b, padding=1)
        y.backward(gy)
        save("y", y)
        save("dx", xg.grad)
        save("dw", kg.grad)
    else:
        x, k, b, gy = torch.randn(n, c, h, w), torch.randn(o, c, 3, 3) / (9 * c) ** 0.5, torch.randn(o) * 0.1, torch.randn(n, o, h, w)
    for mode in ("fwd", "bwd"):
        x.requires_grad_(mode == "bwd")
        k.requires_grad_(mode == "bwd")
        wall, cpu = [], []
        for r in range(args.runs + 2):
            if mode == "fwd":
                t0, c0 = time.perf_counter(), time.process_time()
                F.conv2d(x, k, b, padding=1)
            else:
                x.grad = None
                k.grad = None
                y = F.conv2d(x, k, b, padding=1)
                t0, c0 = time.perf_counter(), time.process_time()
                y.backward(gy)
            if r >= 2:
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        sizes[f"{mode}:{spec}"] = {"medianMs": median(wall), "minMs": min(wall), "runs": len(wall), "cpuMedianMs": median(cpu)}
    x.requires_grad_(False)
    k.requires_grad_(False)
note = f"torch {torch.__version__}, {torch.get_num_threads()} threads, NCHW, F.conv2d with bias; backward = y.backward(dy) after an untimed forward"
print("BENCH_RESULT " + json.dumps({"peer": "PyTorch", "note": note, "sizes": sizes}), flush=True)
