#!/usr/bin/python3
"""Times the training step (forward + loss + backward + Adam) for an options JSON on real training
batches, excluding data generation (reported separately). Prints the median of the timed steps.

Usage: /usr/bin/python3 tools/train/bench.py [--options configs/default.json] [--threads 1] [--batch 8]
       [--crop 128] [--steps 6] [--device cpu]
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import runtime  # noqa: E402
import torch  # noqa: E402

import data  # noqa: E402
import film_torch  # noqa: E402
import losses  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--options", default=os.path.join(HERE, "configs", "default.json"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--steps", type=int, default=6, help="timed steps (after 2 warm-up steps)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--loss", default="l1=1,lap=1")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    dev = torch.device(args.device)
    torch.manual_seed(0)
    model = film_torch.FILM(film_torch.Options.load(args.options)).to(dev).train()
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    loss_fn = losses.Loss({k: float(v) for k, v in (p.split("=") for p in args.loss.split(","))})
    ds = data.TripletDataset(data.Sources("train"), args.crop, seed=123)
    t = time.time()
    batches = []
    for b in range(2 + args.steps):
        items = [ds[b * args.batch + i] for i in range(args.batch)]
        batches.append([torch.stack([it[j] for it in items]).to(dev) for j in range(3)])
    data_sec = (time.time() - t) / len(batches)
    times = []
    for i, (x0, gt, x1) in enumerate(batches):
        t = time.time()
        loss, _ = loss_fn(model(x0, x1)["image"], gt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        if i >= 2:
            times.append(time.time() - t)
    med = statistics.median(times)
    print(f"{os.path.basename(args.options)} threads {args.threads} batch {args.batch} crop {args.crop} {dev}: "
          f"median {med:.3f} s/step (min {min(times):.3f}, max {max(times):.3f}; {args.batch / med:.1f} "
          f"triplets/s); data generation {data_sec:.3f} s/batch in-process")


if __name__ == "__main__":
    runtime.tune_malloc()  # before any big allocation; re-executes once
    main()
