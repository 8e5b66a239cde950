#!/usr/bin/env python3
"""Tensor engine on the CPU: Warbler vs PyTorch on the same shapes, same machine, one run.

Three groups, each with the same thread count for both (default 2):
  1. every convolution a timm resnest50d (1 input channel) runs on the SED input, a log-mel
     image [1, 1, 501, 128]: shapes recorded from timm with forward hooks, each shape timed
     forward (and forward + backward with --backward) and weighted by how often the model runs it;
  2. a bidirectional GRU(2048 -> 512) over 16 steps (batch 1 and 16), forward and forward + backward;
  3. a conv3x3-BatchNorm(train)-ReLU block forward + backward.
Timings are medians of --repeats runs after a warm-up; both tools run in this one process tree,
alternating per group, so that machine drift hits both. The ratio printed is PyTorch time over
Warbler time (> 1: Warbler is faster). Exit status is non-zero when a tool fails, not when a
goal is missed.

    /work/venv/bin/python bench/engine.py [--threads 2] [--repeats 7] [--backward] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (check_quiet, machine_line, markdown_table, median, run_warbler,  # noqa: E402
                     time_runs, bench_binary)

GRU_SPECS = [(2048, 512, 16, 1), (2048, 512, 16, 16)]
BLOCK_SPECS = [(8, 64, 126, 32), (16, 256, 32, 8)]


def resnest_convs(frames: int, mels: int) -> list[tuple[dict, int]]:
    """(conv case, how many times the model runs it) for timm's resnest50d on [1, 1, frames, mels]."""
    import timm
    import torch

    model = timm.create_model("resnest50d", pretrained=False, in_chans=1, num_classes=0).eval()
    seen: collections.OrderedDict[str, list] = collections.OrderedDict()

    def hook(module, inputs, _output):
        x = inputs[0]
        case = dict(x=list(x.shape), w=list(module.weight.shape), stride=list(module.stride),
                    padding=list(module.padding), dilation=list(module.dilation), groups=module.groups)
        key = json.dumps(case, sort_keys=True)
        if key in seen:
            seen[key][1] += 1
        else:
            seen[key] = [case, 1]

    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.randn(1, 1, frames, mels))
    return [(c, n) for c, n in seen.values()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2,
                    help="PyTorch's threads; Warbler uses one worker per core (2 on this machine)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--backward", action="store_true", help="also time each convolution forward + backward")
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args()

    check_quiet()
    bench = bench_binary()
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    convs = resnest_convs(501, 128)
    tmp = Path(tempfile.mkdtemp(prefix="warbler-bench-engine-"))
    conv_file = tmp / "convs.json"
    conv_file.write_text(json.dumps([c for c, _ in convs]))

    # 1. Convolutions.
    warbler_args = ["engine", "--convs", str(conv_file), "--repeats", str(args.repeats)]
    if args.backward:
        warbler_args.append("--backward")
    w_rows = {r["index"]: r for r in run_warbler(bench, *warbler_args) if r["stage"] == "conv"}
    conv_rows, totals = [], collections.defaultdict(float)
    for i, (c, n) in enumerate(convs):
        x = torch.rand(c["x"]) * 2 - 1
        w = torch.rand(c["w"]) * 2 - 1
        kw = dict(stride=c["stride"], padding=c["padding"], dilation=c["dilation"], groups=c["groups"])
        with torch.no_grad():
            t_fwd = median(time_runs(lambda: F.conv2d(x, w, **kw), args.repeats, warmup=3))
        row = dict(case=c, count=n, torch_forward_ms=t_fwd, warbler_forward_ms=w_rows[i]["forward_ms"])
        if args.backward:
            xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()

            def step():
                xg.grad = None
                wg.grad = None
                y = F.conv2d(xg, wg, **kw)
                y.backward(torch.ones_like(y))
            row["torch_forward_backward_ms"] = median(time_runs(step, args.repeats, warmup=3))
            row["warbler_forward_backward_ms"] = w_rows[i]["forward_backward_ms"]
        for key in ("torch_forward_ms", "warbler_forward_ms", "torch_forward_backward_ms", "warbler_forward_backward_ms"):
            if key in row:
                totals[key] += n * row[key]
        conv_rows.append(row)

    # 2. GRU and 3. conv-BN-ReLU blocks.
    w_extra = run_warbler(bench, "engine", "--repeats", str(args.repeats),
                          *sum((["--gru", ",".join(map(str, s))] for s in GRU_SPECS), []),
                          *sum((["--block", ",".join(map(str, s))] for s in BLOCK_SPECS), []))
    w_gru = {r["spec"]: r for r in w_extra if r["stage"] == "gru"}
    w_block = {r["spec"]: r for r in w_extra if r["stage"] == "block"}
    gru_rows = []
    for spec in GRU_SPECS:
        inp, hid, steps, batch = spec
        gru = torch.nn.GRU(inp, hid, bidirectional=True, batch_first=True)
        x = (torch.rand(batch, steps, inp) * 2 - 1).requires_grad_()
        with torch.no_grad():
            t_fwd = median(time_runs(lambda: gru(x), args.repeats, warmup=3))

        def gru_step():
            x.grad = None
            gru.zero_grad(set_to_none=True)
            gru(x)[0].sum().backward()
        t_train = median(time_runs(gru_step, args.repeats, warmup=3))
        key = ",".join(map(str, spec))
        gru_rows.append(dict(spec=key, torch_forward_ms=t_fwd, warbler_forward_ms=w_gru[key]["forward_ms"],
                             torch_forward_backward_ms=t_train,
                             warbler_forward_backward_ms=w_gru[key]["forward_backward_ms"]))
    block_rows = []
    for spec in BLOCK_SPECS:
        n, c, h, wd = spec
        x = (torch.rand(n, c, h, wd) * 2 - 1).requires_grad_()
        w = (torch.rand(c, c, 3, 3) * 2 - 1).requires_grad_()
        bn = torch.nn.BatchNorm2d(c).train()

        def block_step():
            x.grad = None
            w.grad = None
            bn.zero_grad(set_to_none=True)
            F.relu(bn(F.conv2d(x, w, padding=1))).sum().backward()
        key = ",".join(map(str, spec))
        block_rows.append(dict(spec=key, torch_forward_backward_ms=median(time_runs(block_step, args.repeats, warmup=3)),
                               warbler_forward_backward_ms=w_block[key]["forward_backward_ms"]))

    def ratio(t, w):
        return f"{t / w:.2f}x"

    print(f"# tensor engine on the CPU, {args.threads} threads each, medians of {args.repeats} runs")
    print(f"# {machine_line()}")
    print(f"# torch {torch.__version__}; warbler-bench: {bench}")
    print()
    header = ["convolution (x, w, stride, pad, groups)", "runs", "torch fwd ms", "warbler fwd ms", "speed-up"]
    if args.backward:
        header += ["torch fwd+bwd ms", "warbler fwd+bwd ms", "speed-up (fwd+bwd)"]
    rows = []
    for r in conv_rows:
        c = r["case"]
        name = f"{c['x']} {c['w']} s{c['stride'][0]} p{c['padding'][0]} g{c['groups']}"
        row = [name, str(r["count"]), f"{r['torch_forward_ms']:.3f}", f"{r['warbler_forward_ms']:.3f}",
               ratio(r["torch_forward_ms"], r["warbler_forward_ms"])]
        if args.backward:
            row += [f"{r['torch_forward_backward_ms']:.3f}", f"{r['warbler_forward_backward_ms']:.3f}",
                    ratio(r["torch_forward_backward_ms"], r["warbler_forward_backward_ms"])]
        rows.append(row)
    total = ["all ResNeSt-50 convolutions (weighted by runs)", str(sum(n for _, n in convs)),
             f"{totals['torch_forward_ms']:.2f}", f"{totals['warbler_forward_ms']:.2f}",
             ratio(totals["torch_forward_ms"], totals["warbler_forward_ms"])]
    if args.backward:
        total += [f"{totals['torch_forward_backward_ms']:.2f}", f"{totals['warbler_forward_backward_ms']:.2f}",
                  ratio(totals["torch_forward_backward_ms"], totals["warbler_forward_backward_ms"])]
    rows.append(total)
    print(markdown_table(header, rows))
    print()
    print(markdown_table(
        ["bidirectional GRU (in, hidden, steps, batch)", "torch fwd ms", "warbler fwd ms", "speed-up",
         "torch fwd+bwd ms", "warbler fwd+bwd ms", "speed-up (fwd+bwd)"],
        [[r["spec"], f"{r['torch_forward_ms']:.2f}", f"{r['warbler_forward_ms']:.2f}",
          ratio(r["torch_forward_ms"], r["warbler_forward_ms"]),
          f"{r['torch_forward_backward_ms']:.2f}", f"{r['warbler_forward_backward_ms']:.2f}",
          ratio(r["torch_forward_backward_ms"], r["warbler_forward_backward_ms"])] for r in gru_rows]))
    print()
    print(markdown_table(
        ["conv3x3-BN-ReLU fwd+bwd (N, C, H, W)", "torch ms", "warbler ms", "speed-up"],
        [[r["spec"], f"{r['torch_forward_backward_ms']:.2f}", f"{r['warbler_forward_backward_ms']:.2f}",
          ratio(r["torch_forward_backward_ms"], r["warbler_forward_backward_ms"])] for r in block_rows]))
    if args.json:
        Path(args.json).write_text(json.dumps(dict(convs=conv_rows, totals=totals, gru=gru_rows, blocks=block_rows), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
