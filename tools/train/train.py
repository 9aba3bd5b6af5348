#!/usr/bin/python3
"""Trains FILM (tools/train/film_torch.py) on on-the-fly triplets (tools/train/data.py).

One command:
  /usr/bin/python3 tools/train/train.py --run runs/default --options tools/train/configs/default.json \
      --steps 300000 --batch 8 --crop 256 --threads 2
Running the same command again (or just `train.py --run runs/default`) resumes from the latest
checkpoint in the run folder: model, optimiser, step and RNG states; the data stream continues exactly
where it stopped because sample n is a pure function of (seed, n). Flags not given on a resume are taken
from the run's run.json.

Writes into --run:
  run.json         the options and training settings
  log.jsonl        {"kind":"train", step, loss, terms, lr, sec_per_step, data_sec, ...} every --log-every
                   steps and {"kind":"val", step, psnr, psnr_synth, psnr_video, psnr_still, psnr_photometric,
                   psnr_fade, psnr_dissolve, psnr_noisy} (the parts present) every --val-every
  ckpt-XXXXXXXX.pt the last --keep checkpoints (also written on SIGINT/SIGTERM and at the end)
Plot with tools/train/plot.py RUN; export with tools/train/export.py RUN.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import random
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import runtime  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import data  # noqa: E402
import distill  # noqa: E402
import film_torch  # noqa: E402
import losses  # noqa: E402
import st_io  # noqa: E402

DEFAULTS = dict(
    options=os.path.join(HERE, "configs", "default.json"),
    steps=300000, batch=8, crop=256, lr=1e-4, lr_min_factor=0.0, lr_decay_rate=0.464, lr_decay_steps=0,
    warmup=1000, weight_decay=0.0, clip=0.0, seed=1, video_fraction=0.3, max_disp=100.0, max_objects=5,
    loss="l1=1,lap=1,census=0", val_every=2000, val_crop=192, val_synth=24, val_video=12, log_every=50,
    ckpt_every=1000, keep=3, workers=0, time_limit=0.0, init="", freeze="", still_fraction=0.0, val_still=0,
    distill=0.0, distill_steps=0, photometric_fraction=0.0, fade_fraction=0.0, dissolve_fraction=0.0,
    noisy_fraction=0.0, val_content=0,
)
RUN_KEYS = list(DEFAULTS)  # stored in run.json; --threads/--device are per invocation


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="run folder (created; resumed if it has checkpoints)")
    ap.add_argument("--options", help="FILM options JSON (default: configs/default.json)")
    ap.add_argument("--steps", type=int, help="total optimiser steps (default 300000)")
    ap.add_argument("--batch", type=int, help="batch size (default 8, as FILM)")
    ap.add_argument("--crop", type=int, help="square training crop, multiple of 64 (default 256, as FILM)")
    ap.add_argument("--lr", type=float, help="peak learning rate (default 1e-4, as FILM)")
    ap.add_argument("--lr-decay-rate", type=float, help="exponential decay factor (default 0.464, as FILM)")
    ap.add_argument("--lr-decay-steps", type=int,
                    help="steps per decay factor (default 0 = steps/3, so the run ends at ~0.1 lr)")
    ap.add_argument("--lr-min-factor", type=float, help="floor of the schedule as a fraction of lr (default 0)")
    ap.add_argument("--warmup", type=int, help="linear warm-up steps (default 1000)")
    ap.add_argument("--weight-decay", type=float, help="Adam L2 weight decay (default 0)")
    ap.add_argument("--clip", type=float, help="gradient-norm clip, 0 = off (default 0)")
    ap.add_argument("--seed", type=int, help="seed of the initialisation and of the data stream (default 1)")
    ap.add_argument("--video-fraction", type=float, help="share of video triplets (default 0.3)")
    ap.add_argument("--still-fraction", type=float,
                    help="share of still triplets: one crop three times with faint noise (default 0)")
    ap.add_argument("--photometric-fraction", type=float,
                    help="share of triplets with a global brightness/contrast/colour change (default 0)")
    ap.add_argument("--fade-fraction", type=float,
                    help="share of fades to/from black, white or a flat colour (default 0)")
    ap.add_argument("--dissolve-fraction", type=float,
                    help="share of cross-dissolves between two unrelated pictures (default 0)")
    ap.add_argument("--noisy-fraction", type=float,
                    help="share of near-still triplets with sensor-like noise (default 0). The five fractions "
                         "(still, photometric, fade, dissolve, noisy) are shares of the whole stream and sum "
                         "to at most 1; the rest is video / synthetic by --video-fraction")
    ap.add_argument("--max-disp", type=float, help="max synthetic displacement in px over [0,1] (default 100)")
    ap.add_argument("--max-objects", type=int, help="max synthetic foreground objects (default 5)")
    ap.add_argument("--loss", help="loss weights, e.g. l1=1,lap=1,census=0 (default)")
    ap.add_argument("--distill", type=float,
                    help="weight of the flow distillation loss against DIS teacher flows (tools/train/"
                         "distill.py; default 0: off)")
    ap.add_argument("--distill-steps", type=int,
                    help="the distillation weight falls linearly to 0 over this many steps (default 0: "
                         "constant)")
    ap.add_argument("--val-every", type=int, help="validation interval in steps (default 2000; 0 = off)")
    ap.add_argument("--val-crop", type=int, help="validation crop (default 192)")
    ap.add_argument("--val-synth", type=int, help="synthetic validation triplets (default 24)")
    ap.add_argument("--val-video", type=int, help="video validation triplets (default 12)")
    ap.add_argument("--val-still", type=int, help="still validation triplets (default 0)")
    ap.add_argument("--val-content", type=int,
                    help="validation triplets of each video-content kind: photometric, fade, dissolve, noisy "
                         "(default 0)")
    ap.add_argument("--log-every", type=int, help="log interval in steps (default 50)")
    ap.add_argument("--ckpt-every", type=int, help="checkpoint interval in steps (default 1000)")
    ap.add_argument("--keep", type=int, help="checkpoints kept (default 3)")
    ap.add_argument("--workers", type=int, help="DataLoader worker processes (default 0: in-process)")
    ap.add_argument("--time-limit", type=float,
                    help="stop after this many seconds of training (summed over resumes; 0 = off). The lr "
                         "schedule then decays by whichever is further along, steps or seconds, so a run of unknown "
                         "speed (a lent GPU) still warms up and decays fully within its time")
    ap.add_argument("--ckpt-every-sec", type=float, default=0.0,
                    help="also checkpoint every this many seconds (per invocation; default 0 = off)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda[:N] (default cpu)")
    ap.add_argument("--fresh", action="store_true", help="refuse to resume: the run folder must be new")
    ap.add_argument("--init", metavar="CKPT|RUN|EXPORT|MODEL_DIR",
                    help="start a new run from trained weights: a checkpoint, a run folder (its latest), an "
                         "export.py folder or an engine model directory (e.g. models/film-default); the "
                         "optimiser starts afresh (fine-tuning, or continuing elsewhere)")
    ap.add_argument("--freeze", help="comma-separated parameter prefixes kept fixed, e.g. extract,predict_flow "
                                     "to fine-tune only the fusion U-Net (whose backward pass is then all that runs)")
    return ap.parse_args(argv)


def resolve_settings(args):
    os.makedirs(args.run, exist_ok=True)
    rj = os.path.join(args.run, "run.json")
    stored = {}
    if os.path.exists(rj):
        with open(rj) as f:
            stored = json.load(f)["settings"]
    s = {}
    for k in RUN_KEYS:
        v = getattr(args, k, None)
        if v is None:
            v = stored.get(k, DEFAULTS[k])
        elif k in stored and stored[k] != v:
            print(f"note: {k} changed from {stored[k]!r} to {v!r} for this run")
        s[k] = v
    if s["crop"] % 64 or s["val_crop"] % 64:
        sys.exit("crop and val-crop must be multiples of 64 (2^(pyramid_levels-1))")
    if stored.get("options_dict"):
        opts = film_torch.Options.from_dict(stored["options_dict"])
        if args.options and film_torch.Options.load(args.options).to_dict() != opts.to_dict():
            sys.exit(f"{args.options} differs from the options this run was started with")
    else:
        opts = film_torch.Options.load(s["options"])
    if opts.align > min(s["crop"], s["val_crop"]):
        sys.exit(f"crops must be >= {opts.align}")
    return s, opts


def parse_loss(spec: str):
    w = {}
    for part in spec.split(","):
        if part.strip():
            k, v = part.split("=")
            w[k.strip()] = float(v)
    return w


def lr_at(step: int, s, seconds: float = 0.0) -> float:
    warm = min(1.0, (step + 1) / s["warmup"]) if s["warmup"] > 0 else 1.0
    decay_steps = s["lr_decay_steps"] or max(1, s["steps"] // 3)
    decades = step / decay_steps  # number of decay factors applied
    if s["time_limit"] > 0:  # a time-boxed run reaches 3 decay factors (0.1 lr with FILM's) at its end
        decades = max(decades, 3.0 * seconds / s["time_limit"])
    f = s["lr_decay_rate"] ** decades
    return s["lr"] * warm * max(f, s["lr_min_factor"])


def model_dir_weights(src, model, run_opts):
    """--init from an engine model directory (what `film convert` writes, e.g. models/film-default): the
    FILM options recorded in its graph.json (metadata.options) and its weights.safetensors, renamed to this
    network's state-dict keys."""
    with open(os.path.join(src, "graph.json")) as f:
        recorded = json.load(f).get("metadata", {}).get("options")
    if not isinstance(recorded, dict):
        sys.exit(f"--init {src}: graph.json records no FILM options (metadata.options); not a FILM model directory")
    try:
        opts = film_torch.Options.from_dict(recorded)
    except (ValueError, TypeError) as e:
        sys.exit(f"--init {src}: graph.json's metadata.options are not valid FILM options: {e}")
    if opts.to_dict() != run_opts.to_dict():
        sys.exit(f"--init {src}: its FILM options differ from this run's")
    w, _ = st_io.read(os.path.join(src, "weights.safetensors"))
    state, used = {}, set()
    for key, want in model.state_dict().items():
        name = film_torch.engine_weight_name(key, opts)
        if name not in w:
            sys.exit(f"--init {src}: weights.safetensors has no tensor '{name}' (for {key})")
        if tuple(w[name].shape) != tuple(want.shape):
            sys.exit(f"--init {src}: '{name}' is {list(w[name].shape)}, this network's {key} is {list(want.shape)}")
        state[key] = torch.from_numpy(w[name])
        used.add(name)
    extra = sorted(set(w) - used)
    if extra:
        sys.exit(f"--init {src}: weights.safetensors has tensors this network lacks: {', '.join(extra[:5])}")
    return dict(model=state, step="model directory", options=opts.to_dict())


def init_weights(model):
    """Keras defaults, as the official model was trained with: glorot-uniform kernels, zero biases."""
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)


def checkpoints(run):
    return sorted(glob.glob(os.path.join(run, "ckpt-*.pt")))


def save_checkpoint(run, step, model, opt, keep, seconds=0.0):
    path = os.path.join(run, f"ckpt-{step:08d}.pt")
    state = dict(step=step, seconds=seconds, model=model.state_dict(), optimizer=opt.state_dict(),
                 options=model.options.to_dict(),
                 rng=dict(torch=torch.get_rng_state(), numpy=np.random.get_state(), python=random.getstate(),
                          cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None))
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)
    for old in checkpoints(run)[:-keep]:
        os.remove(old)
    return path


class Sampler(torch.utils.data.Sampler):
    """Sample indices start, start+1, ... (the data stream position is step * batch)."""

    def __init__(self, start):
        self.start = start

    def __iter__(self):
        n = self.start
        while True:
            yield n
            n += 1

    def __len__(self):
        return 1 << 62


def psnr(pred, gt):
    mse = ((pred.clamp(0, 1) - gt) ** 2).flatten(1).mean(1)
    return -10 * torch.log10(mse.clamp_min(1e-10))


def per_part(ps, parts):
    """{"psnr": mean over all, "psnr_<kind>": mean over each part} for per-triplet values `ps` in the
    order of the (kind, count) list `parts` (data.validation_set)."""
    r, i = dict(psnr=float(ps.mean())), 0
    for kind, n in parts:
        r["psnr_" + kind] = float(ps[i:i + n].mean())
        i += n
    return r


@torch.no_grad()
def validate(model, val, device, bs=4):
    model.eval()
    x0, gt, x1, parts = val
    ps = []
    for i in range(0, len(x0), bs):
        out = model(x0[i:i + bs].to(device), x1[i:i + bs].to(device))["image"]
        ps.append(psnr(out, gt[i:i + bs].to(device)).cpu())
    model.train()
    return per_part(torch.cat(ps), parts)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda but CUDA is not available")
    if args.fresh and checkpoints(args.run):
        sys.exit(f"{args.run} already has checkpoints (--fresh)")
    s, opts = resolve_settings(args)
    with open(os.path.join(args.run, "run.json.tmp"), "w") as f:
        json.dump(dict(settings=s, options_dict=opts.to_dict()), f, indent=1)
    os.replace(os.path.join(args.run, "run.json.tmp"), os.path.join(args.run, "run.json"))

    torch.manual_seed(s["seed"])
    np.random.seed(s["seed"])
    random.seed(s["seed"])
    model = film_torch.FILM(opts)
    init_weights(model)
    if s["init"] and not checkpoints(args.run):
        src = s["init"]
        if os.path.isfile(os.path.join(src, "graph.json")):  # an engine model directory (models/film-default)
            init = model_dir_weights(src, model, opts)
        elif os.path.isfile(os.path.join(src, "weights.safetensors")):  # an export.py folder (9 MB)
            w, meta = st_io.read(os.path.join(src, "weights.safetensors"))
            init = dict(model={k: torch.from_numpy(v) for k, v in w.items()}, step=meta.get("step", "?"),
                        options=film_torch.Options.load(os.path.join(src, "options.json")).to_dict())
        else:  # a checkpoint, or a run folder's latest
            src = src if os.path.isfile(src) else checkpoints(src)[-1]
            init = runtime.load_checkpoint(src)
        if init["options"] != opts.to_dict():
            sys.exit(f"--init {src}: its FILM options differ from this run's")
        model.load_state_dict(init["model"])
        print(f"initialised from {src} (step {init['step']})")
    frozen = [p.strip() for p in s["freeze"].split(",") if p.strip()]
    for name, prm in model.named_parameters():
        prm.requires_grad_(not any(name.startswith(f + ".") for f in frozen))
    trainable = [prm for prm in model.parameters() if prm.requires_grad]
    if not trainable:
        sys.exit(f"--freeze {s['freeze']} leaves nothing to train")
    model.to(device).train()
    opt = torch.optim.Adam(trainable, lr=s["lr"], weight_decay=s["weight_decay"])
    loss_fn = losses.Loss(parse_loss(s["loss"]))
    step, seconds = 0, 0.0  # optimiser steps and seconds of training so far (over all invocations)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes: pick the fastest convolution algorithms
    ck = checkpoints(args.run)
    if ck:
        state = runtime.load_checkpoint(ck[-1])
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
        seconds = state.get("seconds", 0.0)
        torch.set_rng_state(state["rng"]["torch"])
        np.random.set_state(state["rng"]["numpy"])
        random.setstate(state["rng"]["python"])
        if state["rng"].get("cuda") is not None and device.type == "cuda":
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        print(f"resumed {ck[-1]} at step {step}")
    n_params = film_torch.count_params(model)
    print(f"FILM {json.dumps(opts.to_dict())}: {n_params / 1e6:.3f} M parameters; device {device}, "
          f"{args.threads} threads; batch {s['batch']} crop {s['crop']}; loss {s['loss']}")

    train_src = data.Sources("train")
    try:
        ds = data.TripletDataset(train_src, s["crop"], s["seed"], s["video_fraction"], s["max_disp"], s["max_objects"],
                                 still_fraction=s["still_fraction"], teacher=s["distill"] > 0,
                                 photometric_fraction=s["photometric_fraction"], fade_fraction=s["fade_fraction"],
                                 dissolve_fraction=s["dissolve_fraction"], noisy_fraction=s["noisy_fraction"])
    except ValueError as e:
        sys.exit(str(e))
    loader = torch.utils.data.DataLoader(ds, batch_size=s["batch"], sampler=Sampler(step * s["batch"]),
                                         num_workers=s["workers"], persistent_workers=s["workers"] > 0,
                                         pin_memory=device.type == "cuda")
    val = None
    if s["val_every"]:
        t = time.time()
        val = data.validation_set(s["val_crop"], s["val_synth"], s["val_video"], n_still=s["val_still"],
                                  n_content=s["val_content"])
        base = per_part(psnr(0.5 * (val[0] + val[2]), val[1]), val[3])
        print(f"validation set: {len(val[0])} triplets {s['val_crop']}^2 ({time.time() - t:.1f}s); "
              f"averaging-the-inputs baseline {base['psnr']:.2f} dB ("
              + ", ".join(f"{k} {base['psnr_' + k]:.2f}" for k, _ in val[3]) + ")")

    stop = {"flag": False}

    def on_signal(signum, frame):
        print(f"signal {signum}: checkpointing after this step")
        stop["flag"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    log = open(os.path.join(args.run, "log.jsonl"), "a")

    def write(rec):
        log.write(json.dumps(rec) + "\n")
        log.flush()

    if val is not None:  # the bar to clear: averaging the two inputs
        write(dict(kind="val_baseline", step=step, time=time.time(), **base))

    def report(r):
        print(f"step {step} val psnr {r['psnr']:.2f} ("
              + ", ".join(f"{k} {r['psnr_' + k]:.2f}" for k, _ in val[3]) + ")", flush=True)

    if val is not None and step == 0:
        r = validate(model, val, device)
        write(dict(kind="val", step=0, time=time.time(), **r))
        report(r)

    acc = dict(n=0, loss=0.0, step_sec=0.0, data_sec=0.0, terms={})
    it = iter(loader)
    t_data = time.time()
    last_ckpt, last_ckpt_time = step, time.time()
    bad = 0  # consecutive non-finite steps
    while step < s["steps"] and not stop["flag"] and not (s["time_limit"] > 0 and seconds >= s["time_limit"]):
        batch = next(it)
        if device.type == "cuda":
            batch = [t.to(device, non_blocking=True) for t in batch]
        x0, gt, x1 = batch[:3]
        t0 = time.time()
        lr = lr_at(step, s, seconds)
        for g in opt.param_groups:
            g["lr"] = lr
        out = model(x0, x1)
        pred = out["image"]
        loss, terms = loss_fn(pred, gt)
        w_distill = distill.weight(step, s["distill"], s["distill_steps"])
        if w_distill > 0:
            d = distill.loss(out, batch[3], batch[4])
            terms["distill"] = float(d.detach())
            loss = loss + w_distill * d
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = None
        if s["clip"] > 0:
            gnorm = float(torch.nn.utils.clip_grad_norm_(trainable, s["clip"]))
        loss_value = float(loss.detach())
        if not math.isfinite(loss_value) or (gnorm is not None and not math.isfinite(gnorm)):
            bad += 1  # skip the update: one bad batch must not wreck a long run
            print(f"non-finite loss/gradient at step {step}: update skipped", flush=True)
            if bad >= 10:
                sys.exit(f"10 non-finite steps in a row at step {step}; resume from the last checkpoint "
                         "with a lower --lr")
            t_data = time.time()
            continue
        bad = 0
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        t1 = time.time()
        seconds += (t1 - t0) + (t0 - t_data)
        step += 1
        acc["n"] += 1
        acc["loss"] += loss_value
        acc["step_sec"] += t1 - t0
        acc["data_sec"] += t0 - t_data
        for k, v in terms.items():
            acc["terms"][k] = acc["terms"].get(k, 0.0) + v
        if gnorm is not None:
            acc["terms"]["grad_norm"] = acc["terms"].get("grad_norm", 0.0) + gnorm
        if step % s["log_every"] == 0 or step == s["steps"]:
            n = acc["n"]
            rec = dict(kind="train", step=step, loss=acc["loss"] / n, lr=lr, seconds=seconds,
                       sec_per_step=acc["step_sec"] / n, data_sec=acc["data_sec"] / n, time=time.time(),
                       **{k: v / n for k, v in acc["terms"].items()})
            write(rec)
            print(f"step {step} loss {rec['loss']:.4f} " + " ".join(f"{k} {v / n:.4f}" for k, v in acc["terms"].items())
                  + f" lr {lr:.2e} {rec['sec_per_step']:.3f}s/step (+{rec['data_sec']:.3f}s data)", flush=True)
            acc = dict(n=0, loss=0.0, step_sec=0.0, data_sec=0.0, terms={})
        if val is not None and step % s["val_every"] == 0:
            r = validate(model, val, device)
            write(dict(kind="val", step=step, time=time.time(), **r))
            report(r)
        if step % s["ckpt_every"] == 0 or (
                args.ckpt_every_sec > 0 and time.time() - last_ckpt_time >= args.ckpt_every_sec):
            save_checkpoint(args.run, step, model, opt, s["keep"], seconds)
            last_ckpt, last_ckpt_time = step, time.time()
        t_data = time.time()
    if step != last_ckpt:
        p = save_checkpoint(args.run, step, model, opt, s["keep"], seconds)
        print("saved", p)
    log.close()
    return 0


if __name__ == "__main__":
    runtime.tune_malloc()  # before any big allocation; re-executes once
    sys.exit(main())
