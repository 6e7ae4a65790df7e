#!/usr/bin/env python3
"""Golden fixtures for @loraflow/i2l-model: reduced-size Qwen-Image-i2L files and DiffSynth's outputs.

Regenerate from the repo root (torch + safetensors; Debian's python3-torch or any venv):
    /work/venv/bin/python tools/golden/i2l-golden.py packages/i2l-model/test/fixtures

The module structure follows DiffSynth-Studio's Qwen-Image-i2L model as described in
shared/I2L.md (restated here, not copied): a flat list of blocks, group-major (k = g * blocks + b);
each block holds one pair of two-layer generators per target module (proj_a -> lora_A, proj_b ->
lora_B, no bias, no activation) and, for Coarse / Fine, a per-block residual MLP (per-token
Linear(width -> mid), token-major flatten, Linear(L * mid -> compress)) whose output, computed from
0.05 * residual, is added between the two layers of both generators. lora_A = a.view(rank, in),
lora_B = b.view(out, rank).

Sizes are reduced so the fixtures stay small: 2 blocks, hidden 8 (MLP 16, modulation 48), image
embedding 24 instead of 5632, residual width 10 instead of 3584. The expected factors are computed
in float64 from the stored (dtype-rounded) weights.

Files written:
  targets.json                       the reduced target table (4 groups, 2 blocks)
  style-f32 / -bf16 / -f16.safetensors   Style (compress 4, no residual) with the same weights
  coarse.safetensors (f32), fine.safetensors (bf16)   Coarse (c 5, L 3, mid 6), Fine (c 5, L 5, mid 2)
  bias.safetensors                   a static rank-2 Bias LoRA in DiffSynth names
  emb-style-{0,1,2}, emb-coarse-{0,1}, emb-fine-{0,1}.safetensors   embeddings files
  expected-decode-<variant>.safetensors   per-image factors: img{i}.<module>.lora_A / lora_B
  expected-style-merge1 / -merge3.safetensors, expected-coarse-fine-bias.safetensors   merged LoRAs
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

torch.manual_seed(20261206)

RANK = 4
BLOCKS = 2
EMBED = 24
WIDTH = 10
H, MLP, MOD = 8, 16, 48
GROUPS = [
    [["attn.to_q", H, H], ["attn.to_k", H, H], ["attn.to_v", H, H], ["attn.to_out.0", H, H]],
    [["img_mlp.net.2", MLP, H], ["img_mod.1", H, MOD]],
    [["attn.add_q_proj", H, H], ["attn.add_k_proj", H, H], ["attn.add_v_proj", H, H], ["attn.to_add_out", H, H]],
    [["txt_mlp.net.2", MLP, H], ["txt_mod.1", H, MOD]],
]
VARIANTS = {
    "style": dict(compress=4, residual=None),
    "coarse": dict(compress=5, residual=(3, 6)),
    "fine": dict(compress=5, residual=(5, 2)),
}
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def weights(compress, residual):
    """The state dict of one variant: DiffSynth's keys, random weights (no init scaling, so B != 0)."""
    sd = {}
    for g, group in enumerate(GROUPS):
        for b in range(BLOCKS):
            k = g * BLOCKS + b
            for j, (_, fan_in, fan_out) in enumerate(group):
                p = f"blocks.{k}.layers.{j}."
                sd[p + "proj_a.proj_in.weight"] = torch.randn(compress, EMBED) * 0.3
                sd[p + "proj_a.proj_out.weight"] = torch.randn(RANK * fan_in, compress) * 0.3
                sd[p + "proj_b.proj_in.weight"] = torch.randn(compress, EMBED) * 0.3
                sd[p + "proj_b.proj_out.weight"] = torch.randn(RANK * fan_out, compress) * 0.3
            if residual:
                length, mid = residual
                sd[f"blocks.{k}.proj_residual.proj_in.weight"] = torch.randn(mid, WIDTH) * 0.3
                sd[f"blocks.{k}.proj_residual.proj_out.weight"] = torch.randn(compress, length * mid) * 0.3
    return sd


def forward(sd, x, residual_tokens, use_residual):
    """One image -> {module: (A [rank, in], B [out, rank])}, float64, batch 1 as in DiffSynth."""
    x = x.double().reshape(1, EMBED)
    out = {}
    res = None
    if use_residual:
        res = residual_tokens.double().reshape(1, -1) * 0.05
    for g, group in enumerate(GROUPS):
        for b in range(BLOCKS):
            k = g * BLOCKS + b
            r = 0.0
            if res is not None:
                w_in = sd[f"blocks.{k}.proj_residual.proj_in.weight"].double()
                w_out = sd[f"blocks.{k}.proj_residual.proj_out.weight"].double()
                tokens = res.view(-1, WIDTH)  # [L, width]
                hidden = tokens @ w_in.T  # [L, mid]
                r = hidden.reshape(1, -1) @ w_out.T  # token-major flatten -> [1, compress]
            for j, (name, fan_in, fan_out) in enumerate(group):
                p = f"blocks.{k}.layers.{j}."
                w = lambda n: sd[p + n].double()
                a = (x @ w("proj_a.proj_in.weight").T + r) @ w("proj_a.proj_out.weight").T
                bb = (x @ w("proj_b.proj_in.weight").T + r) @ w("proj_b.proj_out.weight").T
                out[f"transformer_blocks.{b}.{name}"] = (a.view(RANK, fan_in), bb.view(fan_out, RANK))
    return out


def merge(loras, alpha):
    """DiffSynth's merge: keys of the first LoRA, A = cat(A's, dim 0) * alpha, B = cat(B's, dim 1)."""
    return {m: (torch.cat([l[m][0] for l in loras], 0) * alpha, torch.cat([l[m][1] for l in loras], 1)) for m in loras[0]}


def as_file(lora):
    sd = {}
    for m, (a, b) in lora.items():
        sd[f"{m}.lora_A.default.weight"] = a.float().contiguous()
        sd[f"{m}.lora_B.default.weight"] = b.float().contiguous()
    return sd


def stored(sd, dtype):
    """The weights as the file holds them (rounded to dtype), for the float64 reference."""
    return {k: v.to(dtype) for k, v in sd.items()}


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    save = lambda sd, name, meta=None: save_file(sd, os.path.join(out_dir, name), metadata=meta)
    with open(os.path.join(out_dir, "targets.json"), "w") as f:
        json.dump({"blocks": BLOCKS, "groups": [[{"name": n, "in": i, "out": o} for n, i, o in g] for g in GROUPS]}, f, indent=1)

    files = {}
    style = weights(**VARIANTS["style"])
    for tag, dtype in DTYPES.items():
        files[f"style-{tag}"] = stored(style, dtype)
        save({k: v.contiguous() for k, v in files[f"style-{tag}"].items()}, f"style-{tag}.safetensors")
    files["coarse"] = stored(weights(**VARIANTS["coarse"]), torch.float32)
    save(files["coarse"], "coarse.safetensors")
    files["fine"] = stored(weights(**VARIANTS["fine"]), torch.bfloat16)
    save(files["fine"], "fine.safetensors")

    # Embeddings: values away from zero; SigLIP-like then DINO-like halves are just random here.
    emb = {}
    for i in range(3):
        x = torch.randn(EMBED)
        emb[f"style-{i}"] = (x, None)
        # Alternate [5632] and [1, 5632] layouts, as both occur in the wild.
        save({"image_embedding": x if i % 2 == 0 else x.reshape(1, EMBED)}, f"emb-style-{i}.safetensors")
    for v, length in (("coarse", 3), ("fine", 5)):
        for i in range(2):
            x = torch.randn(EMBED)
            r = torch.randn(length, WIDTH) * 2
            emb[f"{v}-{i}"] = (x, r)
            save({"image_embedding": x.reshape(1, EMBED), "residual": r}, f"emb-{v}-{i}.safetensors")

    def decoded(file, variant, image):
        x, r = emb[image]
        return forward(files[file], x, r, VARIANTS[variant]["residual"] is not None)

    # Per-image factors (image 0 of each variant; Style in all three dtypes).
    for file, variant, images in (("style-f32", "style", ["style-0", "style-1"]), ("style-bf16", "style", ["style-0"]), ("style-f16", "style", ["style-0"]),
                                  ("coarse", "coarse", ["coarse-0", "coarse-1"]), ("fine", "fine", ["fine-0"])):
        sd = {}
        for i, image in enumerate(images):
            for m, (a, b) in decoded(file, variant, image).items():
                sd[f"img{i}.{m}.lora_A"] = a.float().contiguous()
                sd[f"img{i}.{m}.lora_B"] = b.float().contiguous()
        save(sd, f"expected-decode-{file}.safetensors")

    # Style with 1 and 3 images: merge_lora(loras, alpha=1/N).
    save(as_file(merge([decoded("style-f32", "style", "style-0")], 1.0)), "expected-style-merge1.safetensors")
    loras = [decoded("style-f32", "style", f"style-{i}") for i in range(3)]
    save(as_file(merge(loras, 1 / 3)), "expected-style-merge3.safetensors")

    # Coarse + Fine with 2 images each, then the Bias LoRA once with alpha 1.
    bias = {}
    for g, group in enumerate(GROUPS):
        for b in range(BLOCKS):
            for name, fan_in, fan_out in group:
                bias[f"transformer_blocks.{b}.{name}"] = (torch.randn(2, fan_in).double(), torch.randn(fan_out, 2).double())
    save(as_file(bias), "bias.safetensors")
    loras = [decoded("coarse", "coarse", f"coarse-{i}") for i in range(2)] + [decoded("fine", "fine", f"fine-{i}") for i in range(2)]
    save(as_file(merge([merge(loras, 1 / 2), {m: (a.float().double(), b.float().double()) for m, (a, b) in bias.items()}], 1.0)), "expected-coarse-fine-bias.safetensors")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "packages/i2l-model/test/fixtures")
