#!/usr/bin/env python3
"""PyTorch peer for tools/bench/conv2d: conv2d (3x3, padding 1) forward, and backward (input and weight
gradients, timed alone after an untimed forward), at UNet/VAE-like shapes.
Prints one JSON line per shape and pass: {"shape": [...], "pass": ..., "median_ms": ..., "median_cpu_ms": ...}."""
import json
import sys
import time

import torch
import torch.nn.functional as F

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
for spec in sys.argv[2:]:
    n, c, h, w, o = (int(v) for v in spec.split(","))
    x = torch.randn(n, c, h, w)
    k = torch.randn(o, c, 3, 3)
    gy = torch.randn(n, o, h, w)
    for mode in ("forward", "backward"):
        x.requires_grad_(mode == "backward")
        k.requires_grad_(mode == "backward")
        wall, cpu = [], []
        for i in range(runs + 2):
            if mode == "forward":
                t0, c0 = time.perf_counter(), time.process_time()
                F.conv2d(x, k, padding=1)
            else:
                x.grad = None
                k.grad = None
                y = F.conv2d(x, k, padding=1)
                t0, c0 = time.perf_counter(), time.process_time()
                y.backward(gy)
            if i >= 2:
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        wall.sort()
        cpu.sort()
        print(json.dumps({"shape": [n, c, h, w, o], "pass": mode, "median_ms": wall[len(wall) // 2], "median_cpu_ms": cpu[len(cpu) // 2], "torch": torch.__version__}))
