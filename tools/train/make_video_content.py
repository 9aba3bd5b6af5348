#!/usr/bin/python3
"""Makes data/video-content: evaluation triplets of what edited video is made of besides motion --
flat greys, fades to black and to white, cross-dissolves, global gain / contrast / colour changes and
near-still noisy frames (issue 28) -- from the repository's own photos, reproducibly.

Source: models/examples/one.png and two.png (the FILM demo pair, 512x384, Apache 2.0; see
models/examples/README.md), checked against their recorded SHA-256 before anything is made. Every
case is 192x192 (a multiple of 64, so no padding), in folders named KIND-N with im0.png, gt.png,
im1.png as `film eval` reads them. Crops are taken at whole pixels and moved by whole pixels (pans),
so nothing is resampled; every frame is computed in floating point from the 8-bit crops and rounded to
8 bits once; noise comes from numpy's PCG64 generator with a fixed seed. The pixels are therefore the
same with any numpy / OpenCV; the PNG bytes are OpenCV's (libpng, zlib) and may differ with another
build, which `--check` tolerates (it compares pixels).

Usage: /usr/bin/python3 tools/train/make_video_content.py [-o data/video-content] [--force]
       /usr/bin/python3 tools/train/make_video_content.py --check [-o data/video-content]
After regenerating, update data/SHA256SUMS: (cd data && sha256sum video-content/*/*.png) replaces the
video-content lines.
"""
import argparse
import hashlib
import os
import shutil
import sys

import numpy as np

try:
    import cv2
except ImportError:  # pragma: no cover
    sys.exit("make_video_content.py needs OpenCV for Python (apt-get install python3-opencv)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SOURCES = {  # repository path: sha256
    "models/examples/one.png": "b3db2800f99e3dde076fff11b34702f817690c9c8debe5d0511bc0a64fb180ad",
    "models/examples/two.png": "40bc2c2698bdb992997e3e3bc1629997772cf2c36cff7ab7e0855d54bbe63be5",
}
S = 192  # case size
SEED = 28


def load(rel):
    path = os.path.join(ROOT, rel)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != SOURCES[rel]:
        sys.exit(f"{path}: sha256 {digest}, expected {SOURCES[rel]} (the source photo changed)")
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    return cv2.cvtColor(im, cv2.COLOR_BGR2RGB).astype(np.float64) / 255


def crop(im, x, y, dx=0, dy=0):
    """The SxS crop at (x + dx, y + dy): a pan by whole pixels, nothing resampled."""
    x, y = x + dx, y + dy
    if x < 0 or y < 0 or x + S > im.shape[1] or y + S > im.shape[0]:
        raise ValueError(f"crop at {x},{y} leaves the photo")
    return im[y:y + S, x:x + S]


def flat(rgb):
    return np.broadcast_to(np.array([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255], np.float64) / 255,
                           (S, S, 3))


def noisy(rng, im, sigma, shot=0.5, shared=0.5):
    """Sensor-like noise (as tools/train/data.py's sensor_noise, without blur): standard deviation
    sigma * sqrt(shot * 2x + 1 - shot) at value x, a `shared` part equal in the three channels."""
    n = np.sqrt(1 - shared) * rng.standard_normal(im.shape) + np.sqrt(shared) * rng.standard_normal(im.shape[:2] + (1,))
    return im + sigma * np.sqrt(shot * 2 * im + 1 - shot) * n


def cases():
    """{name: (im0, gt, im1) in float [0,1], and a one-line description}"""
    one, two = load("models/examples/one.png"), load("models/examples/two.png")
    # The photos' content lies between x = 112 and 400 (black bars either side): crops there.
    hat = crop(one, 176, 0)  # sky, hill, the knit hat and the face
    jacket = crop(one, 160, 150)  # fleece jacket, zip, hands
    legs = crop(two, 112, 192)  # the jacket's hem, legs, frosted grass
    face = crop(two, 208, 40)  # the face, hat and the hill behind (the other photo)
    out = {}

    # flat: two flat colours, the middle their mean (every sum even, so the mean is a whole level)
    for i, (a, b) in enumerate([(0x606060, 0xA0A0A0), (0x202020, 0x606060), (0xA0A0A0, 0xF0F0F0),
                                (0x000000, 0x808080), (0x804020, 0x4080C0), (0x306090, 0x90C0F0)], 1):
        out[f"flat-{i}"] = ((flat(a), 0.5 * (flat(a) + flat(b)), flat(b)),
                            f"flat #{a:06X} -> #{b:06X}, the middle their mean")

    def fade(name, colour, what):
        c = np.full(3, float(colour))
        out[f"{name}-1"] = ((hat, 0.5 * hat + 0.5 * c, 0 * hat + c), f"hat: a whole fade to {what} in two frames")
        out[f"{name}-2"] = ((0 * jacket + c, 0.5 * jacket + 0.5 * c, jacket), f"jacket: a whole fade from {what}")
        pan = [crop(two, 112, 90, dx=4 * k, dy=2 * k) for k in range(3)]  # 4 px right, 2 down per frame
        out[f"{name}-3"] = (tuple((1 - w) * p + w * c for p, w in zip(pan, (0.2, 0.45, 0.7))),
                            f"a pan (4 px right, 2 px down per frame) fading to {what}, 20% -> 70%")

    fade("fade-black", 0, "black")
    fade("fade-white", 1, "white")

    def dissolve(a, b, w0, w1):
        return tuple((1 - w) * x + w * y for x, y, w in ((a, b, w0), (a, b, 0.5 * (w0 + w1)), (a, b, w1)))

    out["dissolve-1"] = (dissolve(hat, legs, 0, 1), "hat -> legs, the whole dissolve in two frames")
    out["dissolve-2"] = (dissolve(jacket, np.rot90(face), 0, 1),
                         "jacket -> face (the other photo, turned 90 degrees), the whole dissolve")
    out["dissolve-3"] = (dissolve(legs, hat[::-1], 0.2, 0.8), "legs -> hat (upside down), 20% -> 80%")

    def gain(im, a0, b0, a1, b1):
        return tuple(im * ((1 - t) * np.asarray(a0) + t * np.asarray(a1)) + ((1 - t) * np.asarray(b0) + t * np.asarray(b1))
                     for t in (0.0, 0.5, 1.0))

    out["gain-1"] = (gain(hat, 0.7, 0, 1, 0), "hat: exposure x0.7 -> x1")
    out["gain-2"] = (gain(jacket, [1.15, 1, 0.85], 0, [0.6] * 3, [0.2] * 3),
                     "jacket: a warm cast (R x1.15, B x0.85) going, and the contrast 1 -> 0.6 about mid-grey")
    pan = [crop(one, 170, 100, dx=-3 * k, dy=3 * k) for k in range(3)]  # 3 px left, 3 down per frame
    out["gain-3"] = (tuple(p * g + o for p, g, o in zip(pan, (1.0, 0.85, 0.7), (0.0, 0.04, 0.08))),
                     "a pan (3 px, 3 px per frame) while the exposure falls (x1 -> x0.7, +0 -> +0.08)")

    rng = np.random.default_rng(SEED)
    for i, (im, sigma, drift) in enumerate([(hat, 1.0, 0), (legs, 3.0, 0), (None, 2.0, 1)], 1):
        frames = [im] * 3 if im is not None else [crop(one, 200, 60, dx=drift * k) for k in range(3)]
        out[f"noisy-{i}"] = (tuple(noisy(rng, f, sigma / 255) for f in frames),
                             f"near-still, its own sensor-like noise in each frame (sigma {sigma:g} levels at mid-grey)"
                             + (f", drifting {drift} px per frame" if drift else ""))
    return out


def to8(im):
    # half levels round up, as the engine stores a float sample (tools/media/image.h: to_byte)
    return np.clip(np.floor(np.asarray(im) * 255 + 0.5 + 1e-6), 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--out", default=os.path.join(ROOT, "data", "video-content"))
    ap.add_argument("--force", action="store_true", help="replace the case folders that exist")
    ap.add_argument("--check", action="store_true", help="compare the pixels of OUT's files with what "
                                                          "this script makes; exit 1 on any difference")
    ap.add_argument("--list", action="store_true", help="print the cases and what each is")
    args = ap.parse_args()
    made = cases()
    if args.list:
        for name, (_, what) in made.items():
            print(f"{name}: {what}")
        return 0
    bad = 0
    for name, (trip, _) in sorted(made.items()):
        d = os.path.join(args.out, name)
        if args.check:
            for f, im in zip(("im0.png", "gt.png", "im1.png"), trip):
                have = cv2.imread(os.path.join(d, f), cv2.IMREAD_COLOR)
                if have is None or not np.array_equal(cv2.cvtColor(have, cv2.COLOR_BGR2RGB), to8(im)):
                    print(f"{os.path.join(d, f)}: differs from what this script makes")
                    bad += 1
            continue
        if os.path.exists(d):
            if not args.force:
                sys.exit(f"{d} exists (--force replaces it)")
            shutil.rmtree(d)
        os.makedirs(d)
        for f, im in zip(("im0.png", "gt.png", "im1.png"), trip):
            cv2.imwrite(os.path.join(d, f), cv2.cvtColor(to8(im), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if args.check:
        extra = sorted(set(n for n in os.listdir(args.out) if os.path.isdir(os.path.join(args.out, n))) - set(made))
        for n in extra:
            print(f"{os.path.join(args.out, n)}: not a case this script makes")
        bad += len(extra)
        print(f"{len(made)} cases: " + ("the same pixels" if not bad else f"{bad} differences"))
        return 1 if bad else 0
    print(f"wrote {len(made)} cases into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
