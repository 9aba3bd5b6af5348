#!/usr/bin/python3
"""Which picture goes between the two sides of a cut (film video --at-cut; docs/cli.md)?

Makes a 24 fps clip of three pans (6 px per frame) over models/examples' photos with cuts at
frames 24 and 47 (one on each parity), keeps every other frame (12 fps), makes the 24 fps clip
again with `film video --scene-cut off --scene-cuts` (the cuts listed) for each --at-cut, and
prints the PSNR of the frames made at the two cuts against the dropped ones.

    /usr/bin/python3 tools/train/cut_fill.py --film build/film
"""
import argparse
import os
import subprocess
import tempfile

import cv2
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--film", required=True)
    args = ap.parse_args()
    one = cv2.imread(os.path.join(ROOT, "models/examples/one.png"))
    two = cv2.imread(os.path.join(ROOT, "models/examples/two.png"))
    w, h = 256, 192

    def pan(img, n, dx, x0):
        return [img[80:80 + h, x0 + dx * i:x0 + dx * i + w] for i in range(n)]
    frames = pan(one, 24, 6, 0) + pan(two, 23, 6, 0) + pan(cv2.flip(one, 1), 24, 5, 100)
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "in"))
        for i in range(0, len(frames), 2):
            cv2.imwrite(os.path.join(tmp, "in", f"{i // 2:04d}.png"), frames[i])
        with open(os.path.join(tmp, "cuts.txt"), "w") as f:
            f.write("12\n24\n")  # input frames 12 (frame 24) and 24 (frame 48; the cut is at 47)
        for mode in ("repeat", "fade"):
            out = os.path.join(tmp, mode, "%04d.png")
            subprocess.run([args.film, "video", os.path.join(tmp, "in"), "-o", out, "--input-fps", "12",
                            "--fps", "24", "--scene-cut", "off", "--scene-cuts",
                            os.path.join(tmp, "cuts.txt"), "--at-cut", mode, "--quiet"], check=True)
            scores = [psnr(cv2.imread(out % k), frames[k]) for k in (23, 47)]
            print(f"{mode:7s} frame 23 (truth: the shot before) {scores[0]:.2f} dB, "
                  f"frame 47 (truth: the shot after) {scores[1]:.2f} dB, mean {np.mean(scores):.2f}")


if __name__ == "__main__":
    main()
