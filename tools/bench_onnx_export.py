#!/usr/bin/python3
"""Exports FILM (tools/train/film_torch.py, numerically the public PyTorch port) to ONNX for the
side-by-side benchmark (tools/bench_compare.sh): random weights (speed does not depend on them),
static shapes at WxH padded like `film bench`, opset 16 (GridSample), explicit pads (film_torch's
convolutions already pad explicitly, never padding='same').

Usage: /usr/bin/python3 tools/bench_onnx_export.py [--options OPTIONS.json | --released]
       [--size 256x256] -o MODEL.onnx
Debian's /usr/bin/python3 with python3-torch (1.13).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "train"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import film_torch  # noqa: E402
from bench_torch import RELEASED  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--options")
    ap.add_argument("--released", action="store_true")
    ap.add_argument("--size", default="256x256")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    opts = RELEASED if args.released or not args.options else json.load(open(args.options))
    w, h = (int(v) for v in args.size.split("x"))
    m = 1 << (opts["pyramid_levels"] - 1)
    h, w = -(-h // m) * m, -(-w // m) * m
    torch.manual_seed(0)
    model = film_torch.FILM(film_torch.Options.from_dict(opts)).eval()
    x0, x1 = torch.rand(1, 3, h, w), torch.rand(1, 3, h, w)

    class ImageOnly(torch.nn.Module):  # the middle frame only, as film bench times
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, a, b):
            out = self.m(a, b)
            return out["image"] if isinstance(out, dict) else out

    tmp = args.output + ".tmp"
    with torch.inference_mode():
        torch.onnx.export(ImageOnly(model), (x0, x1), tmp, opset_version=16,
                          input_names=["x0", "x1"], output_names=["image"])
    os.replace(tmp, args.output)
    print(json.dumps({"onnx": args.output, "size": f"{w}x{h}", "bytes": os.path.getsize(args.output)}))


if __name__ == "__main__":
    main()
