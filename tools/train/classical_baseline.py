#!/usr/bin/python3
"""A classical optical-flow warp on triplet folders: the reference point the quality targets quote
("a classical optical-flow warp"), measured on the same cases as `film eval` instead of taken from
papers that used other sets.

For each case, dense flow im0 -> im1 and im1 -> im0 from OpenCV (DeepFlow by default: the variational
method with descriptor matching that EpicFlow refines; or TV-L1, or DIS), then the middle frame is
    mid(x) = 0.5 * im0(x - 0.5 * F01(x)) + 0.5 * im1(x - 0.5 * F10(x))
(backward bilinear warping, each flow taken at the target pixel: the usual first-order frame
interpolation with no occlusion reasoning). PSNR is computed exactly as `film eval` does (8-bit RGB
after rounding, mean of per-case values), and the script also reports the averaging baseline so the
metric can be checked against `film eval`'s own "average" row. SSIM is left to `film eval`.

Usage: /usr/bin/python3 tools/train/classical_baseline.py DATA_DIR [--flow deepflow|tvl1|dis] [--json OUT]
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np


def read_rgb(path):
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    if im is None:
        sys.exit(f"{path}: cannot read as an image")
    return im[:, :, ::-1].astype(np.float32) / 255.0


def to_bytes(x):
    """film's io::to_byte: clamp to [0, 1], then floor(x * 255 + 0.5)."""
    return np.floor(np.clip(x, 0.0, 1.0) * np.float32(255.0) + np.float32(0.5))


def psnr(a, b):
    d = to_bytes(a).astype(np.float64) - to_bytes(b).astype(np.float64)
    sse = float((d * d).sum())
    return 100.0 if sse == 0 else min(100.0, 10 * np.log10(255.0 ** 2 * d.size / sse))


def flow_method(name):
    if name == "deepflow":
        return cv2.optflow.createOptFlow_DeepFlow()
    if name == "tvl1":
        return cv2.optflow.DualTVL1OpticalFlow_create()
    if name == "dis":
        return cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    sys.exit(f"--flow: unknown method {name!r} (deepflow, tvl1 or dis)")


def gray(im):
    return cv2.cvtColor((im * 255).round().astype(np.uint8), cv2.COLOR_RGB2GRAY)


def warp_back(im, flow, scale):
    """im sampled at x + scale * flow(x), bilinear, edges clamped."""
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(im, gx + scale * flow[..., 0], gy + scale * flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("--flow", default="deepflow")
    ap.add_argument("--json")
    args = ap.parse_args()
    method = flow_method(args.flow)
    cases = sorted(c for c in os.listdir(args.data) if os.path.isdir(os.path.join(args.data, c)))
    if not cases:
        sys.exit(f"{args.data}: no case folders")
    rows = []
    for name in cases:
        im0, gt, im1 = (read_rgb(os.path.join(args.data, name, f)) for f in ("im0.png", "gt.png", "im1.png"))
        g0, g1 = gray(im0), gray(im1)
        f01 = method.calc(g0, g1, None)
        f10 = method.calc(g1, g0, None)
        mid = 0.5 * warp_back(im0, f01, -0.5) + 0.5 * warp_back(im1, f10, -0.5)
        rows.append({"name": name, "flow_warp": psnr(mid, gt), "average": psnr(0.5 * (im0 + im1), gt)})
        print(f"\r{len(rows)}/{len(cases)} {name}   ", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("flow_warp", "average")}
    print(f"{args.data}: {len(rows)} cases; classical flow warp ({args.flow}) {mean['flow_warp']:.2f} dB, "
          f"average {mean['average']:.2f} dB")
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump({"flow": args.flow, "mean": mean, "cases": rows}, f, indent=1)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
