#!/usr/bin/python3
"""Proves that tools/train/film_torch.py is the published FILM network.

Loads the third-party PyTorch port's random weights (tests/data/film-port/port-small-{a,b}.weights
.safetensors) into film_torch.FILM with the fixture options, runs the fixture inputs, and compares with
the port's golden outputs: `image` within 1e-4 absolute, every flow / residual-flow pyramid level
within 1e-3. Also checks that the state-dict keys and shapes are exactly the port's (shapes.json).
Exits non-zero on any mismatch.

Usage: /usr/bin/python3 tools/train/check_port_fixtures.py [--fixtures DIR] [--threads N]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import film_torch  # noqa: E402
import st_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "data", "film-port"))

PYRAMIDS = ["forward_flow_pyramid", "backward_flow_pyramid",
            "forward_residual_flow_pyramid", "backward_residual_flow_pyramid"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", default=DEFAULT_FIXTURES)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--image-tol", type=float, default=1e-4)
    ap.add_argument("--flow-tol", type=float, default=1e-3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    opts = film_torch.Options.load(os.path.join(args.fixtures, "port-small.config.json"))
    ok = True
    for case in ("a", "b"):
        model = film_torch.FILM(opts).eval()
        shapes = json.load(open(os.path.join(args.fixtures, f"port-small-{case}.shapes.json")))
        ours = [(k, list(v.shape)) for k, v in model.state_dict().items()]
        if ours != [(k, list(s)) for k, s in shapes]:
            print(f"[{case}] FAIL: state_dict keys/shapes/order differ from the port's")
            print("  only ours:", sorted(set(map(str, ours)) - set(map(str, shapes)))[:10])
            print("  only port:", sorted(set(map(str, shapes)) - set(map(str, ours)))[:10])
            ok = False
            continue
        weights, _ = st_io.read(os.path.join(args.fixtures, f"port-small-{case}.weights.safetensors"))
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
        golden, _ = st_io.read(os.path.join(args.fixtures, f"port-small-{case}.safetensors"))
        x0, x1 = torch.from_numpy(golden["x0"]), torch.from_numpy(golden["x1"])
        with torch.no_grad():
            out = model(x0, x1)
        err = float(np.abs(out["image"].numpy() - golden["image"]).max())
        line = [f"[{case}] {tuple(x0.shape[2:])} image max|err| {err:.3g}"]
        case_ok = err <= args.image_tol
        for name in PYRAMIDS:
            n = sum(1 for k in golden if k.startswith(name + "/"))
            if n != len(out[name]):
                print(f"[{case}] FAIL: {name} has {len(out[name])} levels, golden {n}")
                case_ok = False
                continue
            errs = [float(np.abs(out[name][i].numpy() - golden[f"{name}/{i}"]).max()) for i in range(n)]
            line.append(f"{name} max|err| {max(errs):.3g} (levels {' '.join(f'{e:.2g}' for e in errs)})")
            case_ok &= max(errs) <= args.flow_tol
        print("\n    ".join(line))
        print(f"[{case}] {'OK' if case_ok else 'FAIL'}")
        ok &= case_ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
