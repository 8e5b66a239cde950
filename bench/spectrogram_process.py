#!/usr/bin/env python3
"""Whole-process `warbler spectrogram` vs librosa's load + log-mel + save, same WAV, one run.

The file is a 5-minute 32 kHz recording (`warbler synth example`, 16-bit WAV). The peer is
librosa in this (already warm) Python process: librosa.load(sr=32000) -> melspectrogram (the
seed's settings, reflect padding) -> power_to_db -> numpy.save, timed call by call after one
warm-up; Python's start and imports are not counted. Warbler is the whole command, process
start to exit, as a user runs it:

    warbler spectrogram FILE.wav --out OUT.npy --quiet

timed around subprocess.run. CPU time (user + system, all threads) is recorded too: the peer's
from time.process_time(), Warbler's from the child's rusage; on a machine shared with other
work it is the steadier measure (wall time then includes waiting for a core). Rounds alternate the two so drift on a shared machine hits both;
the ratio is librosa's median over Warbler's (> 1: Warbler is faster). Every timed run, of
either tool, starts after a pause (--settle-ms, 200 by default): numpy's OpenBLAS worker threads
keep spinning for tens of milliseconds after librosa's mel product and take a core from whatever
runs next (Warbler right after librosa: 52 ms; after a 200 ms pause: 44 ms; with
OPENBLAS_NUM_THREADS=1 in the peer: 42 ms either way; docs/benchmarks.md). Also timed: the floor
any Warbler command pays (`warbler --version`: process start, library loading, Swift runtime)
and, for reference, Warbler's log-mel alone in-process (`warbler-bench frontend` on the same
samples as .npy). The two .npy files are compared (max |dB| within 60 dB of each frame's peak).

    /work/venv/bin/python bench/spectrogram_process.py [--seconds 300] [--rounds 5] [--repeats 5] [--settle-ms 200]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check_quiet, machine_line, markdown_table, median, run_warbler, bench_binary, warbler_binary  # noqa: E402

SR, N_FFT, HOP, N_MELS, FMIN, FMAX = 32000, 1024, 320, 128, 50.0, 14000.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per tool per round")
    ap.add_argument("--settle-ms", type=float, default=200.0, help="pause before every timed run, ms")
    args = ap.parse_args()

    check_quiet()
    binary = warbler_binary()
    import librosa
    import soundfile as sf

    with tempfile.TemporaryDirectory(prefix="warbler-bench-") as tmp:
        tmp = Path(tmp)
        wav = tmp / "recording.wav"
        run_warbler(binary, "synth", "example", "--out", str(wav), "--seconds", str(args.seconds), "--sample-rate", str(SR))
        y, _ = sf.read(wav, dtype="float32")
        np.save(tmp / "signal.npy", y)
        peer_out, warbler_out = tmp / "librosa.npy", tmp / "warbler.npy"

        cpu: dict[str, list[float]] = {"librosa": [], "warbler": []}

        def librosa_once() -> float:
            time.sleep(args.settle_ms / 1e3)
            t0, c0 = time.perf_counter(), time.process_time()
            y, _ = librosa.load(wav, sr=SR)
            s = librosa.power_to_db(
                librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS,
                                               fmin=FMIN, fmax=FMAX, pad_mode="reflect"),
                ref=1.0, amin=1e-10, top_db=None)
            np.save(peer_out, s)
            cpu["librosa"].append((time.process_time() - c0) * 1e3)
            return (time.perf_counter() - t0) * 1e3

        def process_once(*argv: str) -> float:
            time.sleep(args.settle_ms / 1e3)
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run([str(binary), *argv], capture_output=True, text=True)
            ms = (time.perf_counter() - t0) * 1e3
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if argv[0] == "spectrogram":
                cpu["warbler"].append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1e3)
            if proc.returncode != 0:
                raise RuntimeError(f"warbler {' '.join(argv)} failed: {proc.stderr.strip()}")
            return ms

        spectrogram = ("spectrogram", str(wav), "--out", str(warbler_out), "--quiet")
        librosa_once()
        process_once(*spectrogram)
        cpu["librosa"].clear()
        cpu["warbler"].clear()
        times: dict[str, list[float]] = {"librosa load + log-mel + save (in-process)": [],
                                         "warbler spectrogram (whole process)": [],
                                         "warbler --version (whole process)": []}
        per_round = []
        for rnd in range(args.rounds):
            lib = [librosa_once() for _ in range(args.repeats)]
            war = [process_once(*spectrogram) for _ in range(args.repeats)]
            ver = [process_once("--version") for _ in range(args.repeats)]
            for name, xs in zip(times, (lib, war, ver)):
                times[name] += xs
            per_round.append((median(lib), median(war), median(lib) / median(war)))
            print(f"round {rnd + 1}/{args.rounds}: librosa {median(lib):.1f} ms, warbler {median(war):.1f} ms, "
                  f"ratio {median(lib) / median(war):.2f}x", file=sys.stderr)
        (inproc,) = run_warbler(bench_binary(), "frontend", "--input", str(tmp / "signal.npy"), "--repeats", "7")

        ref, mine = np.load(peer_out), np.load(warbler_out)
        mask = ref >= ref.max(axis=0, keepdims=True) - 60.0
        agree = float(np.abs(ref.astype(np.float64) - mine.astype(np.float64))[mask].max()) if ref.shape == mine.shape else None

    print(f"# whole-process spectrogram, {args.seconds:g} s of 32 kHz 16-bit WAV, {args.rounds} rounds x {args.repeats} runs, {args.settle_ms:g} ms pause before each")
    print(f"# {machine_line()}")
    print(f"# librosa {librosa.__version__}, numpy {np.__version__}; warbler: {binary}")
    w = median(times["warbler spectrogram (whole process)"])
    rows = []
    for name, xs in times.items():
        rows.append([name, f"{median(xs):.1f}", f"{min(xs):.1f}-{max(xs):.1f}", str(len(xs))])
    rows.append(["warbler log-mel alone (in-process, bench frontend)", f"{inproc['median_ms']:.1f}", "", "7"])
    print(markdown_table(["run", "median ms", "min-max ms", "runs"], rows))
    print(markdown_table(["round", "librosa ms", "warbler ms", "librosa / warbler"],
                         [[str(i + 1), f"{a:.1f}", f"{b:.1f}", f"{c:.2f}x"] for i, (a, b, c) in enumerate(per_round)]))
    lib = median(times["librosa load + log-mel + save (in-process)"])
    print(f"\nspeed ratio (librosa load + log-mel + save / warbler spectrogram whole process): {lib / w:.2f}x")
    lc, wc = median(cpu["librosa"]), median(cpu["warbler"])
    print(f"CPU time (user + system) medians: librosa {lc:.1f} ms, warbler spectrogram {wc:.1f} ms, ratio {lc / wc:.2f}x")
    print(f"agreement: max abs dB difference within 60 dB of each frame's peak: "
          f"{'shape differs' if agree is None else f'{agree:.2e}'}")
    return 0 if agree is not None else 1


if __name__ == "__main__":
    sys.exit(main())
