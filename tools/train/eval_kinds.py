#!/usr/bin/python3
"""`film eval --json` results split by kind of case: a case folder named KIND-N (data/video-content:
flat-1, fade-black-2, ...) belongs to KIND; a folder name without a trailing -N is its own kind. Prints
a Markdown table with one row per method (film's model row first, then repeat / average / flow-warp as
film eval lists them) and one column per kind, PSNR / SSIM means over that kind's cases, and `all`.

Usage: film eval MODEL data/video-content --json > EVAL.json
       /usr/bin/python3 tools/train/eval_kinds.py EVAL.json [--label NAME] [--json OUT.json]
       (several EVAL.json files: their model rows one under another, the baselines from the first)
"""
import argparse
import json
import re
import sys


def kind_of(case: str) -> str:
    return re.sub(r"-\d+$", "", case)


def by_kind(method):
    """{kind: (mean psnr, mean ssim, n)} in the order the kinds first appear, plus 'all'."""
    groups = {}
    for c in method["cases"]:
        groups.setdefault(kind_of(c["name"]), []).append(c)
    out = {k: (sum(c["psnr"] for c in cs) / len(cs), sum(c["ssim"] for c in cs) / len(cs), len(cs))
           for k, cs in groups.items()}
    out["all"] = (method["mean"]["psnr"], method["mean"]["ssim"], len(method["cases"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("evals", nargs="+", help="film eval --json outputs")
    ap.add_argument("--label", action="append", help="a name for each file's model row (default: the file name)")
    ap.add_argument("--json", help="also write {label: {kind: {psnr, ssim, cases}}} here")
    args = ap.parse_args()
    labels = args.label or []
    rows, baselines = [], []
    for i, path in enumerate(args.evals):
        with open(path) as f:
            methods = json.load(f)["methods"]
        model, rest = methods[0], methods[1:]
        rows.append((labels[i] if i < len(labels) else path, by_kind(model)))
        if i == 0:
            baselines = [(m["name"], by_kind(m)) for m in rest]
    table = rows + baselines
    kinds = list(table[0][1])
    print("| method | " + " | ".join(f"{k} ({table[0][1][k][2]})" for k in kinds) + " |")
    print("|---" * (len(kinds) + 1) + "|")
    for name, r in table:
        print(f"| {name} | " + " | ".join(f"{r[k][0]:.2f} / {r[k][1]:.3f}" for k in kinds) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({name: {k: dict(psnr=v[0], ssim=v[1], cases=v[2]) for k, v in r.items()} for name, r in table},
                      f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
