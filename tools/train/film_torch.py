"""FILM (Reda et al., ECCV 2022) in PyTorch, written for training.

The network is numerically the published architecture (the official TF2 model, the engine's graph and
the third-party PyTorch port github.com/dajes/frame-interpolation-pytorch); see docs/FILM.md in the
shared folder for the conventions followed here:
  - TF 'same' padding (3x3: 1/1, 1x1: 0, 2x2: 0 top/left and 1 bottom/right),
  - leaky ReLU 0.2,
  - image pyramid by 2x2 average pooling,
  - flow upsampling: bilinear, half-pixel centres (align_corners=False) of 2*v,
  - nearest 2x upsample in the fusion decoder,
  - backward warp with border clamping (grid_sample, border, align_corners=False),
  - t = 0.5 fixed.
The state_dict keys are exactly the port's, so a checkpoint exports 1:1 (tools/train/export.py) and
the port's weights load 1:1 (tools/train/check_port_fixtures.py proves the numerics).

Differences from the port that do not change any output:
  - both images go through the feature extractor in one batch, and both flow directions through the
    flow estimator in one batch (x0->x1 and x1->x0 stacked on the batch axis);
  - the sub-tree extractor stops at the depth that is used (the port runs the unused deeper convs);
  - channel counts are derived from the options instead of the port's formulas, which only hold for
    sub_levels == fusion_pyramid_levels - 1 == specialized_levels + 1 (true for the released options;
    Options.validate insists on it so that the key set and shapes stay the port's).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, asdict
from typing import Dict, List

import torch
from torch import nn
from torch.nn import functional as F

OPTION_KEYS = ("pyramid_levels", "fusion_pyramid_levels", "specialized_levels", "sub_levels",
               "filters", "flow_convs", "flow_filters")


@dataclass
class Options:
    pyramid_levels: int = 7
    fusion_pyramid_levels: int = 5
    specialized_levels: int = 3
    sub_levels: int = 4
    filters: int = 64
    flow_convs: List[int] = field(default_factory=lambda: [3, 3, 3, 3])
    flow_filters: List[int] = field(default_factory=lambda: [32, 64, 128, 256])

    @staticmethod
    def from_dict(d: dict) -> "Options":
        unknown = set(d) - set(OPTION_KEYS)
        if unknown:
            raise ValueError(f"unknown FILM option(s): {sorted(unknown)}")
        o = Options(**{k: (list(v) if isinstance(v, (list, tuple)) else int(v)) for k, v in d.items()})
        o.validate()
        return o

    @staticmethod
    def load(path: str) -> "Options":
        with open(path) as f:
            return Options.from_dict(json.load(f))

    def to_dict(self) -> dict:
        return {k: asdict(self)[k] for k in OPTION_KEYS}

    def validate(self):
        if not (1 <= self.fusion_pyramid_levels <= self.pyramid_levels):
            raise ValueError("need 1 <= fusion_pyramid_levels <= pyramid_levels")
        if len(self.flow_convs) != self.specialized_levels + 1 or \
                len(self.flow_filters) != self.specialized_levels + 1:
            raise ValueError("flow_convs / flow_filters need specialized_levels + 1 entries")
        if self.specialized_levels + 1 != self.sub_levels:
            # Cascaded features have a constant channel count only from level sub_levels-1 on; the
            # shared predictor needs that from level specialized_levels on, and the port's layout
            # assumes equality.
            raise ValueError("this implementation (like the port) needs specialized_levels == sub_levels - 1")
        if self.fusion_pyramid_levels - 1 != self.sub_levels:
            raise ValueError("the port's key layout needs fusion_pyramid_levels - 1 == sub_levels")
        if self.pyramid_levels <= self.specialized_levels:
            raise ValueError("need pyramid_levels > specialized_levels")
        if any(f % 2 for f in self.flow_filters) or self.filters < 1:
            raise ValueError("flow_filters must be even, filters positive")

    @property
    def align(self) -> int:
        return 1 << (self.pyramid_levels - 1)


class Conv(nn.Sequential):
    """One conv with TF 'same' padding and optional leaky ReLU(0.2); key layout `<name>.0.weight`."""

    def __init__(self, cin: int, cout: int, k: int, act: bool = True):
        super().__init__(nn.Conv2d(cin, cout, k, padding=(k - 1) // 2))
        self.k = k
        self.act = act

    def forward(self, x):
        if self.k % 2 == 0:  # even kernel: TF puts the extra padding pixel bottom/right
            x = F.pad(x, (0, self.k - 1 - (self.k - 1) // 2, 0, self.k - 1 - (self.k - 1) // 2))
        x = self[0](x)
        return F.leaky_relu(x, 0.2) if self.act else x


# ----------------------------------------------------------------------------------------------
# Building blocks

def image_pyramid(x: torch.Tensor, levels: int) -> List[torch.Tensor]:
    out = [x]
    for _ in range(levels - 1):
        x = F.avg_pool2d(x, 2, 2)
        out.append(x)
    return out


def upsample_flow(v: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(2.0 * v, size=tuple(size), mode="bilinear", align_corners=False)


_grid_cache: Dict[tuple, torch.Tensor] = {}


def _base_grid(h: int, w: int, device, dtype) -> torch.Tensor:
    key = (h, w, str(device), dtype)
    g = _grid_cache.get(key)
    if g is None:
        # normalised pixel centres for align_corners=False: (2i + 1)/n - 1
        xs = (torch.arange(w, device=device, dtype=dtype) * 2 + 1) / w - 1
        ys = (torch.arange(h, device=device, dtype=dtype) * 2 + 1) / h - 1
        g = torch.stack(torch.meshgrid(ys, xs, indexing="ij")[::-1], dim=-1)[None]  # 1,H,W,2 (x,y)
        if len(_grid_cache) > 64:
            _grid_cache.clear()
        _grid_cache[key] = g
    return g


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward warp: out(y,x) = bilinear(image, y + flow[1], x + flow[0]); border clamping."""
    _, _, h, w = flow.shape
    scale = torch.tensor([2.0 / w, 2.0 / h], device=flow.device, dtype=flow.dtype)
    grid = _base_grid(h, w, flow.device, flow.dtype) + flow.permute(0, 2, 3, 1) * scale
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=False)


# ----------------------------------------------------------------------------------------------
# Modules (names and nesting chosen to reproduce the port's state-dict keys)

class SubTreeExtractor(nn.Module):
    def __init__(self, cin: int, k: int, n: int):
        super().__init__()
        self.convs = nn.ModuleList()
        for i in range(n):
            self.convs.append(nn.Sequential(Conv(cin, k << i, 3), Conv(k << i, k << i, 3)))
            cin = k << i

    def forward(self, x: torch.Tensor, depth: int) -> List[torch.Tensor]:
        out = []
        for i in range(depth):
            if i > 0:
                x = F.avg_pool2d(x, 2, 2)
            x = self.convs[i](x)
            out.append(x)
        return out


class FeatureExtractor(nn.Module):
    def __init__(self, k: int, sub_levels: int):
        super().__init__()
        self.extract_sublevels = SubTreeExtractor(3, k, sub_levels)
        self.sub_levels = sub_levels

    def forward(self, pyramid: List[torch.Tensor]) -> List[torch.Tensor]:
        n = len(pyramid)
        subs = [self.extract_sublevels(pyramid[l], min(self.sub_levels, n - l)) for l in range(n)]
        feats = []
        for l in range(n):
            parts = [subs[l - j][j] for j in range(min(l, self.sub_levels - 1) + 1)]
            feats.append(torch.cat(parts, 1) if len(parts) > 1 else parts[0])
        return feats


class FlowPredictor(nn.Module):
    def __init__(self, cin: int, nconv: int, nf: int):
        super().__init__()
        self._convs = nn.ModuleList()
        for _ in range(nconv):
            self._convs.append(Conv(cin, nf, 3))
            cin = nf
        self._convs.append(Conv(cin, nf // 2, 1))
        self._convs.append(Conv(nf // 2, 2, 1, act=False))

    def forward(self, a, b):
        x = torch.cat([a, b], 1)
        for c in self._convs:
            x = c(x)
        return x


class PyramidFlowEstimator(nn.Module):
    def __init__(self, o: Options, level_channels: List[int]):
        super().__init__()
        s = o.specialized_levels
        self._predictor = FlowPredictor(2 * level_channels[s], o.flow_convs[s], o.flow_filters[s])
        # the port stores the specialised predictors coarse to fine: index 0 is level s-1
        self._predictors = nn.ModuleList(
            [FlowPredictor(2 * level_channels[l], o.flow_convs[l], o.flow_filters[l])
             for l in reversed(range(s))])
        self.s = s

    def predictor(self, level: int) -> FlowPredictor:
        return self._predictor if level >= self.s else self._predictors[self.s - 1 - level]

    def forward(self, fa: List[torch.Tensor], fb: List[torch.Tensor]) -> List[torch.Tensor]:
        n = len(fa)
        v = self.predictor(n - 1)(fa[-1], fb[-1])
        residuals = [v]
        for l in range(n - 2, -1, -1):
            v = upsample_flow(v, fa[l].shape[2:])
            r = self.predictor(l)(fa[l], warp(fb[l], v))
            residuals.insert(0, r)
            v = v + r
        return residuals


def flow_pyramid_synthesis(residuals: List[torch.Tensor]) -> List[torch.Tensor]:
    v = residuals[-1]
    out = [v]
    for r in reversed(residuals[:-1]):
        v = r + upsample_flow(v, r.shape[2:])
        out.insert(0, v)
    return out


class Fusion(nn.Module):
    def __init__(self, o: Options, level_channels: List[int]):
        super().__init__()
        k, s = o.filters, o.specialized_levels
        n = o.fusion_pyramid_levels
        # input channels at fusion level l: two warped (image + features) plus two 2-channel flows
        cin = [2 * (3 + level_channels[l]) + 4 for l in range(n)]
        # registered first so that the state_dict order is the port's (output_conv, then convs)
        self.output_conv = nn.Conv2d(k, 3, 1)  # level 0 has k channels
        self.convs = nn.ModuleList()  # index 0 is the coarsest decoder level (n-2), like the port
        prev = cin[n - 1]
        for l in range(n - 2, -1, -1):
            nl = (k << l) if l < s else (k << s)
            self.convs.append(nn.ModuleList([
                Conv(prev, nl, 2, act=False),
                Conv(cin[l] + nl, nl, 3),
                Conv(nl, nl, 3)]))
            prev = nl
        assert self.output_conv.in_channels == prev

    def forward(self, pyr: List[torch.Tensor]) -> torch.Tensor:
        net = pyr[-1]
        for i, layers in enumerate(self.convs):
            l = len(pyr) - 2 - i
            net = F.interpolate(net, size=tuple(pyr[l].shape[2:]), mode="nearest")
            net = layers[0](net)
            net = torch.cat([pyr[l], net], 1)
            net = layers[2](layers[1](net))
        return self.output_conv(net)


class FILM(nn.Module):
    def __init__(self, options: Options | dict | None = None):
        super().__init__()
        if options is None:
            options = Options()
        if isinstance(options, dict):
            options = Options.from_dict(options)
        options.validate()
        self.options = options
        o = options
        level_channels = [sum(o.filters << j for j in range(min(l, o.sub_levels - 1) + 1))
                          for l in range(o.pyramid_levels)]
        self.level_channels = level_channels
        self.extract = FeatureExtractor(o.filters, o.sub_levels)
        self.predict_flow = PyramidFlowEstimator(o, level_channels)
        self.fuse = Fusion(o, level_channels)

    def forward(self, x0: torch.Tensor, x1: torch.Tensor) -> Dict:
        o = self.options
        b = x0.shape[0]
        h, w = x0.shape[2:]
        if h % o.align or w % o.align:
            raise ValueError(f"input {h}x{w} is not a multiple of {o.align}")
        # both images through the (shared) extractor in one batch: [x0; x1]
        imgs = image_pyramid(torch.cat([x0, x1], 0), o.pyramid_levels)
        feats = self.extract(imgs)
        # both flow directions in one batch: A = [x0; x1], B = [x1; x0]
        fb = [torch.cat([f[b:], f[:b]], 0) for f in feats]
        residuals = self.predict_flow(feats, fb)
        flows = flow_pyramid_synthesis(residuals)[:o.fusion_pyramid_levels]
        nf = o.fusion_pyramid_levels
        aligned = []
        for l in range(nf):
            fwd, bwd = flows[l][:b], flows[l][b:]  # x0->x1, x1->x0
            bwd_t, fwd_t = bwd * 0.5, fwd * 0.5  # t = 0.5 scales both
            src = torch.cat([imgs[l], feats[l]], 1)  # [img0|feat0 ; img1|feat1]
            # warp image0 with backward flow and image1 with forward flow, in one batched call
            warped = warp(src, torch.cat([bwd_t, fwd_t], 0))
            aligned.append(torch.cat([warped[:b], warped[b:], bwd_t, fwd_t], 1))
        image = self.fuse(aligned)
        return {
            "image": image,
            "forward_residual_flow_pyramid": [r[:b] for r in residuals],
            "backward_residual_flow_pyramid": [r[b:] for r in residuals],
            "forward_flow_pyramid": [f[:b] for f in flows],
            "backward_flow_pyramid": [f[b:] for f in flows],
        }


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


_ENGINE_NAME_RULES = [  # (port key pattern, engine name from the match and the options)
    (re.compile(r"extract\.extract_sublevels\.convs\.(\d+)\.(\d+)\.0\.(weight|bias)"),
     lambda m, o: f"encoder/conv{2 * int(m[1]) + int(m[2])}/{m[3]}"),
    (re.compile(r"predict_flow\._predictor\._convs\.(\d+)\.0\.(weight|bias)"),
     lambda m, o: f"flow/predictor_shared/conv{m[1]}/{m[2]}"),
    (re.compile(r"predict_flow\._predictors\.(\d+)\._convs\.(\d+)\.0\.(weight|bias)"),  # stored coarse to fine
     lambda m, o: f"flow/predictor_{o.specialized_levels - 1 - int(m[1])}/conv{m[2]}/{m[3]}"),
    (re.compile(r"fuse\.convs\.(\d+)\.(\d+)\.0\.(weight|bias)"),
     lambda m, o: f"fusion/level{o.fusion_pyramid_levels - 2 - int(m[1])}/conv{m[2]}/{m[3]}"),
    (re.compile(r"fuse\.output_conv\.(weight|bias)"), lambda m, o: f"fusion/output/{m[1]}"),
]


def engine_weight_name(key: str, o: Options) -> str:
    """The engine's name (a model directory's weights.safetensors) for this network's state-dict key.
    The same mapping as models/film/import_port.cpp, read the other way round by train.py --init MODEL_DIR;
    tests/test_train_export.cpp checks the round trip."""
    for pattern, name in _ENGINE_NAME_RULES:
        m = pattern.fullmatch(key)
        if m:
            return name(m, o)
    raise KeyError(f"state-dict key {key!r} has no engine name")
