#!/usr/bin/env python3
"""Golden vectors from PyTorch for tensor-core's tests.

Regenerate with Debian's torch (apt install python3-torch), from the repo root:
    /usr/bin/python3 tools/golden/torch-golden.py > packages/tensor-core/test/fixtures/torch-golden.json

Each case stores float32 inputs, an upstream gradient, PyTorch's float32 output and the gradients
of sum(output * upstream) with respect to every input. Small shapes keep the fixture tiny.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float32)


def rnd(*shape):
    # Values away from zero, like the JS reference tests.
    x = torch.rand(*shape) + 0.1
    return torch.where(torch.rand(*shape) < 0.5, -x, x)


def case(name, fn, inputs, extra=None):
    leaves = [t.clone().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    upstream = rnd(*out.shape)
    (out * upstream).sum().backward()
    return {
        "name": name,
        "inputs": [{"shape": list(t.shape), "data": t.flatten().tolist()} for t in inputs],
        "upstream": upstream.flatten().tolist(),
        "output": {"shape": list(out.shape), "data": out.detach().flatten().tolist()},
        "grads": [leaf.grad.flatten().tolist() for leaf in leaves],
        **(extra or {}),
    }


def rms_norm(x, w, eps=1e-6):
    # torch 1.13 has no F.rms_norm; this is the definition Qwen-Image's RMSNorm uses.
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


cases = [
    case("conv2d s1 p1", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1), [rnd(2, 3, 5, 5), rnd(4, 3, 3, 3), rnd(4)], {"opts": {"stride": 1, "padding": 1, "dilation": 1, "groups": 1}}),
    case("conv2d s2 p1 d1 g2", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2), [rnd(1, 4, 6, 7), rnd(6, 2, 3, 3), rnd(6)], {"opts": {"stride": 2, "padding": 1, "dilation": 1, "groups": 2}}),
    case("conv2d d2 p2", lambda x, w, b: F.conv2d(x, w, b, padding=2, dilation=2), [rnd(1, 2, 7, 6), rnd(3, 2, 3, 3), rnd(3)], {"opts": {"stride": 1, "padding": 2, "dilation": 2, "groups": 1}}),
    case("sdpa", lambda q, k, v: F.softmax(q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5), -1) @ v, [rnd(2, 2, 5, 8), rnd(2, 2, 6, 8), rnd(2, 2, 6, 8)]),
    case("sdpa causal", lambda q, k, v: F.softmax((q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5)).masked_fill(torch.ones(5, 5).triu(1).bool(), float("-inf")), -1) @ v, [rnd(1, 2, 5, 4), rnd(1, 2, 5, 4), rnd(1, 2, 5, 4)], {"causal": True}),
    case("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-5), [rnd(2, 4, 3, 3), rnd(4), rnd(4)], {"groups": 2}),
    case("layer_norm", lambda x, w, b: F.layer_norm(x, (6,), w, b, eps=1e-5), [rnd(3, 4, 6), rnd(6), rnd(6)]),
    case("rms_norm", lambda x, w: rms_norm(x, w), [rnd(3, 4, 8), rnd(8)]),
    case("gelu", lambda x: F.gelu(x), [rnd(4, 9) * 3]),
    case("gelu tanh", lambda x: F.gelu(x, approximate="tanh"), [rnd(4, 9) * 3]),
    case("silu", lambda x: F.silu(x), [rnd(4, 9) * 3]),
    case("upsample bilinear", lambda x: F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=False), [rnd(1, 2, 3, 4)], {"size": [5, 7]}),
]

json.dump({"torch": torch.__version__, "cases": cases}, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
