#!/usr/bin/python3
"""Training triplets (x0, middle, x1) for FILM, generated on the fly from material that Debian ships.

Never reads data/ (the evaluation sets).

(a) Synthetic large-motion triplets ("FlyingChairs for triplets"): a photograph as background moving
    with a random projective motion, plus 0..N layered foreground objects (random-shaped masks cut from
    other photographs) each with its own random affine motion, occluding each other in a fixed depth
    order. Every motion is linear in its parameters over time (translation, rotation angle, log scale,
    perspective terms), and the three frames are rendered from the parameters at t = 0, 0.5, 1, so the
    middle frame is the exact ground truth of the generative model. End-to-end displacements are drawn
    up to --max-disp pixels (default 100), skewed towards smaller values.
(b) Real consecutive-frame triplets (i, i+s, i+2s) from the videos opencv-doc ships (vtest.avi,
    Megamind.avi, tree.avi), skipping triplets that span a scene cut, with the crop chosen among a few
    candidates as the one with the most change (a static-camera video is mostly still otherwise).
(c) Still triplets (--still-fraction): one crop three times with faint iid noise.
(d) Video-content triplets (issue 28), each kind at its own fraction of the stream (0 = off, the default):
    photometric  a global brightness / contrast / colour change: every channel of every frame is an affine
                 map a_t * x + b_t of the content, a and b linear in t (the middle is the map at t = 0.5;
                 on unchanging content, unclipped, exactly the mean of the ends), over a still, flat,
                 moving (synthetic) or video base;
    fade         to or from black or white: (1 - w_t) * x_t + w_t * C, w linear in t (often 0 -> 1, a
                 whole fade in two frames: the middle is the 50% mix);
    dissolve     a cross-dissolve of two unrelated bases (mostly still, some with small motion):
                 (1 - w_t) * A_t + w_t * B_t, w linear in t;
    noisy        near-still: one crop with sub-pixel drift (or none) and sensor-like noise of its own in
                 each frame (signal-dependent, partly shared across channels, sometimes spatially
                 correlated, usually quantised to 8 bits).
Augmentation as FILM: random crop, horizontal / vertical flip, 90-degree rotation, time reversal.

Reproducibility: sample number n of a run is drawn from numpy's Generator seeded with (seed, n), so a
resumed run continues with exactly the samples it would have seen, whatever the number of workers.

Held-out validation: every 8th photograph (sorted by path) and the last 10% of every video are never
used for training; the validation set is drawn from them with a fixed seed.

Sources on another machine (a lent GPU box without these Debian packages): `data.py --pack DIR` copies
every source file to DIR under its absolute path (about 40 MB); there, FILM_TRAIN_SOURCES=DIR makes
data.py read DIR/usr/share/... instead of /usr/share/... -- the same files in the same order, so the
same train/validation split and the same sample stream.

Usage: data.py --prepare            decode/cache the sources and print what was found
       data.py --preview OUT.png    write a sheet of training triplets (x0 | middle | x1 rows)
       data.py --preview OUT.jpg --kinds all --n 2 --crop 128
                                    the same, --n rows of each kind named (labelled): synthetic, video,
                                    still, photometric, fade, dissolve, noisy (docs/training-kinds.jpg)
       data.py --pack DIR           copy the source files into DIR (see above)
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import math
import os
import shutil
import sys
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

try:
    import cv2
except ImportError:  # pragma: no cover
    sys.exit("data.py needs OpenCV for Python: run tools/train/setup_data.sh (apt-get install python3-opencv)")

cv2.setNumThreads(1)

SKIMAGE_DIRS = ["/usr/lib/python3/dist-packages/skimage/data"]
SKIMAGE_PHOTOS = ["astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "grass.png",
                  "gravel.png", "hubble_deep_field.jpg", "motorcycle_left.png", "rocket.jpg", "retina.jpg"]
OPENCV_DATA = "/usr/share/doc/opencv-doc/examples/data"
# photographs / paintings only; Middlebury-derived images (rubberwhale, basketball, aloe) are left out
# so that Middlebury stays usable for evaluation
OPENCV_PHOTOS = ["aero1.jpg", "apple.jpg", "baboon.jpg", "building.jpg", "butterfly.jpg", "fruits.jpg",
                 "home.jpg", "leuvenA.jpg", "messi5.jpg", "orange.jpg", "smarties.png", "squirrel_cls.jpg",
                 "starry_night.jpg", "stuff.jpg", "HappyFish.jpg", "graf1.png", "board.jpg", "ela_original.jpg"]
BACKGROUND_GLOBS = ["/usr/share/backgrounds/*_by_*.jpg",  # lomiri-wallpapers-16.04: photographs
                    "/usr/share/backgrounds/mate/nature/*.jpg"]  # mate-backgrounds: nature photographs
VIDEOS = {  # name: (strides to draw from, weight)
    "vtest.avi": ((1, 2, 3), 1.0),  # 10 fps, static camera, pedestrians
    "Megamind.avi": ((1, 2), 1.0),  # 24 fps animation with cuts
    "tree.avi": ((1, 2), 0.5),  # 15 fps, small
}
MAX_SIDE = 1024  # photographs are downscaled (INTER_AREA) to this longer side when loaded
VAL_TAIL = 0.10


def source(path: str) -> str:
    """Where a source file is read from: under $FILM_TRAIN_SOURCES when set (see --pack)."""
    root = os.environ.get("FILM_TRAIN_SOURCES")
    return root.rstrip("/") + path if root else path


def cache_dir() -> str:
    d = os.environ.get("FILM_TRAIN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "film-train")
    os.makedirs(d, exist_ok=True)
    return d


def photo_paths() -> List[str]:
    paths = []
    for d in SKIMAGE_DIRS:
        paths += [source(os.path.join(d, f)) for f in SKIMAGE_PHOTOS]
    paths += [source(os.path.join(OPENCV_DATA, f)) for f in OPENCV_PHOTOS]
    for g in BACKGROUND_GLOBS:
        paths += glob.glob(source(g))
    return sorted(set(p for p in paths if os.path.exists(p)))


def video_path(name: str) -> str:
    return source(os.path.join(OPENCV_DATA, name))


def split_photos(paths: List[str]) -> Tuple[List[str], List[str]]:
    train = [p for i, p in enumerate(paths) if i % 8 != 3]
    val = [p for i, p in enumerate(paths) if i % 8 == 3]
    return train, val


def load_photo(path: str) -> np.ndarray:
    """uint8 RGB HxWx3, longer side <= MAX_SIDE (cached as .npy)."""
    key = hashlib.sha1(f"{path}:{os.path.getsize(path)}:{MAX_SIDE}".encode()).hexdigest()[:16]
    cp = os.path.join(cache_dir(), f"photo-{key}.npy")
    if os.path.exists(cp):
        return np.load(cp)
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    if im is None:
        raise IOError(f"cannot read {path}")
    im = cv2.cvtColor(im, cv2.COLOR_BGR2RGB)
    s = MAX_SIDE / max(im.shape[:2])
    if s < 1:
        im = cv2.resize(im, (round(im.shape[1] * s), round(im.shape[0] * s)), interpolation=cv2.INTER_AREA)
    np.save(cp + ".tmp.npy", im)
    os.replace(cp + ".tmp.npy", cp)
    return im


@dataclass
class Video:
    name: str
    frames: np.ndarray  # T,H,W,3 uint8 (memory-mapped)
    cuts: np.ndarray  # bool[T-1]: True where frame i+1 starts a new shot
    strides: tuple
    weight: float


def load_video(name: str) -> Optional[Video]:
    path = video_path(name)
    if not os.path.exists(path):
        return None
    base = os.path.join(cache_dir(), f"video-{name}-{os.path.getsize(path)}")
    if not os.path.exists(base + ".frames.npy"):
        cap = cv2.VideoCapture(path)
        frames = []
        while True:
            ok, f = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
        if len(frames) < 3:
            return None
        arr = np.stack(frames)
        d = np.array([np.abs(arr[i + 1].astype(np.int16) - arr[i]).mean() for i in range(len(arr) - 1)])
        med = np.median(d)
        cuts = (d > max(4 * med, 12.0))
        np.save(base + ".cuts.npy", cuts)
        np.save(base + ".frames.tmp.npy", arr)
        os.replace(base + ".frames.tmp.npy", base + ".frames.npy")
    strides, weight = VIDEOS[name]
    return Video(name, np.load(base + ".frames.npy", mmap_mode="r"), np.load(base + ".cuts.npy"), strides, weight)


# ----------------------------------------------------------------------------------------------
# synthetic triplets

def _rot(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], np.float64)


def _trans(x, y):
    return np.array([[1, 0, x], [0, 1, y], [0, 0, 1]], np.float64)


def _scale(sx, sy):
    return np.diag([sx, sy, 1.0])


def _disp(rng, max_disp):
    """A displacement vector (px over t in [0,1]), magnitude skewed to small values."""
    mag = max_disp * rng.random() ** 1.7
    ang = rng.uniform(0, 2 * math.pi)
    return np.array([mag * math.cos(ang), mag * math.sin(ang)])


def random_mask(rng, h, w) -> np.ndarray:
    """float32 HxW mask in {0,1}: a star polygon, a union of ellipses, or a thresholded noise blob."""
    m = np.zeros((h, w), np.uint8)
    kind = rng.integers(3)
    if kind == 0:
        n = rng.integers(3, 12)
        ang = np.sort(rng.uniform(0, 2 * math.pi, n))
        rad = rng.uniform(0.35, 1.0, n)
        pts = np.stack([w / 2 + rad * w / 2 * np.cos(ang), h / 2 + rad * h / 2 * np.sin(ang)], 1)
        cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    elif kind == 1:
        for _ in range(rng.integers(1, 5)):
            c = (int(rng.uniform(0.3, 0.7) * w), int(rng.uniform(0.3, 0.7) * h))
            ax = (int(rng.uniform(0.1, 0.5) * w), int(rng.uniform(0.1, 0.5) * h))
            cv2.ellipse(m, c, ax, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    else:
        small = rng.standard_normal((max(2, h // 16), max(2, w // 16))).astype(np.float32)
        noise = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        yy, xx = np.mgrid[0:h, 0:w]
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        m = ((noise + 1.5 * (1 - r2)) > 1.0).astype(np.uint8)
    if m.sum() < 16:
        cv2.ellipse(m, (w // 2, h // 2), (max(1, w // 3), max(1, h // 3)), 0, 0, 360, 1, -1)
    return m.astype(np.float32)


def random_patch(rng, photo: np.ndarray, h: int, w: int) -> np.ndarray:
    """float32 HxWx3 patch from a photo at a random position and scale, with mild colour jitter."""
    ph, pw = photo.shape[:2]
    s = rng.uniform(0.5, 1.5)
    sh, sw = min(ph, max(4, int(h * s))), min(pw, max(4, int(w * s)))
    y, x = rng.integers(0, ph - sh + 1), rng.integers(0, pw - sw + 1)
    p = cv2.resize(np.ascontiguousarray(photo[y:y + sh, x:x + sw]), (w, h), interpolation=cv2.INTER_LINEAR)
    p = p.astype(np.float32) / 255.0
    gain = rng.uniform(0.8, 1.2, 3).astype(np.float32) * rng.uniform(0.8, 1.2)
    return np.clip(p * gain, 0, 1)


def synthetic_triplet(rng, photos: List[np.ndarray], size: int, max_disp: float = 100.0,
                      max_objects: int = 5) -> np.ndarray:
    """Returns float32 [3, size, size, 3] in [0,1]: frames at t = 0, 0.5, 1."""
    S = size
    times = (0.0, 0.5, 1.0)
    # --- background: output pixel p shows source point q = H(t) p  (inverse map)
    bg = photos[rng.integers(len(photos))]
    bh, bw = bg.shape[:2]
    base_scale = rng.uniform(0.6, 1.6)  # source pixels per output pixel
    # make sure the visible region (with motion) mostly fits into the source
    need = S * base_scale * 1.5 + max_disp * base_scale
    if need > min(bh, bw):
        base_scale *= min(bh, bw) / need
    csrc = np.array([rng.uniform(0.4, 0.6) * bw, rng.uniform(0.4, 0.6) * bh])
    D = _disp(rng, max_disp)
    dth = rng.normal(0, math.radians(4)) if rng.random() < 0.5 else 0.0
    th0 = rng.uniform(-math.pi, math.pi) if rng.random() < 0.3 else 0.0
    dls = rng.normal(0, 0.08) if rng.random() < 0.5 else 0.0
    persp0 = rng.normal(0, 0.1, 2) if rng.random() < 0.3 else np.zeros(2)
    dpersp = rng.normal(0, 0.1, 2) if rng.random() < 0.3 else np.zeros(2)
    bgf = bg.astype(np.float32) / 255.0
    frames = []
    for t in times:
        u = t - 0.5
        # content moves by D (output px) over [0,1]: p -> p + u*D ; rotate/scale about the centre
        pp = persp0 + u * dpersp
        P = np.array([[1, 0, 0], [0, 1, 0], [pp[0] / S, pp[1] / S, 1]], np.float64)  # on centred coords
        H = (_trans(*csrc) @ _scale(base_scale, base_scale) @ _rot(th0 + u * dth)
             @ _scale(math.exp(u * dls), math.exp(u * dls)) @ P @ _trans(-S / 2 - u * D[0], -S / 2 - u * D[1]))
        frames.append(cv2.warpPerspective(bgf, H, (S, S), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                          borderMode=cv2.BORDER_REFLECT101))
    # --- foreground objects, back to front
    n_obj = rng.integers(0, max_objects + 1)
    for _ in range(n_obj):
        oh = int(S * rng.uniform(0.15, 0.6))
        ow = int(S * rng.uniform(0.15, 0.6))
        src = photos[rng.integers(len(photos))]
        tex = random_patch(rng, src, oh, ow)
        mask = random_mask(rng, oh, ow)
        c = np.array([rng.uniform(0, S), rng.uniform(0, S)])  # centre at t = 0.5
        Do = _disp(rng, max_disp)
        a0, da = rng.uniform(-math.pi, math.pi), rng.normal(0, math.radians(10))
        s0, dls_o = rng.uniform(0.7, 1.3), rng.normal(0, 0.1)
        for i, t in enumerate(times):
            u = t - 0.5
            s = s0 * math.exp(u * dls_o)
            A = (_trans(*(c + u * Do)) @ _rot(a0 + u * da) @ _scale(s, s) @ _trans(-ow / 2, -oh / 2))[:2]
            m = cv2.warpAffine(mask, A, (S, S), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
            if m.max() <= 0:
                continue
            o = cv2.warpAffine(tex, A, (S, S), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
            frames[i] = frames[i] * (1 - m[..., None]) + o * m[..., None]
    return np.clip(np.stack(frames), 0, 1).astype(np.float32)


def still_triplet(rng, photos: List[np.ndarray], size: int, max_noise: float = 0.01) -> np.ndarray:
    """Three copies of one photo crop, each with its own faint Gaussian noise (sigma up to
    `max_noise`): the duplicated or frozen frames that real videos are full of, where the right
    answer is the input itself. Returns float32 [3, size, size, 3] in [0,1]."""
    patch = random_patch(rng, photos[rng.integers(len(photos))], size, size)
    sigma = rng.uniform(0, max_noise)
    return np.clip(patch[None] + rng.normal(0, sigma, (3,) + patch.shape), 0, 1).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# video triplets

def video_triplet(rng, videos: List[Video], size: int, val: bool = False, candidates: int = 4) -> np.ndarray:
    ws = np.array([v.weight for v in videos], np.float64)
    for _ in range(50):
        v = videos[rng.choice(len(videos), p=ws / ws.sum())]
        T, H, W = v.frames.shape[:3]
        if H < size or W < size:
            continue
        s = int(rng.choice(v.strides))
        split = int(T * (1 - VAL_TAIL))
        lo, hi = (split, T - 2 * s) if val else (0, split - 2 * s)
        if hi <= lo:
            continue
        i = int(rng.integers(lo, hi))
        if v.cuts[i:i + 2 * s].any():
            continue
        f = np.stack([v.frames[i], v.frames[i + s], v.frames[i + 2 * s]])
        best, best_score = None, -1.0
        for _ in range(candidates):
            y, x = int(rng.integers(0, H - size + 1)), int(rng.integers(0, W - size + 1))
            c = f[:, y:y + size, x:x + size]
            score = float(np.abs(c[2].astype(np.int16) - c[0]).mean())
            if score > best_score:
                best, best_score = c, score
        return best.astype(np.float32) / 255.0
    raise RuntimeError("no usable video triplet (videos smaller than the crop?)")


# ----------------------------------------------------------------------------------------------
# video-content triplets (issue 28): photometric change, fades, dissolves, noisy near-still frames

CONTENT_KINDS = ("photometric", "fade", "dissolve", "noisy")
ALL_KINDS = ("synthetic", "video", "still") + CONTENT_KINDS


def flat_triplet(rng, size: int) -> np.ndarray:
    """A flat colour (grey half the time), sometimes with a smooth gradient and a faint texture:
    the content on which a global change shows most plainly. The same for the three frames."""
    c = np.full(3, rng.uniform(0.05, 0.95)) if rng.random() < 0.5 else rng.uniform(0.05, 0.95, 3)
    im = np.broadcast_to(c.astype(np.float32), (size, size, 3)).copy()
    if rng.random() < 0.5:  # a linear gradient, up to 0.3 across the crop
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
        a = rng.uniform(0, 2 * math.pi)
        im += (rng.uniform(-0.3, 0.3) * (math.cos(a) * xx + math.sin(a) * yy))[..., None]
    if rng.random() < 0.3:  # faint smooth texture
        small = rng.standard_normal((size // 16, size // 16, 3)).astype(np.float32)
        im += rng.uniform(0, 0.04) * cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)
    im = np.clip(im, 0, 1)
    return np.stack([im, im, im])


def base_triplet(rng, src, size: int, val: bool, max_disp: float, max_objects: int,
                 p_flat: float, p_still: float, p_video: float) -> np.ndarray:
    """The content a global change, fade or dissolve is applied to: a flat colour (p_flat), a still photo
    crop (p_still), a video triplet (p_video, if there are videos) or else a synthetic moving one."""
    u = rng.random()
    if u < p_flat:
        return flat_triplet(rng, size)
    if u < p_flat + p_still:
        p = random_patch(rng, src.photos[rng.integers(len(src.photos))], size, size)
        return np.stack([p, p, p])
    if u < p_flat + p_still + p_video and src.videos:
        return video_triplet(rng, src.videos, size, val=val)
    return synthetic_triplet(rng, src.photos, size, max_disp, max_objects)


def _affine_params(rng):
    """Per-channel gain a and offset b of y = a x + b: a global exposure gain, a contrast change about
    mid-grey, a colour cast and a brightness offset."""
    g = math.exp(rng.normal(0, 0.35))
    k = math.exp(rng.normal(0, 0.2)) if rng.random() < 0.6 else 1.0
    c = np.exp(rng.normal(0, 0.08, 3)) if rng.random() < 0.5 else np.ones(3)
    o = rng.normal(0, 0.05) if rng.random() < 0.5 else 0.0
    a = k * g * c
    return a, (0.5 - 0.5 * k) * g * c + o


def photometric_triplet(rng, src, size: int, val: bool = False, max_disp: float = 100.0,
                        max_objects: int = 5) -> np.ndarray:
    """A global brightness / contrast / colour change: y_t = clip(a_t x_t + b_t), per channel, with
    a_t, b_t linear in t between two random maps (one of them the identity 30% of the time)."""
    base = base_triplet(rng, src, size, val, max_disp, max_objects, p_flat=0.25, p_still=0.3, p_video=0.2)
    a0, b0 = _affine_params(rng)
    a1, b1 = _affine_params(rng)
    if rng.random() < 0.3:
        a0, b0 = np.ones(3), np.zeros(3)
    out = [base[i] * ((1 - t) * a0 + t * a1).astype(np.float32) + ((1 - t) * b0 + t * b1).astype(np.float32)
           for i, t in enumerate((0.0, 0.5, 1.0))]
    return np.clip(np.stack(out), 0, 1).astype(np.float32)


def _weights(rng, p_whole: float, min_change: float):
    """Mixing weights (w0, w1) for t = 0 and 1: the whole transition (0, 1) with probability p_whole,
    else a random stretch of it at least min_change long (either direction; augment() also reverses)."""
    if rng.random() < p_whole:
        return 0.0, 1.0
    w0 = rng.uniform(0, 1 - min_change)
    w1 = rng.uniform(w0 + min_change, 1)
    return (w0, w1) if rng.random() < 0.5 else (w1, w0)


def fade_triplet(rng, src, size: int, val: bool = False, max_disp: float = 100.0,
                 max_objects: int = 5) -> np.ndarray:
    """A fade to (or, reversed, from) black (45%), white (35%) or a random flat colour (20%):
    y_t = (1 - w_t) x_t + w_t C with w linear in t."""
    base = base_triplet(rng, src, size, val, max_disp, max_objects, p_flat=0.1, p_still=0.4, p_video=0.2)
    u = rng.random()
    C = np.zeros(3) if u < 0.45 else np.ones(3) if u < 0.8 else rng.uniform(0, 1, 3)
    w0, w1 = _weights(rng, 0.4, 0.15)
    out = [(1 - w) * base[i] + (w * C).astype(np.float32)
           for i, w in enumerate((w0, 0.5 * (w0 + w1), w1))]
    return np.clip(np.stack(out), 0, 1).astype(np.float32)


def dissolve_triplet(rng, src, size: int, val: bool = False, max_objects: int = 5) -> np.ndarray:
    """A cross-dissolve between two unrelated bases, mostly still (a dissolve over moving pictures has
    two motions per pixel, which one flow cannot follow), some with up to 16 px of motion:
    y_t = (1 - w_t) A_t + w_t B_t with w linear in t (the whole dissolve, 0 -> 1, half the time)."""
    a = base_triplet(rng, src, size, val, 16.0, max_objects, p_flat=0.05, p_still=0.6, p_video=0.15)
    b = base_triplet(rng, src, size, val, 16.0, max_objects, p_flat=0.05, p_still=0.6, p_video=0.15)
    w0, w1 = _weights(rng, 0.5, 0.2)
    out = [(1 - w) * a[i] + w * b[i] for i, w in enumerate((w0, 0.5 * (w0 + w1), w1))]
    return np.clip(np.stack(out), 0, 1).astype(np.float32)


def sensor_noise(rng, im: np.ndarray, sigma: float, shot: float, shared: float, blur: float) -> np.ndarray:
    """Noise like a camera's after demosaicing: standard deviation sigma * sqrt(shot * 2x + 1 - shot)
    (signal-dependent shot noise plus read noise; sigma at mid-grey), a `shared` part of it the same in
    the three channels (luma noise), spatially blurred by a Gaussian of `blur` px (renormalised)."""
    h, w = im.shape[:2]
    n = math.sqrt(1 - shared) * rng.standard_normal((h, w, 3)) + math.sqrt(shared) * rng.standard_normal((h, w, 1))
    n = n.astype(np.float32)
    if blur > 0:
        n = cv2.GaussianBlur(n, (0, 0), blur, borderType=cv2.BORDER_REFLECT101)
        n /= max(float(n.std()), 1e-6)
    std = sigma * np.sqrt(np.clip(shot * 2 * im + (1 - shot), 0, None))
    return im + std * n


def noisy_triplet(rng, photos: List[np.ndarray], size: int) -> np.ndarray:
    """Near-still: one photo crop, drifting by up to 0.6 px between the end frames half the time (all
    three frames resampled, bicubic, so they are equally soft), each frame with its own sensor-like noise
    (sigma at mid-grey 0.002-0.02, i.e. 0.5-5 levels) and, 70% of the time, rounded to 8 bits."""
    m = 8
    patch = random_patch(rng, photos[rng.integers(len(photos))], size + 2 * m, size + 2 * m)
    frames = []
    if rng.random() < 0.5:
        d = _disp(rng, 0.6)
        off = rng.uniform(-0.5, 0.5, 2)
        for t in (0.0, 0.5, 1.0):
            sx, sy = off + (t - 0.5) * d
            A = np.array([[1, 0, sx - m], [0, 1, sy - m]], np.float64)
            frames.append(cv2.warpAffine(patch, A, (size, size), flags=cv2.INTER_CUBIC,
                                         borderMode=cv2.BORDER_REFLECT101))
    else:
        frames = [patch[m:m + size, m:m + size]] * 3
    sigma = rng.uniform(0.002, 0.02)
    shot, shared = rng.uniform(0, 1), rng.uniform(0, 0.8)
    blur = rng.uniform(0.3, 1.0) if rng.random() < 0.5 else 0.0
    quantise = rng.random() < 0.7
    out = []
    for f in frames:
        f = np.clip(sensor_noise(rng, np.clip(f, 0, 1), sigma, shot, shared, blur), 0, 1)
        out.append(np.round(f * 255) / 255 if quantise else f)
    return np.stack(out).astype(np.float32)


# ----------------------------------------------------------------------------------------------

def augment(rng, trip: np.ndarray) -> np.ndarray:
    """FILM's augmentation on a [3,H,W,C] triplet: flips, 90-degree rotation, time reversal."""
    if rng.random() < 0.5:
        trip = trip[:, :, ::-1]
    if rng.random() < 0.5:
        trip = trip[:, ::-1]
    k = int(rng.integers(4))
    if k and trip.shape[1] == trip.shape[2]:
        trip = np.rot90(trip, k, axes=(1, 2))
    if rng.random() < 0.5:
        trip = trip[::-1]
    return np.ascontiguousarray(trip)


class Sources:
    """Loads (and caches) the photographs and videos; `split` is 'train' or 'val'."""

    def __init__(self, split: str = "train", use_videos: bool = True):
        tr, va = split_photos(photo_paths())
        paths = tr if split == "train" else va
        if not paths:
            raise RuntimeError("no photographs found: run tools/train/setup_data.sh")
        self.photo_paths = paths
        self.photos = [load_photo(p) for p in paths]
        self.videos = [v for v in (load_video(n) for n in VIDEOS) if v is not None] if use_videos else []


class TripletDataset:
    """Map-style dataset: item n is a deterministic function of (seed, n). Returns torch tensors
    x0, gt, x1 as [3,H,W] float32 in [0,1]."""

    def __init__(self, sources: Sources, crop: int, seed: int, video_fraction: float = 0.3,
                 max_disp: float = 100.0, max_objects: int = 5, val: bool = False, do_augment: bool = True,
                 still_fraction: float = 0.0, teacher: bool = False, photometric_fraction: float = 0.0,
                 fade_fraction: float = 0.0, dissolve_fraction: float = 0.0, noisy_fraction: float = 0.0):
        self.src, self.crop, self.seed = sources, crop, seed
        self.teacher = teacher  # also return distill.teacher()'s flows and confidences
        self.still_fraction = still_fraction
        # shares of the whole stream, kind by kind; what is left is video / synthetic by video_fraction
        self.content = [("still", still_fraction), ("photometric", photometric_fraction),
                        ("fade", fade_fraction), ("dissolve", dissolve_fraction), ("noisy", noisy_fraction)]
        if sum(f for _, f in self.content) > 1 + 1e-9 or any(f < 0 for _, f in self.content):
            raise ValueError("the still, photometric, fade, dissolve and noisy fractions must be >= 0 and sum "
                             "to at most 1")
        self.video_fraction = video_fraction if sources.videos else 0.0
        self.max_disp, self.max_objects = max_disp, max_objects
        self.val, self.do_augment = val, do_augment

    def __len__(self):
        return 1 << 62

    def make(self, kind: str, rng) -> np.ndarray:
        """One un-augmented triplet of `kind` (synthetic, video, still or one of CONTENT_KINDS)."""
        if kind == "still":
            return still_triplet(rng, self.src.photos, self.crop)
        if kind == "video":
            return video_triplet(rng, self.src.videos, self.crop, val=self.val)
        if kind == "synthetic":
            return synthetic_triplet(rng, self.src.photos, self.crop, self.max_disp, self.max_objects)
        if kind == "photometric":
            return photometric_triplet(rng, self.src, self.crop, self.val, self.max_disp, self.max_objects)
        if kind == "fade":
            return fade_triplet(rng, self.src, self.crop, self.val, self.max_disp, self.max_objects)
        if kind == "dissolve":
            return dissolve_triplet(rng, self.src, self.crop, self.val, self.max_objects)
        if kind == "noisy":
            return noisy_triplet(rng, self.src.photos, self.crop)
        raise ValueError(f"unknown triplet kind {kind!r}")

    def kind_of(self, rng) -> str:
        """Draws sample's kind. With only still triplets asked for (or none), the draws are those of the
        older streams, so older runs' streams are unchanged; with any video-content kind, one draw picks
        still / photometric / fade / dissolve / noisy at their fractions, and a second video or synthetic."""
        if any(f > 0 for k, f in self.content if k != "still"):
            u = rng.random()
            for kind, f in self.content:
                if u < f:
                    return kind
                u -= f
        elif self.still_fraction > 0 and rng.random() < self.still_fraction:
            return "still"
        return "video" if rng.random() < self.video_fraction else "synthetic"

    def triplet(self, n: int, kind: Optional[str] = None) -> np.ndarray:
        """Sample n of the stream (kind None: drawn at the configured fractions), a pure function of
        (seed, n, kind). A given kind still takes the one draw that used to pick it, so the validation
        sets of earlier runs (made with fractions 0 or 1) are reproduced exactly."""
        rng = np.random.default_rng([self.seed, n])
        if kind:
            rng.random()
        t = self.make(kind or self.kind_of(rng), rng)
        return augment(rng, t) if self.do_augment else t

    def __getitem__(self, n: int):
        import torch
        trip = self.triplet(int(n))
        t = torch.from_numpy(trip).permute(0, 3, 1, 2).contiguous()
        if self.teacher:
            import distill
            flows, conf = distill.teacher(trip)
            return t[0], t[1], t[2], torch.from_numpy(flows), torch.from_numpy(conf)
        return t[0], t[1], t[2]


def validation_parts(crop: int = 192, n_synth: int = 24, n_video: int = 12, seed: int = 20240601,
                     n_still: int = 0, n_content: int = 0):
    """A fixed held-out set from held-out photos / video tails, as [(kind, triplets [3,crop,crop,3])...]:
    n_synth synthetic, n_video video (if the videos are there), n_still still, then n_content of each
    of CONTENT_KINDS (photometric, fade, dissolve, noisy). Each part has its own seed, so adding parts
    leaves the others as they were (the 48-triplet set of earlier runs is the first three parts)."""
    src = Sources("val")
    ds = TripletDataset(src, crop, seed, val=True, do_augment=False)
    parts = [("synth", [ds.triplet(i, "synthetic") for i in range(n_synth)])]
    if src.videos:
        dv = TripletDataset(src, crop, seed + 1, val=True, do_augment=False)
        parts.append(("video", [dv.triplet(i, "video") for i in range(n_video)]))
    if n_still:
        dst = TripletDataset(src, crop, seed + 2, val=True, do_augment=False)
        parts.append(("still", [dst.triplet(i, "still") for i in range(n_still)]))
    for k, kind in enumerate(CONTENT_KINDS if n_content else ()):
        dk = TripletDataset(src, crop, seed + 3 + k, val=True, do_augment=False)
        parts.append((kind, [dk.triplet(i, kind) for i in range(n_content)]))
    return [(k, t) for k, t in parts if t]


def validation_set(crop: int = 192, n_synth: int = 24, n_video: int = 12, seed: int = 20240601,
                   n_still: int = 0, n_content: int = 0):
    """validation_parts() as tensors x0, gt, x1 [N,3,crop,crop], the parts one after another, and the
    parts' (kind, count) list."""
    import torch
    parts = validation_parts(crop, n_synth, n_video, seed, n_still, n_content)
    out = [t for _, ts in parts for t in ts]
    t = torch.from_numpy(np.stack(out)).permute(0, 1, 4, 2, 3).contiguous()  # N,3(frames),C,H,W
    return t[:, 0], t[:, 1], t[:, 2], [(k, len(ts)) for k, ts in parts]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prepare", action="store_true")
    ap.add_argument("--preview", metavar="OUT.png")
    ap.add_argument("--pack", metavar="DIR")
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--video-fraction", type=float, default=0.3)
    ap.add_argument("--kinds", help="preview: --n rows of each of these kinds (comma-separated, or 'all'), "
                                    "labelled, instead of the training stream")
    args = ap.parse_args()
    if args.pack:
        files = photo_paths() + [p for p in map(video_path, VIDEOS) if os.path.exists(p)]
        for p in files:
            dst = os.path.join(args.pack, p.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(p, dst)
        print(f"packed {len(files)} files, {sum(map(os.path.getsize, files)) / 1e6:.1f} MB, into {args.pack}")
        return
    if args.prepare or not args.preview:
        tr, va = split_photos(photo_paths())
        print(f"photographs: {len(tr)} for training, {len(va)} held out for validation")
        for p in va:
            print("  val:", p)
        for name in VIDEOS:
            v = load_video(name)
            if v is None:
                print(f"video {name}: missing (install opencv-doc)")
            else:
                T = len(v.frames)
                print(f"video {name}: {T} frames {v.frames.shape[2]}x{v.frames.shape[1]}, {int(v.cuts.sum())} cuts, "
                      f"frames >= {int(T * (1 - VAL_TAIL))} held out")
        Sources("train")
        Sources("val")
        print("cache:", cache_dir())
    if args.preview:
        ds = TripletDataset(Sources("train"), args.crop, args.seed, video_fraction=args.video_fraction)
        rows = []
        if args.kinds:
            kinds = ALL_KINDS if args.kinds == "all" else args.kinds.split(",")
            for kind in kinds:
                for n in range(args.n):
                    t = (ds.triplet(n + 1000 * kinds.index(kind), kind) * 255 + 0.5).astype(np.uint8)
                    row = np.ascontiguousarray(np.concatenate(list(t), 1))
                    label = f"{kind}: x0 | middle | x1" if n == 0 else kind
                    for colour, width in (((0, 0, 0), 3), ((255, 255, 255), 1)):
                        cv2.putText(row, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, colour, width, cv2.LINE_AA)
                    rows.append(row.astype(np.float32) / 255)
        else:
            for n in range(args.n):
                t = ds.triplet(n)
                rows.append(np.concatenate(list(t), 1))
        sheet = (np.concatenate(rows, 0) * 255 + 0.5).astype(np.uint8)
        cv2.imwrite(args.preview, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
        print("wrote", args.preview)


if __name__ == "__main__":
    main()
