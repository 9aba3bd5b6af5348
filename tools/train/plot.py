#!/usr/bin/python3
"""Plots a run's training curves (RUN/log.jsonl) to a PNG: training loss, validation PSNR, learning rate
and seconds per step. Uses matplotlib (Debian: python3-matplotlib) when present, otherwise draws a
plain PNG itself (zlib + numpy, no labels beyond the panel order loss / PSNR / lr / s-per-step).

Usage: /usr/bin/python3 tools/train/plot.py RUN [-o RUN/curves.png]
"""
import argparse
import json
import os
import struct
import sys
import zlib

import numpy as np


def read_log(run):
    train, val, base = [], [], []
    with open(os.path.join(run, "log.jsonl")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            kind = r.get("kind")
            (train if kind == "train" else base if kind == "val_baseline" else val).append(r)
    return train, val, base


def write_png(path, img):
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def fallback_plot(path, series):
    """series: list of (xs, ys, log) panels stacked vertically; 600x150 px each, white background."""
    W, H = 600, 150
    img = np.full((H * len(series), W, 3), 255, np.uint8)
    for i, (xs, ys, log) in enumerate(series):
        top = i * H
        img[top + H - 1, :] = 0
        img[top:top + H, 0] = 0
        if len(xs) < 1:
            continue
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        if log:
            ys = np.log10(np.maximum(ys, 1e-12))
        x0, x1 = xs.min(), max(xs.max(), xs.min() + 1)
        y0, y1 = ys.min(), max(ys.max(), ys.min() + 1e-9)
        px = ((xs - x0) / (x1 - x0) * (W - 11) + 5).astype(int)
        py = (top + H - 6 - (ys - y0) / (y1 - y0) * (H - 12)).astype(int)
        for a in range(len(px)):
            b = min(a + 1, len(px) - 1)
            n = max(abs(px[b] - px[a]), abs(py[b] - py[a]), 1)
            for t in np.linspace(0, 1, n + 1):
                x = int(round(px[a] + t * (px[b] - px[a])))
                y = int(round(py[a] + t * (py[b] - py[a])))
                img[max(y - 1, top):y + 1, x:x + 2] = (30, 90, 200)
    write_png(path, img)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("-o", "--out")
    ap.add_argument("--no-matplotlib", action="store_true")
    args = ap.parse_args()
    out = args.out or os.path.join(args.run, "curves.png")
    train, val, base = read_log(args.run)
    if not train and not val:
        sys.exit("empty log")
    ts = [r["step"] for r in train]
    loss = [r["loss"] for r in train]
    lr = [r["lr"] for r in train]
    sps = [r["sec_per_step"] for r in train]
    vs = [r["step"] for r in val]
    vp = [r["psnr"] for r in val]
    try:
        if args.no_matplotlib:
            raise ImportError
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fallback_plot(out, [(ts, loss, True), (vs, vp, False), (ts, lr, False), (ts, sps, False)])
        print("wrote", out, "(plain)")
        return
    kinds = [k for k in ("still", "photometric", "fade", "dissolve", "noisy") if val and "psnr_" + k in val[-1]]
    content = any(k != "still" for k in kinds)
    fig, ax = plt.subplots(2, 3 if content else 2, figsize=(17 if content else 12, 7))
    ax[0, 0].plot(ts, loss, lw=0.8, label="total")
    for k in ("l1", "lap", "census"):
        if train and k in train[-1]:
            ax[0, 0].plot(ts, [r.get(k, np.nan) for r in train], lw=0.6, label=k)
    ax[0, 0].set_yscale("log")
    ax[0, 0].set_title("training loss")
    ax[0, 0].legend()
    still = [r["psnr_still"] for r in val if "psnr_still" in r]  # ~39 dB: off this panel's scale
    ax[0, 1].plot(vs, vp, "o-", label=f"all (every part, last {vp[-1]:.2f})" if content else
                  f"all (incl. still triplets, last {still[-1]:.2f})" if still else "all")
    for k, lab in (("psnr_synth", "synthetic"), ("psnr_video", "video")):
        if val and k in val[-1]:
            ax[0, 1].plot(vs, [r.get(k, np.nan) for r in val], ".--", label=lab)
    if base:
        ax[0, 1].axhline(base[-1]["psnr"], color="grey", ls=":", label="average of the inputs")
    ax[0, 1].set_title("validation PSNR (dB, held-out triplets)")
    ax[0, 1].legend()
    if content:  # the parts the averaging baseline scores far higher: a panel of their own
        for k in kinds:
            ax[0, 2].plot(vs, [r.get("psnr_" + k, np.nan) for r in val], "o-", ms=3, label=k)
        ax[0, 2].set_title("validation PSNR per kind (dB)")
        ax[0, 2].legend()
        ax[1, 2].axis("off")
        if base:
            lines = ["averaging the inputs:"] + [f"  {k}: {base[-1]['psnr_' + k]:.2f} dB" for k in
                                                 ["synth", "video"] + kinds if "psnr_" + k in base[-1]]
            ax[1, 2].text(0.05, 0.95, "\n".join(lines), va="top", family="monospace", transform=ax[1, 2].transAxes)
    ax[1, 0].plot(ts, lr)
    ax[1, 0].set_title("learning rate")
    ax[1, 1].plot(ts, sps, lw=0.8)
    ax[1, 1].set_title("seconds per step (compute)")
    for a in ax.flat:
        if not a.axison:
            continue
        a.set_xlabel("step")
        a.grid(alpha=0.3)
    fig.suptitle(os.path.abspath(args.run))
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    print("wrote", out)


if __name__ == "__main__":
    main()
