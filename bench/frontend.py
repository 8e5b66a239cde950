#!/usr/bin/env python3
"""Log-mel front-end: Warbler vs librosa, torchaudio and torchlibrosa on the same 5-minute signal.

The signal is made once (`warbler synth example`, 32 kHz, loaded as float32) and saved as .npy and
as a float WAV, so every tool sees identical samples. Every tool computes the seed's log-mel
(n_fft 1024, hop 320, 128 Slaney mels 50-14000 Hz, power 2, dB ref 1 amin 1e-10, no top_db,
centred with reflect padding) from the signal in memory, on the CPU. Timings are medians of the
pooled runs of several rounds (each round: one warm-up call, then --repeats timed calls of every
tool in turn), so that drift on a shared machine hits all tools alike; per-round medians are
printed too, so a round disturbed by other work (e.g. a compiler) can be spotted.

Warbler's own timing is in-process (`warbler-bench frontend`, which also warms up once).
Agreement: `warbler spectrogram` on the float WAV vs librosa on the same samples, max |dB|
difference over the bins within 60 dB of each frame's peak.

Exit status is non-zero when a tool fails, not when a goal is missed.

    /work/venv/bin/python bench/frontend.py [--repeats 7] [--rounds 5] [--threads 2] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (check_quiet, machine_line, markdown_table, median, run_warbler,  # noqa: E402
                     time_runs, bench_binary, warbler_binary)

SR, N_FFT, HOP, N_MELS, FMIN, FMAX = 32000, 1024, 320, 128, 50.0, 14000.0


def within_60db_diff(ref: np.ndarray, other: np.ndarray) -> float:
    """Max |ref - other| over bins within 60 dB of each frame's peak in ref ([mels, frames])."""
    mask = ref >= ref.max(axis=0, keepdims=True) - 60.0
    return float(np.abs(ref.astype(np.float64) - other.astype(np.float64))[mask].max())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--repeats", type=int, default=7, help="timed runs per tool per round (>= 7)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2, help="torch threads and Warbler's threads")
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args()

    check_quiet()
    binary = warbler_binary()
    import torch
    torch.set_num_threads(args.threads)
    import librosa
    import torchaudio
    import torchlibrosa
    from torchlibrosa.stft import LogmelFilterBank, Spectrogram

    failures: list[str] = []
    results: dict[str, list[float]] = {}
    per_round: list[dict[str, float]] = []   # median of each tool in each round

    with tempfile.TemporaryDirectory(prefix="warbler-bench-") as tmp:
        tmp = Path(tmp)
        synth = tmp / "synth.wav"
        run_warbler(binary, "synth", "example", "--out", str(synth), "--seconds", str(args.seconds),
                    "--sample-rate", str(SR))
        y, sr = sf.read(synth, dtype="float32")
        assert sr == SR and y.ndim == 1
        y = np.ascontiguousarray(y, dtype=np.float32)
        npy = tmp / "signal.npy"
        np.save(npy, y)
        wav = tmp / "signal.wav"
        sf.write(wav, y, SR, subtype="FLOAT")

        # --- the peers --------------------------------------------------------------------------
        def librosa_fn():
            return librosa.power_to_db(
                librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS,
                                               fmin=FMIN, fmax=FMAX, pad_mode="reflect"),
                ref=1.0, amin=1e-10, top_db=None)

        ta_mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, f_min=FMIN, f_max=FMAX,
            norm="slaney", mel_scale="slaney", pad_mode="reflect")
        ta_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=None)
        yt = torch.from_numpy(y)

        def torchaudio_fn():
            with torch.no_grad():
                return ta_db(ta_mel(yt))

        tl_spec = Spectrogram(n_fft=N_FFT, hop_length=HOP, win_length=N_FFT, window="hann", center=True,
                              pad_mode="reflect")
        tl_mel = LogmelFilterBank(sr=SR, n_fft=N_FFT, n_mels=N_MELS, fmin=FMIN, fmax=FMAX, ref=1.0,
                                  amin=1e-10, top_db=None)
        yb = yt[None, :]

        def torchlibrosa_fn():
            with torch.no_grad():
                return tl_mel(tl_spec(yb))

        peers = {"librosa": librosa_fn, "torchaudio": torchaudio_fn, "torchlibrosa": torchlibrosa_fn}

        # --- outputs, for agreement ---------------------------------------------------------------
        outputs: dict[str, np.ndarray] = {}
        for name, fn in peers.items():
            try:
                out = fn()
                out = out.numpy() if hasattr(out, "numpy") else out
                if name == "torchlibrosa":          # (1, 1, frames, mels) -> (mels, frames)
                    out = out[0, 0].T
                outputs[name] = np.asarray(out)
            except Exception:
                failures.append(f"{name}: {traceback.format_exc()}")
        warbler_npy = tmp / "warbler.npy"
        try:
            run_warbler(binary, "spectrogram", str(wav), "--out", str(warbler_npy), "--quiet")
            outputs["warbler spectrogram"] = np.load(warbler_npy)
        except Exception:
            failures.append(f"warbler spectrogram: {traceback.format_exc()}")

        # --- timings ------------------------------------------------------------------------------
        warbler_variants = {
            f"Warbler ({args.threads} threads)": ["--threads", str(args.threads)],
            "Warbler (1 thread)": ["--threads", "1"],
            # where Warbler's time goes (cumulative stages, default threads)
            f"Warbler stage spectrum ({args.threads} thr)": ["--threads", str(args.threads), "--stage", "spectrum"],
            f"Warbler stage mel ({args.threads} thr)": ["--threads", str(args.threads), "--stage", "mel"],
        }
        frames = None
        for rnd in range(args.rounds):
            round_med: dict[str, float] = {}
            per_round.append(round_med)
            for name, fn in peers.items():
                if name not in outputs:
                    continue
                try:
                    runs = time_runs(fn, args.repeats)
                    results.setdefault(name, []).extend(runs)
                    round_med[name] = median(runs)
                except Exception:
                    failures.append(f"{name}: {traceback.format_exc()}")
            for name, extra in warbler_variants.items():
                try:
                    (rec,) = run_warbler(bench_binary(), "frontend", "--input", str(npy),
                                         "--repeats", str(args.repeats), *extra)
                    results.setdefault(name, []).extend(rec["runs_ms"])
                    round_med[name] = rec["median_ms"]
                    frames = rec["frames"]
                except Exception:
                    failures.append(f"{name}: {traceback.format_exc()}")
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr)

    # --- report -------------------------------------------------------------------------------------
    print(f"# log-mel front-end, {args.seconds:g} s at {SR} Hz ({len(y)} samples, {frames} frames), "
          f"{args.rounds} rounds x {args.repeats} runs per tool")
    print(f"# {machine_line()}")
    print(f"# librosa {librosa.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"torchaudio {torchaudio.__version__}, torchlibrosa {getattr(torchlibrosa, '__version__', '0.1.0')}, "
          f"numpy {np.__version__}; warbler: {binary}")
    med = {k: median(v) for k, v in results.items() if v}
    w2 = med.get(f"Warbler ({args.threads} threads)")
    w1 = med.get("Warbler (1 thread)")
    rows = []
    for name, m in med.items():
        spread = f"{min(results[name]):.1f}-{max(results[name]):.1f}"
        if name in peers:
            s2 = f"{m / w2:.2f}x" if w2 else "-"
            s1 = f"{m / w1:.2f}x" if w1 else "-"
        else:
            s2 = s1 = ""
        rows.append([name, f"{m:.1f}", spread, str(len(results[name])), s2, s1])
    print(markdown_table(["tool", "median ms", "min-max ms", "runs",
                          f"Warbler {args.threads} thr speed-up (peer/Warbler)", "Warbler 1 thr speed-up"], rows))

    # Per-round medians: a round where other work ran shows up here (Warbler's 2-thread time then
    # falls back towards its 1-thread time, the single-threaded peers lose less).
    wname = f"Warbler ({args.threads} threads)"
    names = list(med)
    prow = []
    for i, rm in enumerate(per_round):
        cells = [str(i + 1)] + [f"{rm[n]:.1f}" if n in rm else "-" for n in names]
        cells.append(f"{rm['librosa'] / rm[wname]:.2f}x" if "librosa" in rm and wname in rm else "-")
        prow.append(cells)
    print("\n# per-round medians, ms")
    print(markdown_table(["round"] + names + ["librosa/Warbler"], prow))

    agree = {}
    ref = outputs.get("librosa")
    if ref is not None:
        print("\n# agreement with librosa (same samples, reflect padding): max abs dB difference over bins within "
              "60 dB of each frame's peak")
        arow = []
        for name, out in outputs.items():
            if name == "librosa":
                continue
            if out.shape != ref.shape:
                arow.append([name, str(out.shape), "shape differs"])
                failures.append(f"{name}: shape {out.shape} != librosa {ref.shape}")
                continue
            d = within_60db_diff(ref, out)
            agree[name] = d
            arow.append([name, str(out.shape), f"{d:.2e}"])
        print(markdown_table(["output", "shape", "max abs dB diff vs librosa"], arow))

    if args.json:
        Path(args.json).write_text(json.dumps({"medians_ms": med, "runs_ms": results, "agreement_db": agree, "per_round_ms": per_round,
                                               "machine": machine_line(), "frames": frames}, indent=1))
    if failures:
        print("\nFAILURES:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
