"""Checks that `loraflow rerank --split pca` reproduces DiffSynth's rank reset.

DiffSynth (Qwen-Image-i2L) resets a LoRA's rank with W = B @ A (fp32), U, S, V = torch.pca_lowrank(W, q=rank)
(centred, randomised), A' = V^T, B' = U diag(S). This script builds a small DiffSynth-format LoRA, runs
that reference with its default niter=2 and with niter=200 (pca_lowrank uses no oversampling at
q = rank, so its subspace iteration converges only like (s_{k+1}/s_k)^(2 niter + 1)), the exact
centred truncated SVD it converges to, and our CLI with --split pca, and compares the products
B' @ A' (the factors themselves are only defined up to signs). Run from the repository root:

    /usr/bin/python3 tools/bench/pca-rerank/torch-pca-lowrank-check.py
"""
import json
import os
import struct
import subprocess
import tempfile

import torch

OUT, IN, RANK, KEEP = 96, 80, 24, 8


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:end]), dtype=torch.float32).reshape(e["shape"])
    return out


torch.manual_seed(0)
stem = "transformer_blocks.0.attn.to_q"
# A non-zero mean row, so centring matters.
up = torch.randn(OUT, RANK) + torch.linspace(0, 2, RANK)
down = torch.randn(RANK, IN) * 0.1
with tempfile.TemporaryDirectory() as d:
    src, dst = os.path.join(d, "in.safetensors"), os.path.join(d, "out.safetensors")
    write_safetensors(src, {f"{stem}.lora_A.default.weight": down, f"{stem}.lora_B.default.weight": up})
    subprocess.run(["pnpm", "-s", "loraflow", "rerank", src, "-o", dst, "--rank", str(KEEP), "--split", "pca", "--dtype", "f32", "--quiet"], check=True)
    ours = read_safetensors(dst)
w = (up.double() @ down.double())
mine = ours[f"{stem}.lora_B.default.weight"].double() @ ours[f"{stem}.lora_A.default.weight"].double()


def truncated(m):
    svd = torch.linalg.svd(m)
    return (svd.U[:, :KEEP] * svd.S[:KEEP]) @ svd.Vh[:KEEP]


def pca_lowrank(niter):
    u, s, v = torch.pca_lowrank(w, q=KEEP, center=True, niter=niter)
    return (u * s) @ v.T


centred = truncated(w - w.mean(dim=0, keepdim=True))
rel = lambda a, b: float((a - b).norm() / b.norm())
print(json.dumps({
    "oursVsExactCentred": rel(mine, centred),
    "oursVsPcaLowrankNiter200": rel(mine, pca_lowrank(200)),
    "oursVsPcaLowrankNiter2": rel(mine, pca_lowrank(2)),
    "errorVsW": {"pca": rel(mine, w), "pcaLowrankNiter2": rel(pca_lowrank(2), w), "bestRankK": rel(truncated(w), w)},
}, indent=1))
