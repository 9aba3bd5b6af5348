#!/usr/bin/python3
"""Exports a trained checkpoint in the PyTorch port's format, for
`film convert --from pytorch-port --config OUT/options.json OUT/weights.safetensors -o MODEL_DIR`.

Writes into OUT:
  weights.safetensors  the state dict under the port's keys, in the port's order, OIHW float32
                       (metadata: options JSON, step, source checkpoint)
  options.json         the FILM options (the keys of tests/data/film-port/port-small.config.json)
  sample.safetensors   an equivalence test: x0, x1 (1x3x192x256, a held-out synthetic triplet) and
                       image = the model's raw (unclamped) output at t = 0.5, plus `gt`, the true middle
                       frame; an importer should reproduce `image` to ~1e-4
The export is read back and re-run before the command reports success.

Usage: /usr/bin/python3 tools/train/export.py RUN_DIR|CHECKPOINT.pt -o OUT [--threads N]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import film_torch  # noqa: E402
import runtime  # noqa: E402
import st_io  # noqa: E402


def find_checkpoint(src):
    if os.path.isdir(src):
        import glob
        ck = sorted(glob.glob(os.path.join(src, "ckpt-*.pt")))
        if not ck:
            sys.exit(f"no ckpt-*.pt in {src}")
        return ck[-1]
    return src


def sample_input():
    """A fixed held-out triplet, 192x256 (non-square on purpose, to catch H/W mix-ups)."""
    import data
    src = data.Sources("val", use_videos=False)
    rng = np.random.default_rng([7, 0])
    t = data.synthetic_triplet(rng, src.photos, 256, max_disp=60.0, max_objects=3)[:, 32:224]
    t = torch.from_numpy(np.ascontiguousarray(t)).permute(0, 3, 1, 2)[:, None]  # 3,1,C,H,W
    return t[0], t[1], t[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="run folder (its latest checkpoint) or a checkpoint file")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ck = find_checkpoint(args.src)
    state = runtime.load_checkpoint(ck)
    opts = film_torch.Options.from_dict(state["options"])
    model = film_torch.FILM(opts).eval()
    model.load_state_dict(state["model"])
    os.makedirs(args.out, exist_ok=True)

    tensors = {k: v.detach().to(torch.float32).contiguous().numpy() for k, v in model.state_dict().items()}
    meta = {"format": "film pytorch-port state dict (OIHW float32)", "config": json.dumps(opts.to_dict()),
            "step": str(state.get("step", "")), "checkpoint": os.path.basename(ck)}
    wpath = os.path.join(args.out, "weights.safetensors")
    st_io.write(wpath, tensors, meta)
    opath = os.path.join(args.out, "options.json")
    with open(opath + ".tmp", "w") as f:
        json.dump(opts.to_dict(), f)
        f.write("\n")
    os.replace(opath + ".tmp", opath)

    x0, gt, x1 = sample_input()
    with torch.no_grad():
        image = model(x0, x1)["image"]
    spath = os.path.join(args.out, "sample.safetensors")
    st_io.write(spath, {"x0": x0.numpy(), "x1": x1.numpy(), "image": image.numpy(), "gt": gt.numpy()},
                {"config": json.dumps(opts.to_dict()), "time": "0.5",
                 "note": "image is the raw model output (not clamped); gt is the true middle frame"})

    # read everything back and re-run from the exported files alone
    w, m = st_io.read(wpath)
    m2 = film_torch.FILM(film_torch.Options.load(opath)).eval()
    keys = list(m2.state_dict())
    if list(w) != keys:
        sys.exit("export check failed: keys/order differ")
    m2.load_state_dict({k: torch.from_numpy(v) for k, v in w.items()})
    smp, _ = st_io.read(spath)
    with torch.no_grad():
        again = m2(torch.from_numpy(smp["x0"]), torch.from_numpy(smp["x1"]))["image"].numpy()
    err = float(np.abs(again - smp["image"]).max())
    if err > 1e-5:
        sys.exit(f"export check failed: re-run differs by {err}")
    mse = float(((np.clip(smp["image"], 0, 1) - smp["gt"]) ** 2).mean())
    n = sum(v.size for v in w.values())
    print(f"exported {ck} (step {state.get('step')}) -> {args.out}: {len(w)} tensors, {n / 1e6:.3f} M params, "
          f"{os.path.getsize(wpath) / 1e6:.2f} MB; sample PSNR {-10 * np.log10(max(mse, 1e-10)):.2f} dB; "
          f"re-run max|diff| {err:.1e}")


if __name__ == "__main__":
    main()
