#!/usr/bin/env python3
"""Detection of real species in noisy field audio: Warbler with its defaults against a PyTorch
reference of the same recipe, both trained on birds5 minus a held-out part and both scored on
noisy soundscapes built from that held-out part, in one run on the same machine.

1. Hold-out (seeded, by file where a class has many files, by time within each file where it
   has few): great_tit 4 of 14 files, java_sparrow 3 of 9, zebra_finch 1 of 3 (by file);
   bengalese_finch and storm_petrel the last 35 % of every file (by time). The rest is written
   as a BirdCLEF folder (train.csv, train_audio/<label>/*.wav, at the original rates).
2. Soundscapes (--soundscapes, default 32, 30 s at 32 kHz, 16-bit WAV): pink noise plus gusty
   low-frequency wind (brown noise low-passed at 150-600 Hz under a slowly varying gust envelope,
   0-15 dB above the pink noise); --no-bird of them (default 6) have no bird at all. In the others
   each 5-s row holds a call with probability 0.45 (a second species with probability 0.2): a
   1.5-4.5 s piece of a held-out recording (resampled to 32 kHz with soxr HQ), placed inside the
   row, at an in-band SNR uniform in 0-20 dB (call and noise power measured in the band that holds
   the central 90 % of the call's energy above 150 Hz, over the call's span). truth.csv is the
   Cornell `row_id,birds` file of the rows; events.csv lists every placed call.
3. Warbler: exactly `warbler train --manifest train.csv --audio-root train_audio --out RUN` (its
   defaults; --warbler-train-args adds flags), then `warbler detect --checkpoint
   RUN/best.safetensors SOUNDSCAPES --out OUT --format cornell`; OUT/cornell.csv is scored.
4. PyTorch reference (torch + timm, 2 threads): timm resnest14d at half width (stem 16, stage
   widths 32/64/128/256, radix 2) -> frequency mean+max -> bidirectional GRU 128 -> attention
   head (tools/fixtures/models.py's layout); --torch-steps (640) steps of 16; each example 1-3
   random 5-s crops of class-balanced random files, each peak-normalised and given a random gain,
   summed with labels united; 20 % of examples noise only with all-zero labels; white or pink noise
   at a random SNR; the same log-mel (librosa's Slaney filterbank, torch.stft reflect-padded,
   10 log10) scaled (dB + 40) / 20; SpecAugment (2 time and 2 frequency masks); BCE on the
   clipwise output; AdamW 1e-3, 5 % warm-up then cosine. Detection: 5-s windows, threshold 0.5.
5. Scores: Cornell row-wise micro F1 (the mean over rows of each row's F1, nocall a label),
   per-class precision and recall, rows labelled in the bird-free soundscapes, training wall
   time, and the F1 ratio.

    /work/venv/bin/python bench/real_species.py [--data ../shared/data/birds5] [--only warbler|torch]
        [--work DIR] [--seed 1] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools" / "fixtures"))
from _common import check_quiet, machine_line, markdown_table, warbler_binary  # noqa: E402

SR = 32000
ROW = 5.0
BY_FILE = {"great_tit": 4, "java_sparrow": 3, "zebra_finch": 1}
BY_TIME_SHARE = 0.35


# ----------------------------------------------------------------------------------------------
# 1. Hold-out split


def read_manifest(data: Path) -> list[tuple[str, str]]:
    with open(data / "train.csv") as f:
        return [(r["primary_label"], r["filename"]) for r in csv.DictReader(f)]


def split(data: Path, out: Path, seed: int) -> dict[str, list[np.ndarray]]:
    """Writes the training folder under `out`; returns the held-out audio per label at 32 kHz."""
    import soundfile as sf
    import soxr

    rng = random.Random(seed)
    rows = read_manifest(data)
    by_label: dict[str, list[str]] = {}
    for label, name in rows:
        by_label.setdefault(label, []).append(name)
    held: dict[str, list[np.ndarray]] = {}
    train_rows = []
    for label, names in sorted(by_label.items()):
        held[label] = []
        out_names = sorted(names)
        chosen = set(rng.sample(out_names, BY_FILE[label])) if label in BY_FILE else set()
        for name in out_names:
            y, sr = sf.read(data / "train_audio" / name, dtype="float32", always_2d=True)
            dest = out / "train_audio" / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if label in BY_FILE:
                if name in chosen:
                    held[label].append(soxr.resample(y.mean(axis=1), sr, SR, quality="HQ").astype(np.float32))
                else:
                    shutil.copyfile(data / "train_audio" / name, dest)
                    train_rows.append((label, name))
            else:
                cut = int(round(len(y) * (1 - BY_TIME_SHARE)))
                sf.write(dest, y[:cut], sr, subtype="PCM_16")
                train_rows.append((label, name))
                held[label].append(soxr.resample(y[cut:].mean(axis=1), sr, SR, quality="HQ").astype(np.float32))
    with open(out / "train.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["primary_label", "secondary_labels", "filename"])
        for label, name in train_rows:
            w.writerow([label, "[]", name])
    return held


# ----------------------------------------------------------------------------------------------
# 2. Soundscapes


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """1/f power spectrum by shaping white noise in the frequency domain."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1
    x = np.fft.irfft(spectrum / np.sqrt(f), n)
    return (x / x.std()).astype(np.float64)


def wind(n: int, rng: np.random.Generator) -> np.ndarray:
    """Brown noise low-passed at 150-600 Hz under a gust envelope (log-normal, 0.1-0.5 Hz)."""
    from scipy.signal import butter, sosfilt

    brown = np.cumsum(rng.standard_normal(n))
    brown -= np.linspace(brown[0], brown[-1], n)
    sos = butter(4, rng.uniform(150, 600), btype="low", fs=SR, output="sos")
    x = sosfilt(sos, brown)
    x /= x.std()
    # Gusts: smooth random curve from a few low-frequency sinusoids, exponentiated.
    t = np.arange(n) / SR
    g = sum(rng.uniform(0.4, 1.0) * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t + rng.uniform(0, 2 * np.pi))
            for _ in range(3))
    envelope = np.exp(rng.uniform(0.6, 1.2) * g)
    x *= envelope
    return x / x.std()


def band_power(x: np.ndarray, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / SR)
    m = (f >= lo) & (f <= hi)
    return float(spectrum[m].sum()) / len(x) ** 2


def call_band(x: np.ndarray) -> tuple[float, float]:
    """The band holding the central 90 % of the call's energy above 150 Hz."""
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / SR)
    spectrum[f < 150] = 0
    c = np.cumsum(spectrum)
    c /= c[-1]
    return float(f[np.searchsorted(c, 0.05)]), float(f[np.searchsorted(c, 0.95)])


def piece(sources: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A 1.5-4.5 s piece of a held-out recording (the whole one if shorter), not silent."""
    for _ in range(20):
        src = sources[rng.integers(len(sources))]
        length = min(len(src), int(rng.uniform(1.5, 4.5) * SR))
        start = int(rng.integers(0, len(src) - length + 1))
        x = src[start:start + length].astype(np.float64)
        if np.sqrt(np.mean(x ** 2)) > 1e-4:
            break
    fade = min(len(x) // 4, int(0.02 * SR))
    ramp = np.linspace(0, 1, fade)
    x[:fade] *= ramp
    x[len(x) - fade:] *= ramp[::-1]
    return x


def soundscapes(held: dict[str, list[np.ndarray]], out: Path, count: int, no_bird: int, seed: int) -> None:
    import soundfile as sf

    rng = np.random.default_rng(seed)
    labels = sorted(held)
    out.mkdir(parents=True, exist_ok=True)
    truth_rows, events = [], []
    n = int(30 * SR)
    rows = int(30 / ROW)
    for s in range(count):
        name = f"scape{s:02d}"
        noise = pink_noise(n, rng) + 10 ** (rng.uniform(0, 15) / 20) * wind(n, rng)
        noise *= 10 ** (rng.uniform(-40, -25) / 20) / noise.std()
        mix = noise.copy()
        row_labels = [set() for _ in range(rows)]
        if s >= no_bird:
            for r in range(rows):
                if rng.random() >= 0.45:
                    continue
                species = [labels[rng.integers(len(labels))]]
                if rng.random() < 0.2:
                    species.append(rng.choice([l for l in labels if l != species[0]]))
                for label in species:
                    x = piece(held[label], rng)
                    onset = r * ROW + rng.uniform(0, ROW - len(x) / SR)
                    a = int(onset * SR)
                    lo, hi = call_band(x)
                    snr = rng.uniform(0, 20)
                    gain = math.sqrt(band_power(noise[a:a + len(x)], lo, hi) / max(band_power(x, lo, hi), 1e-30)
                                     * 10 ** (snr / 10))
                    mix[a:a + len(x)] += gain * x
                    row_labels[r].add(label)
                    events.append([name, label, f"{onset:.3f}", f"{onset + len(x) / SR:.3f}", f"{snr:.1f}"])
        peak = np.abs(mix).max()
        if peak > 0.9:
            mix *= 0.9 / peak
        sf.write(out / f"{name}.wav", mix.astype(np.float32), SR, subtype="PCM_16")
        for r in range(rows):
            truth_rows.append([f"{name}_{int((r + 1) * ROW)}", " ".join(sorted(row_labels[r])) or "nocall"])
    with open(out / "truth.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row_id", "birds"])
        w.writerows(truth_rows)
    with open(out / "events.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["recording", "label", "onset", "offset", "snr_db"])
        w.writerows(events)


# ----------------------------------------------------------------------------------------------
# 5. Scoring


def read_rows(path: Path) -> dict[str, set]:
    with open(path) as f:
        return {r["row_id"]: {b for b in r["birds"].split() if b.lower() != "nocall"} for r in csv.DictReader(f)}


def score(truth_path: Path, pred_path: Path, labels: list[str], bird_free: list[str]) -> dict:
    truth, pred = read_rows(truth_path), read_rows(pred_path)
    missing = [k for k in truth if k not in pred]
    if missing:
        raise RuntimeError(f"{pred_path}: no prediction for {len(missing)} truth rows (first {missing[0]})")
    total = 0.0
    counts = {l: [0, 0, 0] for l in labels}  # tp, fp, fn
    free_labelled = 0
    for k, t in truth.items():
        p = pred[k]
        tt, pp = t or {"nocall"}, p or {"nocall"}
        tp = len(tt & pp)
        total += 2 * tp / (2 * tp + len(pp - tt) + len(tt - pp))
        for l in labels:
            counts[l][0] += l in t and l in p
            counts[l][1] += l in p and l not in t
            counts[l][2] += l in t and l not in p
        if any(k.startswith(name + "_") for name in bird_free) and p:
            free_labelled += 1
    per_class = {l: dict(precision=c[0] / max(1, c[0] + c[1]), recall=c[0] / max(1, c[0] + c[2]), support=c[0] + c[2],
                         predicted=c[0] + c[1]) for l, c in counts.items()}
    nocall_f1 = sum(1.0 for t in truth.values() if not t) / len(truth)
    return dict(f1=total / len(truth), rows=len(truth), per_class=per_class, bird_free_rows_labelled=free_labelled,
                nocall_everywhere_f1=nocall_f1)


# ----------------------------------------------------------------------------------------------
# 3. Warbler


def run_warbler(binary: str, work: Path, extra_train: list[str], extra_detect: list[str]) -> dict:
    run = work / "warbler-run"
    out = work / "warbler-detect"
    for d in (run, out):
        shutil.rmtree(d, ignore_errors=True)
    t0 = time.perf_counter()
    train = subprocess.run([binary, "train", "--manifest", str(work / "train/train.csv"), "--audio-root",
                            str(work / "train/train_audio"), "--out", str(run), *extra_train],
                           capture_output=True, text=True)
    train_s = time.perf_counter() - t0
    if train.returncode != 0:
        raise RuntimeError(f"warbler train failed ({train.returncode}): {train.stderr.strip()[-2000:]}")
    (work / "warbler-train.log").write_text(train.stdout + train.stderr)
    t0 = time.perf_counter()
    detect = subprocess.run([binary, "detect", "--checkpoint", str(run / "best.safetensors"), str(work / "scapes"),
                             "--out", str(out), "--format", "cornell", *extra_detect], capture_output=True, text=True)
    detect_s = time.perf_counter() - t0
    if detect.returncode != 0:
        raise RuntimeError(f"warbler detect failed ({detect.returncode}): {detect.stderr.strip()[-2000:]}")
    return dict(train_s=train_s, detect_s=detect_s, predictions=out / "cornell.csv",
                log=[l for l in train.stdout.splitlines() if l.startswith(("epoch", "best", "budget", "split"))])


# ----------------------------------------------------------------------------------------------
# 4. PyTorch reference


class LogMel:
    """librosa's Slaney mel filterbank over torch.stft (reflect padding), power, 10 log10, then
    (dB + 40) / 20."""

    def __init__(self):
        import librosa
        import torch

        self.window = torch.hann_window(1024, periodic=True)
        self.fb = torch.from_numpy(librosa.filters.mel(sr=SR, n_fft=1024, n_mels=128, fmin=50, fmax=14000)).float()

    def __call__(self, x):
        import torch

        s = torch.stft(x, 1024, hop_length=320, window=self.window, center=True, pad_mode="reflect", return_complex=True)
        power = s.real ** 2 + s.imag ** 2                          # [B, 513, T]
        mel = torch.matmul(self.fb, power)                          # [B, 128, T]
        db = 10 * torch.log10(torch.clamp(mel, min=1e-10))
        return ((db + 40) / 20).transpose(1, 2).unsqueeze(1)        # [B, 1, T, 128]


def load_training(work: Path) -> tuple[list[str], list[list[np.ndarray]]]:
    import soundfile as sf
    import soxr

    rows = read_manifest(work / "train")
    labels = sorted({l for l, _ in rows})
    files: list[list[np.ndarray]] = [[] for _ in labels]
    for label, name in rows:
        y, sr = sf.read(work / "train/train_audio" / name, dtype="float32", always_2d=True)
        y = y.mean(axis=1)
        if sr != SR:
            y = soxr.resample(y, sr, SR, quality="HQ")
        files[labels.index(label)].append(y.astype(np.float32))
    return labels, files


def reference_example(files, rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    k = len(files)
    y = np.zeros(k, dtype=np.float32)
    clip = np.zeros(length, dtype=np.float32)
    if rng.random() >= 0.2:
        for _ in range(int(rng.integers(1, 4))):
            c = int(rng.integers(k))
            src = files[c][rng.integers(len(files[c]))]
            if len(src) >= length:
                a = int(rng.integers(0, len(src) - length + 1))
                crop = src[a:a + length].copy()
            else:
                crop = np.zeros(length, dtype=np.float32)
                a = int(rng.integers(0, length - len(src) + 1))
                crop[a:a + len(src)] = src
            crop /= max(np.abs(crop).max(), 1e-6)
            clip += crop * 10 ** (rng.uniform(-12, 0) / 20)
            y[c] = 1
        signal = np.sqrt(np.mean(clip ** 2))
        snr = rng.uniform(0, 30)
    else:
        signal, snr = 10 ** (rng.uniform(-40, -10) / 20), 0.0
    n = rng.standard_normal(length)
    if rng.random() < 0.5:
        n = pink_noise(length, rng)
    n = n / n.std() * signal / 10 ** (snr / 20)
    return (clip + n).astype(np.float32), y


def spec_augment(x, rng: np.random.Generator) -> None:
    """2 time masks (up to 40 frames) and 2 frequency masks (up to 16 bins) per example, set to
    the example's mean, in place on [B, 1, T, F]."""
    for b in range(x.shape[0]):
        mean = float(x[b].mean())
        t, f = x.shape[2], x.shape[3]
        for _ in range(2):
            w = int(rng.integers(0, 41)); a = int(rng.integers(0, t - w + 1)); x[b, :, a:a + w, :] = mean
            w = int(rng.integers(0, 17)); a = int(rng.integers(0, f - w + 1)); x[b, :, :, a:a + w] = mean


def run_torch(work: Path, steps: int, threads: int, seed: int) -> dict:
    import soundfile as sf
    import torch
    import torch.nn.functional as F

    import models as M

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    labels, files = load_training(work)
    config = M.sed_config("resnest14d-half", M.backbone_config([1, 1, 1, 1], 16, channels=(32, 64, 128, 256)),
                          len(labels), 128, 0.2)
    model = M.SED(config)
    front = LogMel()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    warmup = round(0.05 * steps)

    def lr_at(step):
        if step < warmup:
            return 1e-3 * (step + 1) / warmup
        return 1e-3 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    length = int(ROW * SR)
    model.train()
    for step in range(steps):
        batch = [reference_example(files, rng, length) for _ in range(16)]
        x = front(torch.from_numpy(np.stack([b[0] for b in batch])))
        spec_augment(x, rng)
        y = torch.from_numpy(np.stack([b[1] for b in batch]))
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        opt.zero_grad()
        clip, _ = model(x)
        loss = F.binary_cross_entropy(clip.clamp(1e-7, 1 - 1e-7), y)
        loss.backward()
        opt.step()
        if step % 40 == 0 or step == steps - 1:
            print(f"PyTorch step {step + 1}/{steps}: loss {loss.item():.4f} ({time.perf_counter() - t0:.0f} s)",
                  file=sys.stderr, flush=True)
    train_s = time.perf_counter() - t0
    model.eval()
    t0 = time.perf_counter()
    rows = []
    with torch.inference_mode():
        for path in sorted((work / "scapes").glob("*.wav")):
            y, sr = sf.read(path, dtype="float32", always_2d=True)
            y = y.mean(axis=1)
            n = int(math.ceil(len(y) / length))
            y = np.pad(y, (0, n * length - len(y))).reshape(n, length)
            scores = model(front(torch.from_numpy(y)))[0].numpy()
            for i, s in enumerate(scores):
                birds = [labels[k] for k in range(len(labels)) if s[k] >= 0.5]
                rows.append([f"{path.stem}_{int((i + 1) * ROW)}", " ".join(birds) or "nocall"])
    detect_s = time.perf_counter() - t0
    pred = work / "torch-cornell.csv"
    with open(pred, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row_id", "birds"])
        w.writerows(rows)
    return dict(train_s=train_s, detect_s=detect_s, predictions=pred)


# ----------------------------------------------------------------------------------------------


def prepare(data: Path, work: Path, seed: int, count: int, no_bird: int) -> None:
    shutil.rmtree(work / "train", ignore_errors=True)
    shutil.rmtree(work / "scapes", ignore_errors=True)
    (work / "train").mkdir(parents=True)
    held = split(data, work / "train", seed)
    soundscapes(held, work / "scapes", count, no_bird, seed)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared/data/birds5"))
    ap.add_argument("--work", help="keep the split, soundscapes and runs here (default: a temporary folder)")
    ap.add_argument("--reuse", action="store_true", help="reuse the split and soundscapes already in --work")
    ap.add_argument("--only", choices=["warbler", "torch"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--soundscapes", type=int, default=32)
    ap.add_argument("--no-bird", type=int, default=6)
    ap.add_argument("--torch-steps", type=int, default=640)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warbler-train-args", default="", help="extra flags for warbler train (default: none, its defaults)")
    ap.add_argument("--warbler-detect-args", default="")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    check_quiet()
    tmp = None
    if args.work:
        work = Path(args.work).resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        work = Path(tmp.name)
    if not (args.reuse and (work / "scapes/truth.csv").exists()):
        prepare(Path(args.data), work, args.seed, args.soundscapes, args.no_bird)
    labels = sorted({l for l, _ in read_manifest(Path(args.data))})
    bird_free = [f"scape{s:02d}" for s in range(args.no_bird)]
    truth = work / "scapes/truth.csv"
    results = {}
    if args.only in (None, "warbler"):
        w = run_warbler(str(warbler_binary()), work, args.warbler_train_args.split(), args.warbler_detect_args.split())
        results["Warbler (defaults)"] = {**w, **score(truth, w["predictions"], labels, bird_free)}
        for line in w["log"]:
            print("  " + line, file=sys.stderr)
    if args.only in (None, "torch"):
        t = run_torch(work, args.torch_steps, args.threads, args.seed)
        results["PyTorch reference"] = {**t, **score(truth, t["predictions"], labels, bird_free)}

    first = next(iter(results.values()))
    print(f"# birds5 held-out soundscapes: {first['rows']} rows of 5 s in {args.soundscapes} soundscapes "
          f"({args.no_bird} without birds), seed {args.seed}; 'nocall' everywhere scores {first['nocall_everywhere_f1']:.3f}")
    print(f"# {machine_line()}")
    header = ["trainer", "row-wise micro F1", "bird-free rows labelled", "train wall s", "detect wall s"] + \
             [f"{l} P/R" for l in labels]
    rows = []
    for name, r in results.items():
        rows.append([name, f"{r['f1']:.3f}", f"{r['bird_free_rows_labelled']}/{6 * args.no_bird}", f"{r['train_s']:.0f}",
                     f"{r['detect_s']:.1f}"] +
                    [f"{r['per_class'][l]['precision']:.2f}/{r['per_class'][l]['recall']:.2f}" for l in labels])
    print(markdown_table(header, rows))
    if len(results) == 2:
        w, t = results["Warbler (defaults)"], results["PyTorch reference"]
        print(f"\nF1 Warbler / PyTorch: {w['f1']:.3f} / {t['f1']:.3f}; training wall time PyTorch / Warbler: "
              f"{t['train_s'] / w['train_s']:.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "predictions"}
                                               for k, v in results.items()}, indent=2, default=str))
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
