#!/usr/bin/env python3
"""Training quality and speed: Warbler vs a PyTorch reference on the same data, same config,
same number of steps, same machine, one run.

1. `warbler synth dataset` writes a set of --species synthetic species (BirdCLEF layout).
2. `warbler train` trains the small default config with the seed's recipe (mixed calls, no-call
   clips, noise, pitch/time changes, SpecAugment) and validates each epoch (row-wise micro F1 at
   the tuned threshold, mAP). Its per-step time is the epochs' training time over their steps.
3. The PyTorch reference: `warbler-bench export-batches` (the same options) writes the very batches that run saw
   (the augmented log-mels and targets for every (epoch, index)) and the validation windows;
   the reference trains the same model config (tools/fixtures/models.py: timm ResNeSt + GRU +
   attention head) from the very initial weights Warbler's run started from (written by the
   export as init.safetensors; `--reference-init timm` draws timm's own initialisation instead,
   `ones-last-bn` that with each block's last batch norm at 1) on them with the same optimisation: AdamW (lr,
   weight decay 0.01), linear warm-up over 5 % of the steps then cosine, BCE on the clipwise
   output + 0.5 x BCE on the framewise maximum, gradient clipping at norm 5; it validates the
   same way. Its per-step time is forward + backward + optimizer step. Sharing the batches makes
   the comparison about the training itself (model, loss, optimizer), with identical data.
4. `warbler-bench train-replay` trains Warbler on those same exported batches from those same
   initial weights, timing the step alone as the reference does (no data pipeline sharing the
   two cores). With the exporting run's seed its dropout draws are the live run's too, so it
   must reproduce step 2's losses; its F1 and per-step time are the like-for-like comparison.
Both use 2 threads.

    /work/venv/bin/python bench/train.py [--species 10] [--clips 20] [--epochs 10] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools" / "fixtures"))
from _common import bench_binary, check_quiet, machine_line, markdown_table, warbler_binary  # noqa: E402


def row_f1(truth: list[set], pred: list[set]) -> float:
    total = 0.0
    for t, p in zip(truth, pred):
        t = t or {"nocall"}
        p = p or {"nocall"}
        tp = len(t & p)
        total += 2 * tp / (2 * tp + len(p - t) + len(t - p))
    return total / len(truth)


def best_threshold_f1(scores, truth: list[set], classes: list[str]) -> tuple[float, float]:
    best = (0.5, -1.0)
    for t in [i / 100 for i in range(1, 100)]:
        pred = [{classes[k] for k, s in enumerate(row) if s >= t} for row in scores]
        f = row_f1(truth, pred)
        if f > best[1]:
            best = (t, f)
    return best


def reference(export: Path, checkpoint: str, lr: float, threads: int, seed: int, init: str) -> dict:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from safetensors import safe_open
    from sklearn.metrics import average_precision_score

    import models as M

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    meta = json.loads((export / "meta.json").read_text())
    with safe_open(checkpoint, "pt") as f:
        config = json.loads(f.metadata()["config"])
    model = M.SED(config)
    if init == "warbler":
        from safetensors.torch import load_file
        state = load_file(str(export / "init.safetensors"))
        model.load_state_dict({k: v.to(model.state_dict()[k].dtype) for k, v in state.items()}, strict=True)
    elif init == "ones-last-bn":
        # timm's ResNet (and Warbler's TimmInit) zero-initialise each bottleneck's last
        # batch-norm weight (zero_init_last); this variant starts them at 1 instead.
        from timm.models.resnest import ResNestBottleneck
        for m in model.modules():
            if isinstance(m, ResNestBottleneck):
                torch.nn.init.ones_(m.bn3.weight)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    epochs, per_epoch = meta["epochs"], meta["batchesPerEpoch"]
    total = epochs * per_epoch
    warmup = round(total * 0.05)

    def lr_at(step: int) -> float:
        if step < warmup:
            return lr * step / max(1, warmup)
        progress = (step - warmup) / max(1, total - warmup)
        return lr * max(0.0, 0.5 * (1 + math.cos(math.pi * progress)))

    classes = meta["classes"]
    truth = [set(t) for t in meta["truth"]]
    val = [torch.from_numpy(np.load(export / f"val_{i}_x.npy")) for i in range(meta["validationChunks"])]
    history, step, step_seconds = [], 0, 0.0
    for epoch in range(epochs):
        model.train()
        losses = []
        for index in range(per_epoch):
            x = torch.from_numpy(np.load(export / f"e{epoch}_b{index}_x.npy"))
            y = torch.from_numpy(np.load(export / f"e{epoch}_b{index}_y.npy"))
            t0 = time.perf_counter()
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            opt.zero_grad()
            clip, frame = model(x)
            loss = F.binary_cross_entropy(clip.clamp(1e-7, 1 - 1e-7), y)
            loss = loss + 0.5 * F.binary_cross_entropy(frame.max(dim=1).values.clamp(1e-7, 1 - 1e-7), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step_seconds += time.perf_counter() - t0
            losses.append(loss.item())
            step += 1
        model.eval()
        with torch.inference_mode():
            scores = np.concatenate([model(x)[0].numpy() for x in val])
        threshold, f1 = best_threshold_f1(scores, truth, classes)
        y_true = np.array([[c in t for c in classes] for t in truth])
        present = [k for k in range(len(classes)) if y_true[:, k].any()]
        m_ap = float(np.mean([average_precision_score(y_true[:, k], scores[:, k]) for k in present]))
        history.append(dict(epoch=epoch + 1, loss=float(np.mean(losses)), f1=f1, threshold=threshold, mAP=m_ap))
        print(f"PyTorch epoch {epoch + 1}: loss {np.mean(losses):.4f}, F1 {f1:.3f} (threshold {threshold:.2f}), mAP {m_ap:.3f}",
              file=sys.stderr, flush=True)
    return dict(history=history, step_ms=1000 * step_seconds / step, steps=step)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--species", type=int, default=10)
    ap.add_argument("--clips", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--examples-per-epoch", type=int, default=256)
    ap.add_argument("--learning-rate", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reference-init", choices=["warbler", "timm", "ones-last-bn"], default="warbler",
                    help="the reference's initial weights: Warbler's run's own (default), timm's initialisation drawn by "
                         "PyTorch (the rule Warbler follows too: last batch norm of each block zeroed), or that with "
                         "the last batch norms at 1")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    check_quiet()
    binary = str(warbler_binary())
    bench = str(bench_binary())
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        subprocess.run([binary, "synth", "dataset", "--out", str(tmp / "data"), "--species", str(args.species),
                        "--clips", str(args.clips), "--seconds", "5", "--seed", str(args.seed)], check=True, capture_output=True)
        common = ["--manifest", str(tmp / "data/train.csv"), "--audio-root", str(tmp / "data/train_audio"),
                  "--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
                  "--examples-per-epoch", str(args.examples_per_epoch), "--learning-rate", str(args.learning_rate),
                  "--seed", str(args.seed), "--cache", str(tmp / "cache")]
        t0 = time.perf_counter()
        subprocess.run([binary, "train", *common, "--out", str(tmp / "run")], check=True, capture_output=True,
                       env=dict(os.environ, WARBLER_THREADS=str(args.threads)))
        warbler_wall = time.perf_counter() - t0
        records = [json.loads(line) for line in (tmp / "run/metrics.jsonl").read_text().splitlines()]
        steps = records[-1]["step"]
        warbler = dict(history=[dict(epoch=r["epoch"], loss=r["trainLoss"], f1=r["validationF1"],
                                     threshold=r["validationThreshold"], mAP=r["validationMAP"]) for r in records],
                       step_ms=1000 * sum(r["seconds"] for r in records) / steps, steps=steps, wall_s=warbler_wall)
        subprocess.run([bench, "export-batches", *common, "--out", str(tmp / "export-run"), "--batches", str(tmp / "batches")],
                       check=True, capture_output=True)
        replay_lines = subprocess.run(
            [bench, "train-replay", "--batches", str(tmp / "batches"), "--out", str(tmp / "replay"),
             "--learning-rate", str(args.learning_rate), "--seed", str(args.seed)],
            check=True, capture_output=True, text=True, env=dict(os.environ, WARBLER_THREADS=str(args.threads))).stdout
        replay_records = [json.loads(line) for line in replay_lines.splitlines() if line.startswith("{")]
        replay = dict(history=[dict(epoch=r["epoch"], loss=r["loss"], f1=r["f1"], threshold=r["threshold"], mAP=r["mAP"])
                               for r in replay_records],
                      step_ms=sum(r["step_ms"] for r in replay_records) / len(replay_records))
        torch_r = reference(tmp / "batches", str(tmp / "run/best.safetensors"), args.learning_rate, args.threads, args.seed,
                            args.reference_init)

    print(f"# training on {args.species} synthetic species x {args.clips} clips of 5 s, warbler-small, {args.epochs} epochs x "
          f"{steps // args.epochs} steps of batch {args.batch_size}, lr {args.learning_rate}, {args.threads} threads each")
    print(f"# {machine_line()}")
    rows = []
    for name, r in (("Warbler (live pipeline: loading and augmentation share the cores)", warbler),
                    ("Warbler replaying the exported batches", replay),
                    (f"PyTorch reference (same batches, {args.reference_init} init)", torch_r)):
        best = max(r["history"], key=lambda h: h["f1"])
        rows.append([name, f"{best['f1']:.3f} (epoch {best['epoch']})", f"{r['history'][-1]['f1']:.3f}",
                     f"{best['mAP']:.3f}", f"{r['step_ms']:.1f}"])
    print(markdown_table(["trainer", "best validation row-wise F1", "last-epoch F1", "mAP at best", "ms per step"], rows))
    print()
    wb = max(h["f1"] for h in warbler["history"])
    rb = max(h["f1"] for h in replay["history"])
    tb = max(h["f1"] for h in torch_r["history"])
    same = all(abs(a["loss"] - b["loss"]) < 1e-6 for a, b in zip(warbler["history"], replay["history"]))
    print(f"Best F1 difference (Warbler - PyTorch): live {wb - tb:+.3f}, replay {rb - tb:+.3f}; replay reproduces the live "
          f"run's epoch losses: {'yes' if same else 'no'}")
    print(f"Per-step speed-up (PyTorch ms / Warbler ms): step alone (replay) {torch_r['step_ms'] / replay['step_ms']:.2f}x, "
          f"live pipeline {torch_r['step_ms'] / warbler['step_ms']:.2f}x; Warbler's whole live run {warbler['wall_s']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(warbler=warbler, replay=replay, pytorch=torch_r), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
