#!/usr/bin/python3
"""Issue 28's targets for a model on inputs of their own, measured with `film interpolate`:
- two flat greys (#606060, #A0A0A0; 64x64 and 256x256): the middle within 2 levels of #808080 in every
  pixel and channel;
- a fade to black (and, for the record, to white) and a cross-dissolve of two unrelated textures: the
  middle at least 35 dB PSNR against the true 50% mix.
The textures: a 256x256 crop of models/examples/one.png and a procedural one (sums of oriented
sinusoids and a checkerboard, made here), so none of it is training or evaluation data.

Usage: /usr/bin/python3 tools/train/check_content.py --film FILM_BINARY --model MODEL_DIR [--json OUT]
Prints one line per check and exits 1 if any target is missed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import cv2

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def photo():
    im = cv2.cvtColor(cv2.imread(os.path.join(ROOT, "models/examples/one.png")), cv2.COLOR_BGR2RGB)
    return im[64:320, 128:384].astype(np.float64)


def texture(n=256):
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    out = np.zeros((n, n, 3))
    for c, (f, a) in enumerate([(0.21, 0.3), (0.13, 1.2), (0.34, 2.0)]):
        out[..., c] = 128 + 50 * np.sin(f * (np.cos(a) * xx + np.sin(a) * yy)) \
            + 30 * np.sin(0.05 * xx * (c + 1) - 0.07 * yy)
    out += 30 * (((xx // 16) + (yy // 16)) % 2 - 0.5)[..., None]
    return np.clip(np.round(out), 0, 255)


def flat(v, n):
    return np.full((n, n, 3), float(v))


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 100.0 if mse == 0 else min(100.0, 10 * np.log10(255.0 ** 2 / mse))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--film", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--json")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    P, T = photo(), texture()
    cases = [  # name, im0, im1, kind
        ("flat greys 64x64", flat(0x60, 64), flat(0xA0, 64), "flat"),
        ("flat greys 256x256", flat(0x60, 256), flat(0xA0, 256), "flat"),
        ("fade to black, photo", P, 0 * P, "mix"),
        ("fade to black, texture", T, 0 * T, "mix"),
        ("fade from black, photo", 0 * P, P, "mix"),
        ("fade to white, photo", P, 0 * P + 255, "mix"),
        ("dissolve photo -> texture", P, T, "mix"),
        ("dissolve photo -> photo upside down", P, P[::-1, ::-1], "mix"),
    ]
    results, failed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, a, b, kind) in enumerate(cases):
            pa, pb, pm = (os.path.join(tmp, f"{i}-{s}.png") for s in ("a", "b", "mid"))
            cv2.imwrite(pa, cv2.cvtColor(a.astype(np.uint8), cv2.COLOR_RGB2BGR))
            cv2.imwrite(pb, cv2.cvtColor(b.astype(np.uint8), cv2.COLOR_RGB2BGR))
            r = subprocess.run([args.film, "interpolate", pa, pb, "-o", pm, "--model", args.model,
                                "--threads", str(args.threads)], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"film interpolate failed on {name}: {r.stderr}")
            mid = cv2.cvtColor(cv2.imread(pm), cv2.COLOR_BGR2RGB).astype(np.float64)
            truth = np.floor(0.5 * (a + b) + 0.5)
            if kind == "flat":
                off = np.abs(mid - truth)
                ok = off.max() <= 2
                line = (f"{name}: middle {int(mid.min())}-{int(mid.max())} (want 128 +- 2), max off "
                        f"{int(off.max())}, {100 * np.mean(off > 2):.1f}% of samples over 2")
                results.append(dict(name=name, max_off=float(off.max()), share_over_2=float(np.mean(off > 2)), ok=bool(ok)))
            else:
                p = psnr(mid, truth)
                ok = p >= 35 or "white" in name  # fades to white: measured, not an issue-28 target
                line = f"{name}: {p:.2f} dB against the 50% mix" + ("" if "white" not in name else " (for the record)")
                results.append(dict(name=name, psnr=p, ok=bool(ok)))
            failed += not ok
            print(("ok   " if ok else "MISS ") + line, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print(f"{failed} target(s) missed" if failed else "all targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
