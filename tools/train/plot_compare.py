#!/usr/bin/python3
"""Validation PSNR of several runs side by side, against steps and against training seconds (the
with/without comparisons of docs/quality.md). Needs matplotlib (Debian: python3-matplotlib).

Usage: /usr/bin/python3 tools/train/plot_compare.py RUN[=LABEL]... -o OUT.png [--title TEXT]
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from plot import read_log  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--title", default="")
    args = ap.parse_args()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    baseline = None
    for spec in args.runs:
        run, _, name = spec.partition("=")
        train, val, base = read_log(run)
        if base:
            baseline = base[0]["psnr"]
        # training seconds at each validation step, from the train records' cumulative seconds
        secs = {r["step"]: r["seconds"] for r in train if "seconds" in r}
        steps = [r["step"] for r in val]
        psnr = [r["psnr"] for r in val]
        a.plot(steps, psnr, marker=".", label=name or os.path.basename(run))
        pts = [(secs[s] / 60, p) for s, p in zip(steps, psnr) if s in secs]
        if pts:
            b.plot(*zip(*pts), marker=".", label=name or os.path.basename(run))
    for ax, xl in ((a, "optimiser steps"), (b, "training minutes")):
        if baseline is not None:
            ax.axhline(baseline, color="gray", lw=0.8, ls="--", label="averaging the inputs")
        ax.set_xlabel(xl)
        ax.set_ylabel("held-out validation PSNR (dB)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if args.title:
        fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
