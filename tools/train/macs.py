#!/usr/bin/python3
"""Counts FILM's multiply-accumulates (convolutions only; warps, resizes and pools are negligible) and
parameters for an options JSON, per frame pair at a given size, split into feature extraction / flow /
fusion. Counted analytically; --verify also counts them with forward hooks on the real model.

Usage: /usr/bin/python3 tools/train/macs.py [OPTIONS.json ...] [--size 256x256] [--released] [--verify]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import film_torch  # noqa: E402

RELEASED = film_torch.Options()  # the dataclass defaults are the released options


def conv(h, w, cin, cout, k):
    return h * w * cin * cout * k * k


def count(o: film_torch.Options, h: int, w: int):
    k, L, s, S = o.filters, o.pyramid_levels, o.specialized_levels, o.sub_levels
    res = [(h >> l, w >> l) for l in range(L)]
    chans = [sum(k << j for j in range(min(l, S - 1) + 1)) for l in range(L)]
    feat = 0
    for l in range(L):
        cin = 3
        for i in range(min(S, L - l)):
            hh, ww = res[l + i]
            feat += conv(hh, ww, cin, k << i, 3) + conv(hh, ww, k << i, k << i, 3)
            cin = k << i
    feat *= 2  # both images
    flow = 0
    for l in range(L):
        p = min(l, s)
        nf, nc = o.flow_filters[p], o.flow_convs[p]
        hh, ww = res[l]
        cin = 2 * chans[l]
        for _ in range(nc):
            flow += conv(hh, ww, cin, nf, 3)
            cin = nf
        flow += conv(hh, ww, nf, nf // 2, 1) + conv(hh, ww, nf // 2, 2, 1)
    flow *= 2  # both directions
    fuse = 0
    n = o.fusion_pyramid_levels
    cins = [2 * (3 + chans[l]) + 4 for l in range(n)]
    prev = cins[n - 1]
    for l in range(n - 2, -1, -1):
        nl = (k << l) if l < s else (k << s)
        hh, ww = res[l]
        fuse += conv(hh, ww, prev, nl, 2) + conv(hh, ww, cins[l] + nl, nl, 3) + conv(hh, ww, nl, nl, 3)
        prev = nl
    fuse += conv(h, w, k, 3, 1)
    return feat, flow, fuse


def hook_count(o, h, w):
    import torch
    torch.set_num_threads(1)
    model = film_torch.FILM(o).eval()
    total = [0]

    def hook(m, inp, out):
        total[0] += out.numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1]

    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.zeros(1, 3, h, w), torch.zeros(1, 3, h, w))
    return total[0]


def report(name, o, h, w, verify=False):
    feat, flow, fuse = count(o, h, w)
    tot = feat + flow + fuse
    params = sum(p.numel() for p in film_torch.FILM(o).parameters())
    rf, rfl, rfu = count(RELEASED, h, w)
    rtot = rf + rfl + rfu
    print(f"{name}: {json.dumps(o.to_dict())}")
    print(f"  {tot / 1e9:.3f} GMAC per {h}x{w} pair (features {100 * feat / tot:.0f}%, flow "
          f"{100 * flow / tot:.0f}%, fusion {100 * fuse / tot:.0f}%) = 1/{rtot / tot:.1f} of released "
          f"({rtot / 1e9:.1f} GMAC)")
    print(f"  {params / 1e6:.3f} M parameters, {params * 4 / 1e6:.2f} MB as float32")
    if verify:
        hc = hook_count(o, h, w)
        print(f"  hook count {hc / 1e9:.3f} GMAC ({'matches' if hc == tot else 'MISMATCH'})")
        if hc != tot:
            sys.exit(1)
    return tot, params


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("configs", nargs="*")
    ap.add_argument("--size", default="256x256", help="HxW")
    ap.add_argument("--released", action="store_true", help="also report the released options")
    ap.add_argument("--verify", action="store_true", help="cross-check with forward hooks (slow for big models)")
    args = ap.parse_args()
    h, w = map(int, args.size.lower().split("x"))
    if args.released or not args.configs:
        report("released", RELEASED, h, w, args.verify)
    for c in args.configs:
        report(c, film_torch.Options.load(c), h, w, args.verify)


if __name__ == "__main__":
    main()
