#!/usr/bin/env python3
"""SED models on the CPU: Warbler vs PyTorch + timm, same weights, same input size, same machine,
one run.

For each architecture a reference-layout SED (timm ResNeSt backbone, mean + max frequency
pooling, bidirectional GRU 256, attention head, 24 classes; tools/fixtures/models.py) is built
with timm's random initialisation and written as a Warbler checkpoint; both tools then load
those weights and time, on random log-mels [B, 1, 501, 128] (5-s clips):
  inference  eval mode, no gradients, batch 1 and 16  -> clips/s
  training   train mode, BCE on clipwise, AdamW step, batch 8  -> samples/s
Each measurement runs in a fresh process (so its peak RSS is its own), PyTorch and Warbler
alternating, --threads for PyTorch (Warbler uses one worker per core: 2 here); medians of
--repeats runs after one warm-up. The ratio is PyTorch time over Warbler time (> 1: Warbler is
faster).

With --bf16, inference only in bfloat16: PyTorch under torch.autocast("cpu", bfloat16), Warbler
with `bench model --bf16` (its convolutions in bf16 on AVX-512 BF16; GRU and head in float32).

    /work/venv/bin/python bench/models.py [--arch resnest50d ...] [--threads 2] [--repeats 3] [--bf16] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools" / "fixtures"))
from _common import check_quiet, machine_line, markdown_table, median, run_warbler, time_runs, bench_binary, warbler_binary  # noqa: E402

CASES = [("inference", 1), ("inference", 16), ("training", 8)]


def worker(args) -> None:
    """Time PyTorch in this process and print one JSON line (run as a subprocess)."""
    import resource

    import safetensors.torch
    import torch
    import torch.nn.functional as F
    from safetensors import safe_open

    import models as M

    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    with safe_open(args.checkpoint, "pt") as f:
        config = json.loads(f.metadata()["config"])
    model = M.SED(config)
    model.load_state_dict(safetensors.torch.load_file(args.checkpoint))
    model.to(dev)
    gen = torch.Generator().manual_seed(1)
    x = ((torch.rand(args.batch, 1, args.frames, args.mels, generator=gen) - 0.5) * 80).to(dev)
    y = (torch.rand(args.batch, config["classes"], generator=gen) < 0.5).float().to(dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    if args.mode == "inference":
        model.eval()

        def step():
            with torch.inference_mode():
                if args.bf16:
                    # PyTorch's CPU bf16 inference: autocast runs convolutions and matmuls in bf16.
                    with torch.autocast("cpu", dtype=torch.bfloat16):
                        model(x)
                else:
                    model(x)
            sync()
    else:
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

        def step():
            opt.zero_grad()
            F.binary_cross_entropy(model(x)[0], y).backward()
            opt.step()
            sync()
    runs = time_runs(step, args.repeats, warmup=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(tool="pytorch", mode=args.mode, batch=args.batch, median_ms=median(runs), runs_ms=runs,
                          samples_per_s=args.batch / (median(runs) / 1000), peak_rss_mib=peak)))


def make_checkpoint(arch: str, path: str) -> None:
    import models as M
    import torch
    from safetensors.torch import save_file

    layers, stem = M.ARCHS[arch]
    torch.manual_seed(0)
    config = M.sed_config(arch, M.backbone_config(layers, stem), classes=24, gru_hidden=256, dropout=0.2)
    model = M.SED(config)
    save_file(M.state_tensors(model), path, metadata={"format": "pt", "config": json.dumps(config, sort_keys=True)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", nargs="+", default=["resnest50d"], choices=["resnest14d", "resnest26d", "resnest50d", "resnest101e"])
    ap.add_argument("--threads", type=int, default=2, help="PyTorch's threads")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--frames", type=int, default=501)
    ap.add_argument("--mels", type=int, default=128)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda for both tools on the GPU (training on the GPU is not yet verified)")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--bf16", action="store_true",
                    help="inference only, in bfloat16: PyTorch under torch.autocast('cpu', bfloat16), Warbler with --bf16 "
                         "(convolutions in bf16 where the CPU has AVX-512 BF16)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--checkpoint", help=argparse.SUPPRESS)
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    check_quiet()
    binary = warbler_binary()
    cases = CASES if not args.bf16 else [c for c in CASES if c[0] == "inference"]
    print(f"# SED models on {args.device}, input [B, 1, {args.frames}, {args.mels}], PyTorch {args.threads} threads, "
          f"medians of {args.repeats} runs")
    print(f"# {machine_line()}")
    results = []
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for arch in args.arch:
            ckpt = str(Path(tmp) / f"{arch}.safetensors")
            make_checkpoint(arch, ckpt)
            for mode, batch in cases:
                common = ["--mode", mode, "--batch", str(batch), "--repeats", str(args.repeats),
                          "--frames", str(args.frames), "--mels", str(args.mels), "--device", args.device] + (["--bf16"] if args.bf16 else [])
                proc = subprocess.run([sys.executable, __file__, "--worker", "--checkpoint", ckpt,
                                       "--threads", str(args.threads), *common], capture_output=True, text=True)
                if proc.returncode != 0:
                    sys.exit(f"PyTorch worker failed: {proc.stderr.strip()}")
                torch_r = json.loads(proc.stdout.strip().splitlines()[-1])
                warbler_r = run_warbler(bench_binary(), "model", "--checkpoint", ckpt, *common)[0]
                for r in (torch_r, warbler_r):
                    r["arch"] = arch
                results += [torch_r, warbler_r]
                unit = "clips/s" if mode == "inference" else "samples/s"
                rows.append([arch, f"{mode}{' bf16' if args.bf16 else ''} b{batch}", f"{torch_r['samples_per_s']:.2f} {unit}",
                             f"{warbler_r['samples_per_s']:.2f} {unit}",
                             f"{torch_r['median_ms'] / warbler_r['median_ms']:.2f}x",
                             f"{torch_r['peak_rss_mib']:.0f} / {warbler_r['peak_rss_mib']:.0f}"])
                print(markdown_table(["model", "case", "PyTorch", "Warbler", "speed ratio", "peak RSS MiB (PyTorch / Warbler)"],
                                     rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(markdown_table(["model", "case", "PyTorch", "Warbler", "speed ratio", "peak RSS MiB (PyTorch / Warbler)"], rows))
    if args.json:
        Path(args.json).write_text(json.dumps(dict(machine=machine_line(), results=results), indent=1) + "\n")


if __name__ == "__main__":
    main()
