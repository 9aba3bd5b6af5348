"""Losses for training FILM without any pre-trained network.

FILM's released models use L1 (the "L1" model), L1 + VGG perceptual ("VGG") and L1 + VGG + Gram style
("Style"). ImageNet VGG weights cannot be had here, so the sharpening term must come from the image
itself. Implemented:

- l1:      mean |pred - gt|.
- lap:     Laplacian-pyramid L1 (Bojanowski et al. 2018; used to train SoftSplat / Niklaus & Liu 2020):
           sum over levels l of 2^-l * mean |L_l(pred) - L_l(gt)| with a 5-level pyramid built with a 5x5
           binomial (Gaussian) filter. Each band is a linear function of the image, so the loss is still
           minimised by the true frame (it adds no bias, unlike a perceptual loss), but the band-pass
           levels give the high-frequency detail that L1 averages away its own gradient (a blurry
           prediction is penalised on every fine band), and the coarse levels penalise low-frequency
           colour shifts over large areas.
- census:  soft ternary census loss (Meister et al., UnFlow 2018): compares 7x7 local structure
           signatures of the grey images, invariant to brightness/contrast offsets. It rewards correct
           edges and texture strongly but says nothing about absolute colour, so it is only an auxiliary
           term (weight <= 0.1 next to L1).
The default (configs/default.json "loss") is l1 + lap with census off; see docs/training.md.
"""
from __future__ import annotations

from typing import Dict

import torch
from torch.nn import functional as F

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _gauss(x: torch.Tensor) -> torch.Tensor:
    c = x.shape[1]
    k = _BINOMIAL.to(x.device, x.dtype)
    kx = k.view(1, 1, 1, 5).repeat(c, 1, 1, 1)
    ky = k.view(1, 1, 5, 1).repeat(c, 1, 1, 1)
    x = F.pad(x, (2, 2, 2, 2), mode="reflect")
    return F.conv2d(F.conv2d(x, kx, groups=c), ky, groups=c)


def laplacian_pyramid(x: torch.Tensor, levels: int = 5):
    out = []
    cur = x
    for _ in range(levels - 1):
        blur = _gauss(cur)
        down = blur[:, :, ::2, ::2]
        up = F.interpolate(down, size=cur.shape[2:], mode="bilinear", align_corners=False)
        out.append(cur - up)
        cur = down
    out.append(cur)
    return out


def lap_l1(pred: torch.Tensor, gt: torch.Tensor, levels: int = 5) -> torch.Tensor:
    pp, pg = laplacian_pyramid(pred, levels), laplacian_pyramid(gt, levels)
    return sum((2.0 ** -l) * (a - b).abs().mean() for l, (a, b) in enumerate(zip(pp, pg)))


def _ternary(x: torch.Tensor, patch: int = 7) -> torch.Tensor:
    gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]) * 255.0
    n = patch * patch
    eye = torch.eye(n, device=x.device, dtype=x.dtype).view(n, 1, patch, patch)
    neigh = F.conv2d(gray, eye, padding=patch // 2)
    d = neigh - gray
    return d / torch.sqrt(0.81 + d * d)


def census(pred: torch.Tensor, gt: torch.Tensor, patch: int = 7) -> torch.Tensor:
    t1, t2 = _ternary(pred, patch), _ternary(gt, patch)
    d = (t1 - t2) ** 2
    dist = (d / (0.1 + d)).mean(1, keepdim=True)
    r = patch // 2
    # ignore the border where the zero padding makes the signature meaningless
    return dist[:, :, r:-r, r:-r].mean()


class Loss:
    """Weighted sum of the terms above; weights from a dict such as {"l1": 1, "lap": 1, "census": 0}."""

    def __init__(self, weights: Dict[str, float]):
        unknown = set(weights) - {"l1", "lap", "census"}
        if unknown:
            raise ValueError(f"unknown loss term(s) {sorted(unknown)}")
        self.w = {k: float(v) for k, v in weights.items() if float(v) != 0.0}
        if not self.w:
            raise ValueError("all loss weights are zero")

    def __call__(self, pred: torch.Tensor, gt: torch.Tensor):
        terms = {}
        if "l1" in self.w:
            terms["l1"] = (pred - gt).abs().mean()
        if "lap" in self.w:
            terms["lap"] = lap_l1(pred, gt)
        if "census" in self.w:
            terms["census"] = census(pred, gt)
        total = sum(self.w[k] * v for k, v in terms.items())
        return total, {k: float(v.detach()) for k, v in terms.items()}
