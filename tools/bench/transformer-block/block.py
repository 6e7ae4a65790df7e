#!/usr/bin/env python3
"""PyTorch peer for tools/bench/transformer-block: a pre-LayerNorm transformer block
(hidden 256, 4 heads x 64, MLP 1024, GELU-tanh), batch 2 x 288 tokens, forward + backward.
Prints one JSON line: {"torch": version, "threads": n, "median_ms": ..., "runs": [...]}.
Run with OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE and OPENBLAS_CORETYPE unset for the AVX-512 figures."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

B, L, D, H, M = 2, 288, 256, 4, 1024
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.out = nn.Linear(D, D)
        self.norm2 = nn.LayerNorm(D)
        self.fc1 = nn.Linear(D, M)
        self.fc2 = nn.Linear(M, D)

    def forward(self, x):
        h = self.norm1(x)
        q, k, v = self.qkv(h).reshape(B, L, 3, H, D // H).permute(2, 0, 3, 1, 4)
        a = F.softmax(q @ k.transpose(-1, -2) / (D // H) ** 0.5, -1) @ v
        x = x + self.out(a.transpose(1, 2).reshape(B, L, D))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate="tanh"))


block = Block()
x = torch.randn(B, L, D)
times = []
cpu = []
for i in range(runs + 5):
    t0 = time.perf_counter()
    c0 = time.process_time()
    loss = block(x).square().mean()
    loss.backward()
    block.zero_grad()
    if i >= 5:
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
times.sort()
cpu.sort()
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "median_ms": times[len(times) // 2], "median_cpu_ms": cpu[len(cpu) // 2], "runs": times}))
