"""Child process of bench.ts: checks pca-rerank's per-layer error on the benchmark file against a
dense float64 SVD in torch (Eckart-Young: the best rank-k error is the norm of the tail singular values).

Usage: torch-check-errors.py FILE OURS.json K NAME [NAME ...]
Reads each layer's bf16 factors straight from the safetensors file (header parsed here), forms
W = up @ down in float64, and prints one JSON line: per layer, our error, the dense optimum, and the
relative difference.
"""
import json
import struct
import sys

import torch

path, ours_path, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sys.argv[4:]
ours = {e["name"]: e for e in json.load(open(ours_path))["errors"]}
with open(path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    start = 8 + n

    def load(key):
        entry = header[key]
        b, e = entry["data_offsets"]
        f.seek(start + b)
        raw = bytearray(f.read(e - b))
        dtype = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}[entry["dtype"]]
        return torch.frombuffer(raw, dtype=dtype).reshape(entry["shape"]).double()

    out = []
    for name in names:
        down = load(f"{name}.lora_A.default.weight")
        up = load(f"{name}.lora_B.default.weight")
        s = torch.linalg.svdvals(up @ down)
        optimum = float(s[k:].square().sum().sqrt())
        ours_err = ours[name]["errorNorm"]
        out.append({"name": name, "shape": list(up.shape[:1]) + list(down.shape[1:]), "ours": ours_err, "denseOptimum": optimum,
                    "relDiff": abs(ours_err - optimum) / optimum})
print(json.dumps(out))
