#!/usr/bin/python3
"""Side-by-side pictures for docs/quality.md: for each case folder (im0.png, gt.png, im1.png) one row
  first input | second input | average of the inputs | FILM (this model) | ground truth
with each picture's PSNR against the ground truth written on it. The FILM frame comes from the
engine itself (`film interpolate`), so the picture shows exactly what `film eval` measured.

Usage: figures.py MODEL_DIR OUT.png|OUT.jpg CASE_DIR [CASE_DIR ...] [--film build/film] [--width 320]
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import cv2
except ImportError:  # pragma: no cover
    sys.exit("figures.py needs OpenCV for Python (apt-get install python3-opencv)")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return 100.0 if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def label(img: np.ndarray, text: str) -> np.ndarray:
    out = img.copy()
    cv2.rectangle(out, (0, 0), (out.shape[1], 20), (0, 0, 0), -1)
    cv2.putText(out, text, (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def read(path: str) -> np.ndarray:
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    if im is None:
        sys.exit(f"figures.py: cannot read {path}")
    return im


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--film", default=os.path.join(os.path.dirname(__file__), "..", "..", "build", "film"))
    ap.add_argument("--width", type=int, default=320, help="width of each picture in the sheet")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(args.cases):
            a, g, b = (read(os.path.join(case, f"{n}.png")) for n in ("im0", "gt", "im1"))
            mid = os.path.join(tmp, f"{i}.png")
            subprocess.run([args.film, "interpolate", os.path.join(case, "im0.png"), os.path.join(case, "im1.png"),
                            "-o", mid, "--model", args.model], check=True, stdout=subprocess.DEVNULL)
            ours = read(mid)
            avg = ((a.astype(np.uint16) + b + 1) // 2).astype(np.uint8)
            name = os.path.basename(os.path.normpath(case))
            cells = [(a, f"{name}: input 0"), (b, "input 1"), (avg, f"average {psnr(avg, g):.2f} dB"),
                     (ours, f"FILM {psnr(ours, g):.2f} dB"), (g, "ground truth")]
            h = round(a.shape[0] * args.width / a.shape[1])
            rows.append(np.concatenate(
                [label(cv2.resize(c, (args.width, h), interpolation=cv2.INTER_AREA), t) for c, t in cells], 1))
    sheet = np.concatenate(rows, 0)
    root, ext = os.path.splitext(args.out)
    tmp_out = root + ".tmp" + (ext or ".png")  # cv2 picks the format from the extension
    if not cv2.imwrite(tmp_out, sheet):
        sys.exit(f"figures.py: cannot write {args.out}")
    os.replace(tmp_out, args.out)
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]}, {len(rows)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
