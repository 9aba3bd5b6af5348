#!/usr/bin/python3
"""Checks of the training data (tools/train/data.py) and of data/video-content (issue 28).

- every kind of triplet is a pure function of (seed, n, kind), float32 in [0, 1];
- the stream with only --still-fraction (or nothing) draws exactly as before the video-content kinds
  existed, and the 48-triplet validation set does not change when --val-content adds parts;
- the kinds come at the fractions asked for;
- photometric change, fade and dissolve over unchanging content: the middle frame is the mean of
  the end frames wherever nothing is clipped (the interpolated value), and a whole fade or
  dissolve (weights 0 -> 1) ends exactly on the target;
- noisy near-stills: frames differ by noise only (a few levels), 8-bit levels when quantised;
- data/video-content holds the pixels tools/train/make_video_content.py makes, and
  tools/train/eval_kinds.py groups film eval's cases by kind.
Needs Debian's python3-numpy / python3-opencv / the training photos (tools/train/setup_data.sh);
exit 77 (skipped) without the photos, 1 on a failure, 0 when all pass (about 10 s).

Usage: /usr/bin/python3 tools/train/test_data.py
"""
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402

FAILED = []


def check(ok, what):
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILED.append(what)


def legacy_kind(rng, still_fraction, video_fraction):
    """How TripletDataset.triplet picked a kind before issue 28 (commit 474e7bf)."""
    if still_fraction > 0 and rng.random() < still_fraction:
        return "still"
    return "video" if rng.random() < video_fraction else "synthetic"


def main():
    try:
        src = data.Sources("train")
    except RuntimeError as e:
        print(f"SKIP: {e}")
        return 77
    S = 64

    # determinism, types, range
    for kind in data.ALL_KINDS:
        a = data.TripletDataset(src, S, 5).triplet(3, kind)
        b = data.TripletDataset(src, S, 5).triplet(3, kind)
        c = data.TripletDataset(src, S, 6).triplet(3, kind)
        check(np.array_equal(a, b) and a.dtype == np.float32 and a.shape == (3, S, S, 3)
              and a.min() >= 0 and a.max() <= 1 and not np.array_equal(a, c),
              f"{kind}: a pure function of (seed, n), float32 in [0,1], another seed another triplet")
    mix = dict(still_fraction=0.05, photometric_fraction=0.1, fade_fraction=0.1, dissolve_fraction=0.1,
               noisy_fraction=0.1)
    d1, d2 = data.TripletDataset(src, S, 9, 0.4, **mix), data.TripletDataset(src, S, 9, 0.4, **mix)
    check(all(np.array_equal(d1.triplet(n), d2.triplet(n)) for n in range(30)),
          "the mixed stream: sample n the same in two datasets (resumes see the same batches)")

    # legacy streams unchanged
    for sf in (0.0, 0.15):
        ds = data.TripletDataset(src, S, 11, 0.4, still_fraction=sf)
        same = True
        for n in range(2000):
            r1, r2 = np.random.default_rng([11, n]), np.random.default_rng([11, n])
            same &= ds.kind_of(r1) == legacy_kind(r2, sf, 0.4) and r1.random() == r2.random()
        check(same, f"--still-fraction {sf} alone: the kinds and draws of the stream before issue 28")
    v0 = data.validation_set(64, 4, 2, n_still=2)
    v1 = data.validation_set(64, 4, 2, n_still=2, n_content=2)
    n0 = len(v0[0])
    check(all(np.array_equal(a.numpy(), b[:n0].numpy()) for a, b in zip(v0[:3], v1[:3])),
          "--val-content appends its parts: the synthetic/video/still triplets are unchanged")
    check([k for k, _ in v1[3]] == ["synth", "video", "still", "photometric", "fade", "dissolve", "noisy"]
          and [n for _, n in v1[3]] == [4, 2, 2, 2, 2, 2, 2] and len(v1[0]) == 16,
          "validation parts in order with their counts")

    # rates
    ds = data.TripletDataset(src, S, 1, 0.4, **mix)
    N = 20000
    c = Counter(ds.kind_of(np.random.default_rng([1, n])) for n in range(N))
    want = dict(still=0.05, photometric=0.1, fade=0.1, dissolve=0.1, noisy=0.1, video=0.55 * 0.4,
                synthetic=0.55 * 0.6)
    check(all(abs(c[k] / N - f) < 0.012 for k, f in want.items()),
          "kinds at their fractions: " + ", ".join(f"{k} {c[k] / N:.3f}" for k in want))
    try:
        data.TripletDataset(src, S, 1, photometric_fraction=0.6, fade_fraction=0.5)
        check(False, "fractions summing over 1 are refused")
    except ValueError:
        check(True, "fractions summing over 1 are refused")

    # the middle frame is the interpolated value (over unchanging content)
    tex = data.random_patch(np.random.default_rng(5), src.photos[0], S, S)
    orig = data.base_triplet
    data.base_triplet = lambda *a, **k: np.stack([tex] * 3)
    try:
        for kind in ("photometric", "fade", "dissolve"):
            ds = data.TripletDataset(src, S, 3, do_augment=False)
            worst, whole = 0.0, 0
            for n in range(150):
                t = ds.triplet(n, kind).astype(np.float64)
                ok = ((t > 1e-4) & (t < 1 - 1e-4)).all(0)
                if ok.any():
                    worst = max(worst, float(np.abs(t[1] - 0.5 * (t[0] + t[2]))[ok].max()))
                if kind == "fade":  # a whole fade ends on a flat colour
                    whole += int(any(np.ptp(t[i].reshape(-1, 3), 0).max() < 1e-6 for i in (0, 2)))
            check(worst < 1e-5, f"{kind}: middle = mean of the ends where unclipped (max error {worst:.1e})")
            if kind == "fade":
                check(25 < whole < 110, f"fade: {whole} of 150 end on a flat colour (whole fades about 40%)")
        # a whole dissolve: its ends are the two pictures themselves
        other = data.random_patch(np.random.default_rng(6), src.photos[1], S, S)
        seq = iter([np.stack([tex] * 3), np.stack([other] * 3)] * 1000)
        data.base_triplet = lambda *a, **k: next(seq)
        ds = data.TripletDataset(src, S, 3, do_augment=False)
        exact = sum(np.allclose(t[0], tex, atol=1e-6) and np.allclose(t[2], other, atol=1e-6)
                    and np.allclose(t[1], 0.5 * (tex + other), atol=1e-6)
                    for t in (ds.triplet(n, "dissolve") for n in range(60)))
        check(15 < exact < 45, f"dissolve: {exact} of 60 are whole (ends A and B, middle their 50% mix)")
    finally:
        data.base_triplet = orig

    # noisy near-stills
    ds = data.TripletDataset(src, 96, 4, do_augment=False)
    diffs, quant = [], 0
    for n in range(40):
        t = ds.triplet(n, "noisy").astype(np.float64)
        diffs.append(np.abs(t[2] - t[0]).mean() * 255)
        quant += int(np.allclose(t * 255, np.round(t * 255), atol=1e-3))
    check(0.2 < min(diffs) and max(diffs) < 12, f"noisy: |x1 - x0| {min(diffs):.2f}-{max(diffs):.2f} levels on average")
    check(15 < quant < 40, f"noisy: {quant} of 40 on 8-bit levels (70% asked)")

    # data/video-content and eval_kinds.py
    root = os.path.join(HERE, "..", "..")
    r = subprocess.run([sys.executable, os.path.join(HERE, "make_video_content.py"), "--check"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "data/video-content: the pixels make_video_content.py makes (" + r.stdout.strip() + ")")
    cases = sorted(os.listdir(os.path.join(root, "data", "video-content")))
    kinds = Counter(c.rsplit("-", 1)[0] for c in cases if c != "README.md")
    check(dict(kinds) == {"dissolve": 3, "fade-black": 3, "fade-white": 3, "flat": 6, "gain": 3, "noisy": 3},
          f"data/video-content kinds: {dict(kinds)}")
    fake = {"methods": [{"name": m, "mean": {"psnr": 30.0, "ssim": 0.9},
                         "cases": [{"name": "fade-black-1", "psnr": 20.0, "ssim": 0.5},
                                   {"name": "fade-black-2", "psnr": 40.0, "ssim": 0.7},
                                   {"name": "flat-1", "psnr": 30.0, "ssim": 1.0}]}
                        for m in ("film", "repeat", "average", "flow-warp")]}
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "eval.json")
        with open(p, "w") as f:
            json.dump(fake, f)
        r = subprocess.run([sys.executable, os.path.join(HERE, "eval_kinds.py"), p, "--label", "m",
                            "--json", os.path.join(tmp, "k.json")], capture_output=True, text=True)
        with open(os.path.join(tmp, "k.json")) as f:
            k = json.load(f)
    check(r.returncode == 0 and k["m"]["fade-black"] == dict(psnr=30.0, ssim=0.6, cases=2)
          and k["average"]["flat"]["cases"] == 1 and "| m | 30.00 / 0.600 |" in r.stdout,
          "eval_kinds.py: cases grouped by the folder name without its number")

    print(f"{len(FAILED)} failed" if FAILED else "all passed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
