#!/usr/bin/env python3
"""Peak memory of `warbler spectrogram` on a 2-hour recording, with librosa for comparison.

Makes a 2-hour 44.1 kHz mono 16-bit FLAC with `warbler synth example` (and a 20-minute one),
then runs, each under `/usr/bin/time -v` as its own process:

  * `warbler spectrogram BIG --out X.npy --png X.png --quiet` (streams: decode, resample to
    32 kHz, log-mel, write the .npy frame by frame);
  * librosa in one Python process: `librosa.load(BIG, sr=32000)`, the seed's
    `melspectrogram` (pad_mode="reflect") and `power_to_db`, `numpy.save`. librosa holds the
    whole signal and the whole STFT in memory. It is run on the 20-minute file first; the
    2-hour run is attempted only when the 20-minute peak scaled by 6 stays under --librosa-limit-gb
    (default 16) and under 80 % of MemAvailable, otherwise the 20-minute figure is reported.

Reports "Maximum resident set size", elapsed wall time and the output sizes. Exit status is
non-zero when a tool fails.

    /work/venv/bin/python bench/memory.py [--hours 2] [--workdir DIR --keep]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check_quiet, machine_line, markdown_table, run_warbler, warbler_binary  # noqa: E402

TIME = "/usr/bin/time"

LIBROSA_CHILD = r"""
import sys, numpy as np, librosa
path, out = sys.argv[1], sys.argv[2]
y, sr = librosa.load(path, sr=32000)
S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=1024, hop_length=320, n_mels=128, fmin=50,
                                   fmax=14000, pad_mode="reflect")
np.save(out, librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=None))
"""


def timed(cmd: list[str]) -> dict:
    """Run cmd under /usr/bin/time -v; return peak RSS (bytes) and wall seconds."""
    proc = subprocess.run([TIME, "-v", *cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) * 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return {"rss": rss, "wall": secs}


def max_diff_60db(ref: np.ndarray, other: np.ndarray, block: int = 50_000) -> float:
    """Max |ref - other| over bins within 60 dB of each frame's peak in ref ([mels, frames]), in blocks."""
    if ref.shape != other.shape:
        raise RuntimeError(f"shapes differ: {ref.shape} vs {other.shape}")
    worst = 0.0
    for i in range(0, ref.shape[1], block):
        r = np.asarray(ref[:, i:i + block], dtype=np.float64)
        o = np.asarray(other[:, i:i + block], dtype=np.float64)
        mask = r >= r.max(axis=0, keepdims=True) - 60.0
        worst = max(worst, float(np.abs(r - o)[mask].max()))
    return worst


def mem_available() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--small-minutes", type=float, default=20.0)
    ap.add_argument("--librosa-limit-gb", type=float, default=16.0)
    ap.add_argument("--no-librosa", action="store_true")
    ap.add_argument("--workdir", help="where the recordings and outputs go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep --workdir (recordings are reused if present)")
    args = ap.parse_args()

    if not Path(TIME).exists():
        sys.exit(f"{TIME} is missing: apt-get install time")
    check_quiet()
    binary = warbler_binary()
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="warbler-bench-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    rows = []
    try:
        big = work / f"synth-{args.hours:g}h-44k1.flac"
        small = work / f"synth-{args.small_minutes:g}min-44k1.flac"
        for path, secs in ((big, args.hours * 3600), (small, args.small_minutes * 60)):
            if not path.exists():
                print(f"making {path.name}", file=sys.stderr)
                run_warbler(binary, "synth", "example", "--out", str(path), "--seconds", f"{secs:g}",
                            "--sample-rate", "44100")

        def warbler_run(path: Path, label: str):
            out_npy, out_png = work / f"warbler-{label}.npy", work / f"warbler-{label}.png"
            r = timed([str(binary), "spectrogram", str(path), "--out", str(out_npy), "--png", str(out_png),
                       "--quiet"])
            shape = np.load(out_npy, mmap_mode="r").shape
            rows.append([f"warbler spectrogram ({label})", f"{path.stat().st_size / 1e6:.0f}",
                         f"{r['rss'] / 2**20:.0f}", f"{r['wall']:.1f}", str(shape),
                         f"npy {out_npy.stat().st_size / 1e6:.0f} MB, png {out_png.stat().st_size / 1e6:.1f} MB"])
            return r

        def librosa_run(path: Path, label: str):
            out_npy = work / f"librosa-{label}.npy"
            r = timed([sys.executable, "-c", LIBROSA_CHILD, str(path), str(out_npy)])
            shape = np.load(out_npy, mmap_mode="r").shape
            rows.append([f"librosa load+melspectrogram+power_to_db ({label})",
                         f"{path.stat().st_size / 1e6:.0f}", f"{r['rss'] / 2**20:.0f}", f"{r['wall']:.1f}",
                         str(shape), f"npy {out_npy.stat().st_size / 1e6:.0f} MB"])
            w = work / f"warbler-{label}.npy"
            if w.exists():
                agreement.append([label, f"{max_diff_60db(np.load(out_npy, mmap_mode='r'), np.load(w, mmap_mode='r')):.2e}"])
            out_npy.unlink()
            return r

        big_label, small_label = f"{args.hours:g} h", f"{args.small_minutes:g} min"
        for path, label in ((big, big_label), (small, small_label)):
            try:
                warbler_run(path, label)
            except Exception as e:
                failures.append(f"warbler {label}: {e}")
        agreement: list[list[str]] = []
        librosa_note = ""
        if not args.no_librosa:
            try:
                r = librosa_run(small, small_label)
                estimate = r["rss"] * (args.hours * 60 / args.small_minutes)
                if estimate < args.librosa_limit_gb * 2**30 and estimate < 0.8 * mem_available():
                    librosa_run(big, big_label)
                else:
                    librosa_note = (f"librosa on {big_label} skipped: estimated peak {estimate / 2**30:.1f} GiB "
                                    f"(limit {args.librosa_limit_gb:g} GiB, MemAvailable "
                                    f"{mem_available() / 2**30:.1f} GiB)")
            except Exception as e:
                failures.append(f"librosa: {e}")

        print(f"# peak memory (/usr/bin/time -v), 44.1 kHz mono 16-bit FLAC from `warbler synth example`, "
              f"output 32 kHz log-mel [128, frames]")
        print(f"# {machine_line()}")
        print(markdown_table(["run", "input MB", "max RSS MiB", "wall s", "output shape", "output size"], rows))
        if librosa_note:
            print(librosa_note)
        if agreement:
            print("\n# Warbler's streamed .npy vs librosa's: max abs dB difference over bins within 60 dB of "
                  "each frame's peak")
            print(markdown_table(["input", "max abs dB diff"], agreement))
    finally:
        for p in work.glob("*.npy"):
            p.unlink()
        for p in work.glob("*.png"):
            p.unlink()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("\nFAILURES:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
