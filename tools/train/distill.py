"""Flow distillation (issue 13): supervise FILM's flow pyramids with a classical teacher flow, as
IFRNet's task-oriented flow distillation does (Kong et al., CVPR 2022), so that the flows learn
from more than the image loss alone.

Teacher: OpenCV's DIS dense flow (medium preset) from the ground-truth middle frame to each input,
computed once per training triplet when the triplet is made (triplets are generated on the fly
and each is seen once, so computing it with the triplet is computing it once; nothing to cache).
FILM's conventions (film_torch.py): at level 0 the backward flow b warps image 0 to the middle
as warp(x0, 0.5 * b), sampling x0 at x + 0.5 * b(x); so 0.5 * b is the displacement from the
middle frame to x0, and the teacher for b is 2 * DIS(gt -> x0); likewise f and x1.

Confidence: how well the teacher explains the middle frame, exp(-|x_i(x + d(x)) - gt(x)| / 0.05)
(mean over colour), so occlusions and flow failures count little. The loss at each flow level l
(flows there are in that level's pixels) compares the prediction with the teacher average-pooled
to the level and divided by 2^l, measures the error in full-resolution pixels, and takes a
robust Charbonnier penalty sqrt(e^2 + 0.01) weighted by the pooled confidence; levels are
averaged. Its weight falls linearly to 0 over --distill-steps, so the image loss decides in the
end.
"""
from __future__ import annotations

import cv2
import numpy as np

_DIS = None


def _dis():
    global _DIS
    if _DIS is None:
        _DIS = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return _DIS


def _gray(im: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(im * 255.0 + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)


def teacher(trip: np.ndarray):
    """trip: [3 frames, H, W, 3] float in [0, 1] (x0, gt, x1). Returns (flows [2, 2, H, W]: the
    teacher for FILM's backward then forward level-0 flow; conf [2, 1, H, W] in (0, 1])."""
    x0, gt, x1 = trip[0], trip[1], trip[2]
    g = _gray(gt)
    h, w = g.shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    flows, conf = [], []
    for src in (x0, x1):
        d = _dis().calc(g, _gray(src), None)  # gt(x) ~ src(x + d(x))
        warped = cv2.remap(src.astype(np.float32), gx + d[..., 0], gy + d[..., 1], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        err = np.abs(warped - gt.astype(np.float32)).mean(axis=2)
        conf.append(np.exp(-err / 0.05)[None])
        flows.append((2.0 * d).transpose(2, 0, 1))
    return np.stack(flows).astype(np.float32), np.stack(conf).astype(np.float32)


def loss(out: dict, flows, conf):
    """The distillation loss of a forward pass `out` (film_torch.FILM's dict) against teacher
    flows [B, 2, 2, H, W] and confidences [B, 2, 1, H, W] (torch tensors)."""
    import torch.nn.functional as F
    total, n = 0.0, 0
    for key, i in (("backward_flow_pyramid", 0), ("forward_flow_pyramid", 1)):
        for level, pred in enumerate(out[key]):
            k = 1 << level
            t = flows[:, i] if k == 1 else F.avg_pool2d(flows[:, i], k) / k
            c = conf[:, i] if k == 1 else F.avg_pool2d(conf[:, i], k)
            e2 = (((pred - t) * k) ** 2).sum(1, keepdim=True)
            total = total + (c * (e2 + 0.01).sqrt()).sum() / c.sum().clamp_min(1e-6)
            n += 1
    return total / n


def weight(step: int, w0: float, steps: int) -> float:
    """w0 at step 0, falling linearly to 0 at `steps` (0: constant w0)."""
    if w0 <= 0:
        return 0.0
    return w0 if steps <= 0 else w0 * max(0.0, 1.0 - step / steps)
