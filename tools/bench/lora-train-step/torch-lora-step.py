"""The flow-dit base model's transformer (QwenImageTransformer2DModel structure at the default config) with a LoRA on
every Linear, in PyTorch: times one training step (forward, MSE on the velocity, backward into the LoRA factors,
AdamW) for tools/bench/lora-train-step/bench.ts.
Usage: /usr/bin/python3 torch-lora-step.py [steps] [batch] [rank] [threads]; prints one JSON line."""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 2
RANK = int(sys.argv[3]) if len(sys.argv) > 3 else 16
THREADS = int(sys.argv[4]) if len(sys.argv) > 4 else 2
DEPTH, HEADS, HEAD_DIM, MLP_RATIO, TEXT_DIM, LATENT_C, PATCH = 4, 3, 32, 4, 96, 4, 2
ROPE_AXES, TEXT_LEN, SIDE = (8, 12, 12), 48, 16
DIM = HEADS * HEAD_DIM
torch.manual_seed(0)
torch.set_num_threads(THREADS)


class LoraLinear(nn.Module):
    """kohya-style LoRA: base(x) + up(down(x)) * alpha / rank, base frozen."""

    def __init__(self, base: nn.Linear, rank: int):
        super().__init__()
        self.base = base
        self.base.requires_grad_(False)
        self.down = nn.Linear(base.in_features, rank, bias=False)
        self.up = nn.Linear(rank, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.down.weight, a=math.sqrt(5))
        nn.init.zeros_(self.up.weight)

    def forward(self, x):
        return self.base(x) + self.up(self.down(x))


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def modulate(x, shift, scale):
    return x * (1 + scale) + shift


def rope(x, cos, sin):
    # pairs (2i, 2i+1) rotated by the position's angle
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class FeedForward(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.proj = nn.Linear(dim, hidden)
        self.out = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.out(F.gelu(self.proj(x), approximate='tanh'))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.img_mod = nn.Linear(DIM, 6 * DIM)
        self.txt_mod = nn.Linear(DIM, 6 * DIM)
        self.to_q, self.to_k, self.to_v = nn.Linear(DIM, DIM), nn.Linear(DIM, DIM), nn.Linear(DIM, DIM)
        self.add_q, self.add_k, self.add_v = nn.Linear(DIM, DIM), nn.Linear(DIM, DIM), nn.Linear(DIM, DIM)
        self.norm_q, self.norm_k, self.norm_aq, self.norm_ak = (RMSNorm(HEAD_DIM) for _ in range(4))
        self.to_out, self.to_add_out = nn.Linear(DIM, DIM), nn.Linear(DIM, DIM)
        self.img_mlp, self.txt_mlp = FeedForward(DIM, DIM * MLP_RATIO), FeedForward(DIM, DIM * MLP_RATIO)

    def forward(self, img, txt, temb, cos_i, sin_i, cos_t, sin_t):
        b, li, lt = img.shape[0], img.shape[1], txt.shape[1]
        im = self.img_mod(F.silu(temb)).unsqueeze(1).chunk(6, dim=2)
        tm = self.txt_mod(F.silu(temb)).unsqueeze(1).chunk(6, dim=2)
        heads = lambda t: t.view(b, t.shape[1], HEADS, HEAD_DIM).transpose(1, 2)
        xi = modulate(F.layer_norm(img, (DIM,), eps=1e-6), im[0], im[1])
        xt = modulate(F.layer_norm(txt, (DIM,), eps=1e-6), tm[0], tm[1])
        q = torch.cat([rope(self.norm_aq(heads(self.add_q(xt))), cos_t, sin_t), rope(self.norm_q(heads(self.to_q(xi))), cos_i, sin_i)], 2)
        k = torch.cat([rope(self.norm_ak(heads(self.add_k(xt))), cos_t, sin_t), rope(self.norm_k(heads(self.to_k(xi))), cos_i, sin_i)], 2)
        v = torch.cat([heads(self.add_v(xt)), heads(self.to_v(xi))], 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(HEAD_DIM), -1) @ v  # torch 1.13 has no fused SDPA
        a = a.transpose(1, 2).reshape(b, lt + li, DIM)
        img = img + im[2] * self.to_out(a[:, lt:])
        txt = txt + tm[2] * self.to_add_out(a[:, :lt])
        img = img + im[5] * self.img_mlp(modulate(F.layer_norm(img, (DIM,), eps=1e-6), im[3], im[4]))
        txt = txt + tm[5] * self.txt_mlp(modulate(F.layer_norm(txt, (DIM,), eps=1e-6), tm[3], tm[4]))
        return img, txt


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        packed = LATENT_C * PATCH * PATCH
        self.t1, self.t2 = nn.Linear(256, DIM), nn.Linear(DIM, DIM)
        self.txt_norm = RMSNorm(TEXT_DIM)
        self.img_in, self.txt_in = nn.Linear(packed, DIM), nn.Linear(TEXT_DIM, DIM)
        self.blocks = nn.ModuleList(Block() for _ in range(DEPTH))
        self.norm_out = nn.Linear(DIM, 2 * DIM)
        self.proj_out = nn.Linear(DIM, packed)

    def forward(self, x, sigmas, text, tables):
        b, c, h, w = x.shape
        gh, gw = h // PATCH, w // PATCH
        tokens = x.view(b, c, gh, PATCH, gw, PATCH).permute(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, c * PATCH * PATCH)
        half = 128
        freqs = torch.exp(-math.log(10000) * torch.arange(half) / half) * 1000
        arg = sigmas[:, None] * freqs[None]
        temb = self.t2(F.silu(self.t1(torch.cat([torch.cos(arg), torch.sin(arg)], 1))))
        img, txt = self.img_in(tokens), self.txt_in(self.txt_norm(text))
        for blk in self.blocks:
            img, txt = blk(img, txt, temb, *tables)
        scale, shift = self.norm_out(F.silu(temb)).unsqueeze(1).chunk(2, dim=2)
        out = self.proj_out(F.layer_norm(img, (DIM,), eps=1e-6) * (1 + scale) + shift)
        return out.view(b, gh, gw, c, PATCH, PATCH).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def rope_tables(length, offset):
    pos = torch.arange(length, dtype=torch.float32) + offset
    inv = 1.0 / (10000 ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
    ang = pos[:, None] * inv[None]
    return torch.cos(ang), torch.sin(ang)


def inject(module: nn.Module):
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Linear):
            setattr(module, name, LoraLinear(child, RANK))
        else:
            inject(child)


model = Transformer()
model.requires_grad_(False)
inject(model)
lora = [p for p in model.parameters() if p.requires_grad]
base = sum(p.numel() for p in model.parameters() if not p.requires_grad)
opt = torch.optim.AdamW(lora, lr=1e-4)
text = torch.randn(BATCH, TEXT_LEN, TEXT_DIM)
ci, si = rope_tables(SIDE * SIDE // 4, 0)
ct, st = rope_tables(TEXT_LEN, SIDE)
tables = (ci, si, ct, st)
walls, cpus = [], []
for i in range(STEPS + 2):
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    x0, noise, sig = torch.randn(BATCH, LATENT_C, SIDE, SIDE), torch.randn(BATCH, LATENT_C, SIDE, SIDE), torch.rand(BATCH)
    s = sig.view(BATCH, 1, 1, 1)
    v = model((1 - s) * x0 + s * noise, sig, text, tables)
    loss = (v - (noise - x0)).pow(2).mean()
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    loss.item()
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    if i >= 2:
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) * 1000)
walls.sort()
cpus.sort()
print(json.dumps({'wall': walls[len(walls) // 2], 'cpu': cpus[len(cpus) // 2], 'loraParams': sum(p.numel() for p in lora), 'baseParams': base, 'threads': torch.get_num_threads(), 'version': torch.__version__}))
