#!/usr/bin/env python3
"""Audio loading: Warbler vs librosa.load on the same 5-minute 44.1 kHz stereo recording.

The recording is made once: two `warbler synth example` renders (44.1 kHz, different seeds) are
the left and right channels, written as 16-bit WAV, 16-bit FLAC and MP3 (soundfile/libsndfile's
LAME encoder). For each file, `librosa.load(path, sr=32000)` (decode, average the channels,
resample with soxr HQ) is timed against `warbler-bench load FILE` (the same three steps,
in-process). Timings are medians of pooled runs over several rounds (each round: one warm-up
call, then --repeats timed calls of each tool in turn). For context, `soundfile.read` alone
(decode only, float32, no downmix or resampling) is timed too.

Sample agreement is not checked here (the test suite does); output lengths are printed.
Exit status is non-zero when a tool fails, not when a goal is missed.

    /work/venv/bin/python bench/load.py [--repeats 5] [--rounds 3] [--seconds 300] [--json OUT.json]
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

NATIVE, TARGET = 44100, 32000
FORMATS = {  # name: (extension, soundfile format, subtype)
    "WAV 16-bit": ("wav", "WAV", "PCM_16"),
    "FLAC 16-bit": ("flac", "FLAC", "PCM_16"),
    "MP3": ("mp3", "MP3", "MPEG_LAYER_III"),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per tool per round (>= 5)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args()

    check_quiet()
    binary = warbler_binary()
    import librosa

    failures: list[str] = []
    times: dict[tuple[str, str], list[float]] = {}
    lengths: dict[tuple[str, str], int] = {}
    sizes: dict[str, int] = {}
    per_round: list[dict[tuple[str, str], float]] = []

    with tempfile.TemporaryDirectory(prefix="warbler-bench-") as tmp:
        tmp = Path(tmp)
        chans = []
        for seed in (1, 2):
            p = tmp / f"ch{seed}.wav"
            run_warbler(binary, "synth", "example", "--out", str(p), "--seconds", str(args.seconds),
                        "--sample-rate", str(NATIVE), "--seed", str(seed))
            x, sr = sf.read(p, dtype="float32")
            assert sr == NATIVE and x.ndim == 1
            chans.append(x)
        stereo = np.stack(chans, axis=1)
        del chans
        files: dict[str, Path] = {}
        for name, (ext, fmt, subtype) in FORMATS.items():
            path = tmp / f"stereo.{ext}"
            try:
                sf.write(path, stereo, NATIVE, format=fmt, subtype=subtype)
                files[name] = path
                sizes[name] = path.stat().st_size
            except Exception:
                failures.append(f"writing {name}: {traceback.format_exc()}")
        del stereo

        for rnd in range(args.rounds):
            round_med: dict[tuple[str, str], float] = {}
            per_round.append(round_med)
            for name, path in files.items():
                def lib():
                    y, _ = librosa.load(path, sr=TARGET)
                    lengths[(name, "librosa.load")] = len(y)

                def dec():
                    sf.read(path, dtype="float32")

                for tool, fn in (("librosa.load", lib), ("soundfile.read (decode only)", dec)):
                    try:
                        runs = time_runs(fn, args.repeats)
                        times.setdefault((name, tool), []).extend(runs)
                        round_med[(name, tool)] = median(runs)
                    except Exception:
                        failures.append(f"{tool} {name}: {traceback.format_exc()}")
            try:
                recs = run_warbler(bench_binary(), "load", *map(str, files.values()),
                                   "--repeats", str(args.repeats), "--sample-rate", str(TARGET))
                by_file = {r["file"]: r for r in recs}
                for name, path in files.items():
                    r = by_file[str(path)]
                    times.setdefault((name, "Warbler"), []).extend(r["runs_ms"])
                    round_med[(name, "Warbler")] = r["median_ms"]
                    lengths[(name, "Warbler")] = r["samples"]
            except Exception:
                failures.append(f"warbler-bench load: {traceback.format_exc()}")
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr)

    print(f"# load + mono + resample to {TARGET} Hz, {args.seconds:g} s {NATIVE} Hz stereo, "
          f"{args.rounds} rounds x {args.repeats} runs per tool")
    print(f"# {machine_line()}")
    print(f"# librosa {librosa.__version__}, soundfile {sf.__version__} (libsndfile {sf.__libsndfile_version__}), "
          f"numpy {np.__version__}; warbler: {binary}")
    med = {k: median(v) for k, v in times.items() if v}
    rows = []
    for name in files:
        lm, wm, dm = (med.get((name, t)) for t in ("librosa.load", "Warbler", "soundfile.read (decode only)"))
        rows.append([name, f"{sizes[name] / 1e6:.1f}",
                     f"{lm:.1f}" if lm else "-", f"{wm:.1f}" if wm else "-",
                     f"{lm / wm:.2f}x" if lm and wm else "-",
                     f"{dm:.1f}" if dm else "-",
                     f"{lengths.get((name, 'librosa.load'), '-')} / {lengths.get((name, 'Warbler'), '-')}"])
    print(markdown_table(["file", "MB", "librosa.load ms", "Warbler ms", "speed-up (librosa/Warbler)",
                          "soundfile.read ms (decode only)", "samples librosa / Warbler"], rows))
    prow = []
    for i, rm in enumerate(per_round):
        cells = [str(i + 1)]
        for name in files:
            l, w = rm.get((name, "librosa.load")), rm.get((name, "Warbler"))
            cells.append(f"{l:.0f} / {w:.0f} = {l / w:.2f}x" if l and w else "-")
        prow.append(cells)
    print("\n# per-round medians, librosa.load ms / Warbler ms = ratio")
    print(markdown_table(["round", *files], prow))
    spread = [[f"{n} / {t}", f"{min(v):.1f}-{max(v):.1f}", str(len(v))] for (n, t), v in times.items()]
    print("\n" + markdown_table(["file / tool", "min-max ms", "runs"], spread))

    if args.json:
        Path(args.json).write_text(json.dumps({
            "medians_ms": {f"{n} / {t}": v for (n, t), v in med.items()},
            "runs_ms": {f"{n} / {t}": v for (n, t), v in times.items()},
            "lengths": {f"{n} / {t}": v for (n, t), v in lengths.items()},
            "sizes": sizes, "machine": machine_line()}, indent=1))
    if failures:
        print("\nFAILURES:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
