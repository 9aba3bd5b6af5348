#!/usr/bin/python3
"""What a user would run instead: FILM in PyTorch (tools/train/film_torch.py, numerically the public
PyTorch port) on the CPU, timed like `film bench` — one frame (two inputs -> middle) at WxH (width
first, as `film bench --size`), one warm-up, then --runs timed frames; prints min/median and the
process's peak RSS.

Usage: /usr/bin/python3 tools/bench_torch.py [--options OPTIONS.json | --released] [--size 256x256]
       [--threads 2] [--runs 3] [--device cpu|cuda] [--half]
--device cuda times on the GPU (synchronised around each frame; peak_gpu_mib is torch's peak
allocation); --half runs the model and inputs in float16 (CUDA only).
Random weights (speed does not depend on them). Debian's /usr/bin/python3 with python3-torch.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "train"))
import film_torch  # noqa: E402

RELEASED = {"pyramid_levels": 7, "fusion_pyramid_levels": 5, "specialized_levels": 3, "sub_levels": 4,
            "filters": 64, "flow_convs": [3, 3, 3, 3], "flow_filters": [32, 64, 128, 256]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--options")
    ap.add_argument("--released", action="store_true")
    ap.add_argument("--size", default="256x256")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--half", action="store_true")
    args = ap.parse_args()
    if args.half and args.device != "cuda":
        ap.error("--half needs --device cuda")
    torch.set_num_threads(args.threads)
    opts = RELEASED if args.released or not args.options else json.load(open(args.options))
    w, h = (int(v) for v in args.size.split("x"))  # WxH, as film bench
    m = 1 << (opts["pyramid_levels"] - 1)
    h, w = -(-h // m) * m, -(-w // m) * m
    dtype = torch.float16 if args.half else torch.float32
    model = film_torch.FILM(film_torch.Options.from_dict(opts)).eval().to(args.device, dtype)
    x0 = torch.rand(1, 3, h, w, device=args.device, dtype=dtype)
    x1 = torch.rand(1, 3, h, w, device=args.device, dtype=dtype)
    cuda = args.device == "cuda"
    with torch.inference_mode():
        model(x0, x1)
        times = []
        for _ in range(args.runs):
            if cuda:
                torch.cuda.synchronize()
            t = time.perf_counter()
            model(x0, x1)
            if cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"impl": "pytorch " + torch.__version__ + (" cuda" if cuda else "") + (" fp16" if args.half else " fp32"),
           "threads": args.threads, "size": f"{w}x{h}",
           "min_s": round(min(times), 4), "median_s": round(statistics.median(times), 4),
           "peak_rss_mib": round(rss, 1)}
    if cuda:
        out["device"] = torch.cuda.get_device_name()
        out["peak_gpu_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
