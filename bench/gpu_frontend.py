#!/usr/bin/env python3
"""Log-mel front-end on the GPU: Warbler CUDA vs torchaudio (GPU), torchlibrosa (GPU) and Warbler's CPU.

One input, one run, same machine: a 5-minute signal at 32 kHz (noise plus chirps, float32, made here
with numpy and saved as .npy so every tool sees identical samples), computed at batch 1 and batch 64
(the signal repeated: 64 clips of 5 minutes each) with the seed's log-mel (n_fft 1024, hop 320, 128
Slaney mels 50-14000 Hz, power 2, dB ref 1 amin 1e-10, no top_db, centred, reflect padding).

Two timings per GPU tool, medians of --repeats runs after one warm-up:
  * device: input already on the GPU, output left there (CUDA events in torch; `warbler-bench
    frontend --device cuda` times its device-resident path with CUDA events too);
  * host: numpy/[Float] in, host arrays out (copies both ways included), wall clock.
Warbler's CPU front-end uses every core of the machine (`--threads`).

Agreement: max |dB| difference of the first clip, Warbler CUDA vs Warbler CPU and vs torchaudio,
over bins within 60 dB of each frame's peak.

    WARBLER=path/to/warbler python3 bench/gpu_frontend.py [--seconds 300] [--batches 1,64] [--repeats 5] [--json OUT]

Exit status is non-zero when a tool fails, not when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_line, markdown_table, median, run_warbler, bench_binary, warbler_binary  # noqa: E402

SR, N_FFT, HOP, N_MELS, FMIN, FMAX = 32000, 1024, 320, 128, 50.0, 14000.0


def make_signal(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(7)
    n = int(seconds * SR)
    t = np.arange(n, dtype=np.float64) / SR
    y = 0.05 * rng.standard_normal(n)
    for k in range(8):  # chirps every few seconds, 1-8 kHz
        f0 = 1000.0 * (k + 1)
        y += 0.2 * np.sin(2 * np.pi * (f0 + 300.0 * np.sin(2 * np.pi * 0.5 * t)) * t) * (np.sin(2 * np.pi * t / (3 + k)) > 0.6)
    return np.ascontiguousarray(y, dtype=np.float32)


def within_60db_diff(ref: np.ndarray, other: np.ndarray) -> float:
    """Max |ref - other| over bins within 60 dB of each frame's peak in ref ([mels, frames])."""
    mask = ref >= ref.max(axis=0, keepdims=True) - 60.0
    return float(np.abs(ref.astype(np.float64) - other.astype(np.float64))[mask].max())


def torch_timings(fn, x_host: np.ndarray, repeats: int, torch) -> tuple[list[float], list[float], np.ndarray]:
    """(device runs ms, host runs ms, first clip's output [mels, frames])."""
    import time
    x_dev = torch.from_numpy(x_host).cuda()
    with torch.no_grad():
        out = fn(x_dev)                      # warm-up
        torch.cuda.synchronize()
        dev = []
        for _ in range(repeats):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            out = fn(x_dev)
            end.record()
            end.synchronize()
            dev.append(start.elapsed_time(end))
        first = out[0].float().cpu().numpy()
        del out
        host = []
        fn(torch.from_numpy(x_host).cuda()).cpu()
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(torch.from_numpy(x_host).cuda()).cpu().numpy()
            host.append((time.perf_counter() - t0) * 1e3)
    del x_dev
    torch.cuda.empty_cache()
    return dev, host, first


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cpu-repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="Warbler CPU threads")
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args()
    binary = warbler_binary()
    batches = [int(b) for b in args.batches.split(",")]
    failures: list[str] = []
    rows: list[list[str]] = []
    results: dict[str, dict] = {}
    agreement: dict[str, float] = {}

    y = make_signal(args.seconds)
    with tempfile.TemporaryDirectory(prefix="warbler-gpu-bench-") as tmp:
        tmp = Path(tmp)
        npy = tmp / "signal.npy"
        np.save(npy, y)
        outs: dict[str, np.ndarray] = {}
        # --- Warbler (separate processes, before torch holds GPU memory) -----------------------
        for b in batches:
            for name, extra, reps in [("Warbler CUDA", ["--device", "cuda"], args.repeats),
                                      (f"Warbler CPU ({args.threads} threads)", ["--device", "cpu", "--threads", str(args.threads)],
                                       args.cpu_repeats)]:
                save = tmp / f"{name.split()[1]}-{b}.npy"
                try:
                    (rec,) = run_warbler(bench_binary(), "frontend", "--input", str(npy), "--batch", str(b),
                                         "--repeats", str(reps), "--save-output", str(save), *extra)
                    results[f"{name} b{b}"] = rec
                    outs[f"{name.split()[1]}-{b}"] = np.load(save).T      # [frames, mels] -> [mels, frames]
                    print(f"{name} batch {b}: {json.dumps({k: v for k, v in rec.items() if not k.endswith('runs_ms')})}",
                          file=sys.stderr, flush=True)
                except Exception:
                    failures.append(f"{name} batch {b}: {traceback.format_exc()}")

        # --- the PyTorch peers on the GPU ------------------------------------------------------
        import torch
        import torchaudio
        gpu = torch.cuda.get_device_name(0)
        peers = {}
        ta_mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, f_min=FMIN, f_max=FMAX,
            norm="slaney", mel_scale="slaney", pad_mode="reflect").cuda()
        ta_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=None).cuda()
        peers["torchaudio (GPU)"] = lambda x: ta_db(ta_mel(x))
        tl_version = "not installed"
        try:
            import torchlibrosa
            from torchlibrosa.stft import LogmelFilterBank, Spectrogram
            tl_version = getattr(torchlibrosa, "__version__", "0.1.0")
            tl_spec = Spectrogram(n_fft=N_FFT, hop_length=HOP, win_length=N_FFT, window="hann", center=True,
                                  pad_mode="reflect").cuda()
            tl_mel = LogmelFilterBank(sr=SR, n_fft=N_FFT, n_mels=N_MELS, fmin=FMIN, fmax=FMAX, ref=1.0,
                                      amin=1e-10, top_db=None).cuda()
            peers["torchlibrosa (GPU)"] = lambda x: tl_mel(tl_spec(x))[:, 0].transpose(1, 2)  # (B,1,T,M) -> (B,M,T)
        except Exception:
            failures.append(f"torchlibrosa: {traceback.format_exc()}")
        for b in batches:
            x = np.ascontiguousarray(np.tile(y, (b, 1)))
            for name, fn in peers.items():
                try:
                    dev, host, first = torch_timings(fn, x, args.repeats, torch)
                    results[f"{name} b{b}"] = {"median_ms": median(dev), "runs_ms": dev,
                                               "host_to_host_median_ms": median(host), "host_to_host_runs_ms": host}
                    outs[f"{name}-{b}"] = first
                    print(f"{name} batch {b}: device {median(dev):.2f} ms, host {median(host):.1f} ms", file=sys.stderr, flush=True)
                except Exception:
                    failures.append(f"{name} batch {b}: {traceback.format_exc()}")
            del x

    # --- report ----------------------------------------------------------------------------------
    print(f"# log-mel front-end on the GPU, {args.seconds:g} s clips at {SR} Hz ({len(y)} samples), "
          f"batches {batches}, medians of {args.repeats} runs (CPU: {args.cpu_repeats})")
    print(f"# {machine_line()}")
    print(f"# GPU: {gpu}; torch {torch.__version__}, torchaudio {torchaudio.__version__}, torchlibrosa {tl_version}; "
          f"warbler: {binary}")
    for b in batches:
        w = results.get(f"Warbler CUDA b{b}")
        for name in ["Warbler CUDA", "torchaudio (GPU)", "torchlibrosa (GPU)", f"Warbler CPU ({args.threads} threads)"]:
            r = results.get(f"{name} b{b}")
            if r is None:
                continue
            dev = r.get("median_ms") if "CPU" not in name else None
            host = r.get("host_to_host_median_ms", r.get("median_ms"))
            audio_s = args.seconds * b
            ratio_dev = f"{dev / w['median_ms']:.2f}x" if (w and dev is not None) else "-"
            ratio_host = f"{host / w['host_to_host_median_ms']:.2f}x" if w else "-"
            label = f"{name} ({r['path']})" if "path" in r else name
            rows.append([str(b), label, f"{dev:.2f}" if dev is not None else "-", f"{host:.1f}",
                         f"{audio_s / (host / 1e3):,.0f}", ratio_dev, ratio_host])
            for path, ms in sorted(r.get("path_median_ms", {}).items()):   # Warbler's other GPU paths
                if path != r.get("path"):
                    rows.append([str(b), f"  Warbler CUDA path {path}", f"{ms:.2f}", "-", "-",
                                 f"{ms / w['median_ms']:.2f}x", "-"])
    print(markdown_table(["batch", "tool", "device ms (on GPU)", "host-to-host ms", "audio s per s (host)",
                          "peer/Warbler (device)", "peer/Warbler (host)"], rows))

    ref_key = f"CUDA-{batches[0]}"
    if ref_key in outs:
        arow = []
        for key, out in outs.items():
            if key == ref_key or not key.endswith(f"-{batches[0]}"):
                continue
            if out.shape != outs[ref_key].shape:
                arow.append([key, str(out.shape), "shape differs"])
                continue
            d = within_60db_diff(out, outs[ref_key])
            agreement[key] = d
            arow.append([key, str(out.shape), f"{d:.2e}"])
        print(f"\n# agreement of Warbler CUDA (batch {batches[0]}, first clip) with: max abs dB difference within 60 dB of each frame's peak")
        print(markdown_table(["output", "shape", "max abs dB diff"], arow))

    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "agreement_db": agreement, "machine": machine_line(),
                                               "gpu": gpu}, indent=1))
    if failures:
        print("\nFAILURES:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
