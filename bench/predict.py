#!/usr/bin/env python3
"""Whole-process `warbler predict` vs PyTorch + timm + librosa in-process, same clips, one run.

A reference-layout SED (timm resnest50d backbone, GRU 256, 24 classes; tools/fixtures/models.py)
with timm's random initialisation is written once as a Warbler checkpoint (as bench/models.py
does). The input is --clips WAV files of 5 s at 32 kHz cut from one `warbler synth example`
recording. Both tools do the same work per run: read every clip, compute the seed's log-mel
(unscaled dB, the checkpoint carries no input contract), run the model in eval mode in batches of
--batch, and collect clipwise and framewise scores.

PyTorch is timed in a worker process after its imports, the model's construction and one
warm-up run (so its number is in-process throughput, what a long-lived Python service gets):
librosa.load -> melspectrogram + power_to_db (reflect padding) -> torch.inference_mode model
calls of --batch clips, --threads threads. Warbler is the whole command as a user runs it,
process start to exit, timed around subprocess.run (its checkpoint loading, every library load
and first-call set-up included):

    warbler predict --checkpoint CKPT clip00.wav ... clip31.wav --out OUT.npz [--warbler-args]

Rounds alternate the two; medians of all runs; the ratio is PyTorch's time over Warbler's (> 1:
Warbler is faster). The clipwise scores of the two are compared (max |difference|).

    /work/venv/bin/python bench/predict.py [--clips 32] [--batch 16] [--rounds 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools" / "fixtures"))
from _common import check_quiet, machine_line, markdown_table, median, run_warbler, warbler_binary  # noqa: E402

SR, N_FFT, HOP, N_MELS, FMIN, FMAX = 32000, 1024, 320, 128, 50.0, 14000.0


def worker(args) -> None:
    """PyTorch in this process: prints one JSON line with the run times and the clipwise scores."""
    import librosa
    import safetensors.torch
    import torch
    from safetensors import safe_open

    import models as M

    torch.set_num_threads(args.threads)
    with safe_open(args.checkpoint, "pt") as f:
        config = json.loads(f.metadata()["config"])
    model = M.SED(config)
    model.load_state_dict(safetensors.torch.load_file(args.checkpoint))
    model.eval()
    clips = json.loads(Path(args.clip_list).read_text())

    def run() -> np.ndarray:
        clipwise = []
        for start in range(0, len(clips), args.batch):
            mels = []
            for path in clips[start:start + args.batch]:
                y, _ = librosa.load(path, sr=SR)
                s = librosa.power_to_db(
                    librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS,
                                                   fmin=FMIN, fmax=FMAX, pad_mode="reflect"),
                    ref=1.0, amin=1e-10, top_db=None)
                mels.append(s.T)                      # [frames, mels]
            x = torch.from_numpy(np.stack(mels)[:, None].astype(np.float32))
            with torch.inference_mode():
                c, _ = model(x)
            clipwise.append(c.numpy())
        return np.concatenate(clipwise)

    scores = run()                                    # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        scores = run()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps(dict(runs_ms=times, clipwise=scores.tolist())))


def make_checkpoint(arch: str, path: str) -> None:
    """The reference-layout SED with timm's random weights, as a Warbler checkpoint (as bench/models.py)."""
    import models as M
    import torch
    from safetensors.torch import save_file

    layers, stem = M.ARCHS[arch]
    torch.manual_seed(0)
    config = M.sed_config(arch, M.backbone_config(layers, stem), classes=24, gru_hidden=256, dropout=0.2)
    save_file(M.state_tensors(M.SED(config)), path, metadata={"format": "pt", "config": json.dumps(config, sort_keys=True)})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="resnest50d", choices=["resnest14d", "resnest26d", "resnest50d", "resnest101e"])
    ap.add_argument("--clips", type=int, default=32)
    ap.add_argument("--batch", type=int, default=16, help="PyTorch's clips per model call (Warbler's default is 16)")
    ap.add_argument("--threads", type=int, default=2, help="PyTorch's threads (Warbler uses one worker per core)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=1, help="timed runs per tool per round")
    ap.add_argument("--warbler-args", default="", help="extra arguments for warbler predict (e.g. '--batch 1')")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--checkpoint", help=argparse.SUPPRESS)
    ap.add_argument("--clip-list", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args) or 0

    check_quiet()
    binary = warbler_binary()
    import soundfile as sf

    with tempfile.TemporaryDirectory(prefix="warbler-bench-") as tmp:
        tmp = Path(tmp)
        ckpt = tmp / f"{args.arch}.safetensors"
        make_checkpoint(args.arch, str(ckpt))
        long = tmp / "long.wav"
        run_warbler(binary, "synth", "example", "--out", str(long), "--seconds", str(5 * args.clips), "--sample-rate", str(SR))
        y, _ = sf.read(long, dtype="int16")
        clips = []
        for i in range(args.clips):
            p = tmp / f"clip{i:02d}.wav"
            sf.write(p, y[i * 5 * SR:(i + 1) * 5 * SR], SR, subtype="PCM_16")
            clips.append(str(p))
        clip_list = tmp / "clips.json"
        clip_list.write_text(json.dumps(clips))
        out = tmp / "warbler.npz"
        # Warbler runs with its defaults (--batch 16) unless --warbler-args says otherwise.
        command = [str(binary), "predict", "--checkpoint", str(ckpt), *clips, "--out", str(out), *args.warbler_args.split()]

        def warbler_once() -> float:
            t0 = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True)
            ms = (time.perf_counter() - t0) * 1e3
            if proc.returncode != 0:
                raise RuntimeError(f"warbler predict failed: {proc.stderr.strip()}")
            return ms

        torch_ms: list[float] = []
        warbler_ms: list[float] = []
        torch_scores = None
        per_round = []
        for rnd in range(args.rounds):
            proc = subprocess.run([sys.executable, __file__, "--worker", "--checkpoint", str(ckpt), "--clip-list", str(clip_list),
                                   "--batch", str(args.batch), "--threads", str(args.threads), "--repeats", str(args.repeats)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit(f"PyTorch worker failed: {proc.stderr.strip()}")
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            torch_scores = np.array(r["clipwise"])
            w = [warbler_once() for _ in range(args.repeats)]
            torch_ms += r["runs_ms"]
            warbler_ms += w
            per_round.append((median(r["runs_ms"]), median(w)))
            print(f"round {rnd + 1}/{args.rounds}: PyTorch {median(r['runs_ms']):.0f} ms, warbler {median(w):.0f} ms",
                  file=sys.stderr)
        warbler_scores = np.load(out)["clipwise"]

    import torch
    print(f"# {args.clips} clips of 5 s, {args.arch} SED (24 classes, GRU 256), batch {args.batch}, "
          f"PyTorch {args.threads} threads in-process, Warbler whole process; {args.rounds} rounds x {args.repeats} runs")
    print(f"# {machine_line()}")
    print(f"# torch {torch.__version__}; warbler: {' '.join(['warbler', 'predict', *args.warbler_args.split()])}")
    t, w = median(torch_ms), median(warbler_ms)
    rows = [["PyTorch + librosa (in-process, after warm-up)", f"{t:.0f}", f"{min(torch_ms):.0f}-{max(torch_ms):.0f}",
             f"{args.clips / t * 1e3:.2f}"],
            ["warbler predict (whole process)", f"{w:.0f}", f"{min(warbler_ms):.0f}-{max(warbler_ms):.0f}",
             f"{args.clips / w * 1e3:.2f}"]]
    print(markdown_table(["run", "median ms", "min-max ms", "clips/s"], rows))
    print(markdown_table(["round", "PyTorch ms", "warbler ms", "PyTorch / warbler"],
                         [[str(i + 1), f"{a:.0f}", f"{b:.0f}", f"{a / b:.2f}x"] for i, (a, b) in enumerate(per_round)]))
    print(f"\nspeed ratio (PyTorch in-process time / warbler predict whole-process time): {t / w:.2f}x")
    d = float(np.abs(torch_scores - warbler_scores).max()) if torch_scores.shape == warbler_scores.shape else None
    print(f"clipwise agreement: max abs difference {'shape differs' if d is None else f'{d:.2e}'}")
    return 0 if d is not None else 1


if __name__ == "__main__":
    sys.exit(main())
