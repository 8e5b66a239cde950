#!/usr/bin/env python3
"""Hostile-input suite for the `warbler` command line (issue 12: no crash, hang, silent
corruption or runaway memory, whatever the input).

    python3 tools/hostile/hostile.py .build/release/warbler [--timeout 60] [--only SUBSTRING] [--list] [--keep]

Builds hostile files on the fly in a temporary folder (truncated and garbage audio, lying
headers, NaN/Inf samples, 1-sample files, symlink loops, FIFOs, missing files, crafted
safetensors and .npy files, manifests with `..`/absolute paths/empty rows, bad thresholds
JSON, evaluate CSVs with missing, duplicated or empty columns, absurd option values), runs a
`warbler` command on each with a timeout and an address-space cap, and classifies the result:

  crash     killed by a signal, or exit 132/133/134/139 (a Swift trap, abort, segfault)
  hang      still running after --timeout seconds
  memory    peak resident memory over --max-rss-mb (default 1024), or an allocation failure
  silent    exit 0 where the input must be refused (or an output holding NaN/Inf)
  tempfile  a temporary file (`*.tmp-*`) left behind
  ok        the expected outcome: a refusal with a message, or success where success is right

Prints counts by kind and every failure; exits 1 when any case is not ok. Python's standard
library only; needs Linux (os.wait4, resource).
"""
import argparse
import json
import math
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

CRASH_CODES = {132, 133, 134, 135, 136, 139}
KINDS = ["ok", "crash", "hang", "memory", "silent", "tempfile"]


# ----------------------------------------------------------------------------- file builders
def wav(rate=8000, channels=1, bits=16, samples=None, fmt=1, data_size=None, fact_frames=None, riff_size=None):
    """A RIFF/WAVE file; every header field can be made to lie."""
    samples = samples if samples is not None else [0.5 * math.sin(2 * math.pi * 440 * i / 8000) for i in range(8000)]
    body = bytearray()
    for s in samples:
        for _ in range(channels):
            if fmt == 3:
                body += struct.pack("<f" if bits == 32 else "<d", s)
            elif bits == 8:
                body += struct.pack("<B", max(0, min(255, int(128 + s * 127))))
            else:
                body += struct.pack("<h", max(-32768, min(32767, int(s * 32767))))
    bps = bits // 8
    fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate & 0xFFFFFFFF, (rate * channels * bps) & 0xFFFFFFFF,
                            (channels * bps) & 0xFFFF, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    if fmt == 3:
        chunks += b"fact" + struct.pack("<II", 4, len(samples) if fact_frames is None else fact_frames)
    chunks += b"data" + struct.pack("<I", len(body) if data_size is None else data_size) + bytes(body)
    size = 4 + len(chunks) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", size) + b"WAVE" + chunks


def tone(n, rate=32000, f=2000.0):
    return [0.3 * math.sin(2 * math.pi * f * i / rate) for i in range(n)]


def npy(descr, shape_text, body, fortran=False):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shape_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + body


def safetensors(header, body=b""):
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + body


def read_npy_floats(path):
    """float32 values of a C-order .npy written by warbler, or None when unreadable."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:6] != b"\x93NUMPY":
            return None
        n = struct.unpack("<H", data[8:10])[0]
        header = data[10:10 + n].decode()
        if "'<f4'" not in header:
            return None
        body = data[10 + n:]
        return struct.unpack("<%df" % (len(body) // 4), body[: len(body) // 4 * 4])
    except (OSError, struct.error, UnicodeDecodeError):
        return None


def finite_npy(path):
    """A verifier: the .npy output must exist and hold only finite values."""
    def check(work):
        p = os.path.join(work, path)
        values = read_npy_floats(p)
        if values is None:
            return f"exit 0 but {path} is missing or unreadable"
        bad = sum(1 for v in values if not math.isfinite(v))
        return f"exit 0 but {path} holds {bad} NaN/Inf values" if bad else None
    return check


# ----------------------------------------------------------------------------- the cases
class Case:
    def __init__(self, name, group, args, expect="fail", verify=None, timeout=None):
        self.name, self.group, self.args, self.expect, self.verify = name, group, args, expect, verify
        self.timeout = timeout


def build_fixtures(w, warbler):
    """Writes every hostile file into folder `w`; returns nothing (cases name files by path)."""
    def put(name, data, mode=0o644):
        p = os.path.join(w, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(p, mode)
        return p

    good = wav(32000, 1, 16, tone(32000 * 2))
    put("good.wav", good)
    put("good_44k_stereo.wav", wav(44100, 2, 16, tone(44100, 44100)))
    # Truncated / garbage / empty.
    put("empty.wav", b"")
    put("truncated_header.wav", good[:30])
    put("truncated_data.wav", good[: len(good) // 3])
    put("garbage.wav", bytes((i * 7919 + 13) % 256 for i in range(40000)))
    put("garbage.flac", b"fLaC" + bytes((i * 31 + 7) % 256 for i in range(20000)))
    put("garbage.ogg", b"OggS\x00\x02" + bytes((i * 17 + 3) % 256 for i in range(20000)))
    put("garbage.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 3000)
    put("text.mp3", "this is not an mp3 file\n" * 200)
    put("zeros.wav", b"\x00" * 50000)
    # Lying headers.
    put("rate_1hz.wav", wav(1, 1, 16, tone(20000, 1)))
    put("rate_1hz_short.wav", wav(1, 1, 16, tone(100, 1)))
    put("rate_huge.wav", wav(0x7FFFFFFF, 1, 16, tone(8000)))
    put("rate_zero.wav", wav(0, 1, 16, tone(8000)))
    put("channels_zero.wav", wav(8000, 1, 16, tone(8000))[:22] + b"\x00\x00" + wav(8000, 1, 16, tone(8000))[24:])
    put("channels_many.wav", wav(8000, 1000, 16, tone(40)))
    put("huge_data_size.wav", wav(8000, 1, 16, tone(8000), data_size=0x7FFFFF00))
    put("huge_riff_size.wav", wav(8000, 1, 16, tone(8000), riff_size=0xFFFFFFF0))
    put("huge_fact.wav", wav(8000, 1, 32, tone(8000, 8000), fmt=3, fact_frames=0xFFFFFFFF))
    # Float samples that are not numbers.
    put("nan.wav", wav(32000, 1, 32, [math.nan] * 32000, fmt=3))
    put("inf.wav", wav(32000, 1, 32, [math.inf, -math.inf] * 16000, fmt=3))
    put("nan_some.wav", wav(32000, 1, 32, tone(32000)[:16000] + [math.nan] + tone(16000), fmt=3))
    put("huge_floats.wav", wav(32000, 1, 32, [3e38, -3e38] * 16000, fmt=3))
    # Tiny files.
    put("one_sample.wav", wav(32000, 1, 16, [0.25]))
    put("no_frames.wav", wav(32000, 1, 16, []))
    # Unreadable.
    put("unreadable.wav", good, mode=0o000)
    # Symlink loops, a FIFO, a folder named like audio.
    for a, b in [("loop_a.wav", "loop_b.wav"), ("loop_b.wav", "loop_a.wav")]:
        os.symlink(os.path.join(w, b), os.path.join(w, a))
    os.makedirs(os.path.join(w, "loopdir"))
    shutil.copy(os.path.join(w, "good.wav"), os.path.join(w, "loopdir", "good.wav"))
    os.symlink(os.path.join(w, "loopdir"), os.path.join(w, "loopdir", "again"))
    os.mkfifo(os.path.join(w, "fifo.wav"))
    os.makedirs(os.path.join(w, "folder.wav"))

    # .npy inputs for predict.
    put("huge_shape.npy", npy("<f4", "(4611686018427387904, 4)", b""))
    put("overflow_shape.npy", npy("<f4", "(4294967296, 4294967296, 16)", b""))
    put("big_shape.npy", npy("<f4", "(128, 100000000)", b"\x00" * 64))
    put("bad_descr.npy", npy("<c16", "(2,)", b"\x00" * 32))
    put("truncated.npy", npy("<f4", "(128, 500)", b"\x00" * 1000))
    put("nan.npy", npy("<f4", "(128, 501)", struct.pack("<f", math.nan) * (128 * 501)))
    put("one_frame.npy", npy("<f4", "(128, 1)", b"\x00" * 512))
    put("wrong_mels.npy", npy("<f4", "(7, 501)", b"\x00" * (7 * 501 * 4)))
    put("garbage.npy", b"\x93NUMPY\x01\x00\xff\xff" + b"{" * 100)

    # Checkpoints: a real one from the binary, then hostile variants.
    ckpt = os.path.join(w, "model.safetensors")
    r = subprocess.run([warbler, "model", "init", "--arch", "resnest14d", "--classes", "2", "--gru-hidden", "8",
                        "--out", ckpt], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        sys.exit(f"hostile.py: `warbler model init` failed, cannot build the checkpoint cases:\n{r.stderr}")
    with open(ckpt, "rb") as f:
        ck = f.read()
    n = struct.unpack("<Q", ck[:8])[0]
    header = json.loads(ck[8:8 + n])
    body = ck[8 + n:]

    def variant(name, meta_update=None, header_fn=None):
        h = json.loads(json.dumps(header))
        if meta_update:
            h.setdefault("__metadata__", {}).update(meta_update)
        if header_fn:
            header_fn(h)
        put(name, safetensors(h, body))

    config = json.loads(header["__metadata__"]["config"])
    for name, change in [("ckpt_huge_classes", {"classes": 10 ** 12}), ("ckpt_huge_gru", {"gruHidden": 1 << 40}),
                         ("ckpt_huge_layers", {"gruLayers": 1 << 30}), ("ckpt_negative_classes", {"classes": -5}),
                         ("ckpt_huge_width", {"backbone": dict(config.get("backbone", {}), channels=[1 << 30] * 4,
                                                               layers=[1, 1, 1, 1])})]:
        variant(name + ".safetensors", {"config": json.dumps(dict(config, **change))})
    variant("ckpt_bad_config.safetensors", {"config": "{not json"})
    variant("ckpt_no_config.safetensors", header_fn=lambda h: h["__metadata__"].pop("config"))
    bad_input = {"frontEnd": {"sampleRate": 32000, "nFFT": 1 << 40, "hopLength": 0, "window": "hann", "center": True,
                              "padMode": "reflect", "power": 2, "nMels": 1 << 30, "fMin": 50, "melScale": "slaney",
                              "melNorm": "slaney", "decibels": True, "ref": 1, "amin": 1e-10},
                 "normalization": {"offset": 0, "scale": 1}, "windowSeconds": 1e300}
    variant("ckpt_bad_input.safetensors", {"input": json.dumps(bad_input)})
    variant("ckpt_bad_thresholds.safetensors", {"thresholds": json.dumps(
        {"classes": ["a", "b"], "global": 7, "perClass": [-1, 2], "epoch": 0, "validationF1": 0})})
    variant("ckpt_bad_classes.safetensors", {"classes": json.dumps(["only-one"])})

    def bad_offsets(h):
        k = next(k for k in h if k != "__metadata__")
        h[k]["data_offsets"] = [0, 1 << 50]
    variant("ckpt_bad_offsets.safetensors", header_fn=bad_offsets)
    put("ckpt_truncated.safetensors", ck[: len(ck) // 2])
    put("ckpt_huge_header_length.safetensors", struct.pack("<Q", 1 << 62) + b"{}")
    put("ckpt_header_beyond_file.safetensors", struct.pack("<Q", 90_000_000) + b"{}")
    put("ckpt_garbage.safetensors", bytes((i * 101 + 1) % 256 for i in range(4096)))
    put("ckpt_empty.safetensors", b"")
    put("ckpt_bad_dtype.safetensors", safetensors({"w": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}, b"\x00"))

    # Thresholds files for detect --thresholds.
    put("thr_not_json.json", "{\"classes\": [\"class0\"")
    put("thr_empty.json", "")
    put("thr_out_of_range.json", json.dumps({"classes": ["class0", "class1"], "global": 5.0, "perClass": [-3, 9],
                                             "epoch": 1, "validationF1": 0.5}))
    put("thr_wrong_classes.json", json.dumps({"classes": ["x"], "global": 0.5, "perClass": [0.5], "epoch": 1,
                                              "validationF1": 0.5}))
    put("thr_missing_fields.json", json.dumps({"global": 0.5}))
    put("thr_huge.json", json.dumps({"classes": ["class0", "class1"], "global": 1e39, "perClass": [1e39, -1e39],
                                     "epoch": 10 ** 30, "validationF1": 1e308}))

    # Manifests for train (audio root: <w>/train_audio with one real file).
    os.makedirs(os.path.join(w, "train_audio", "a"), exist_ok=True)
    shutil.copy(os.path.join(w, "good.wav"), os.path.join(w, "train_audio", "a.wav"))
    put("m_dotdot.csv", "primary_label,secondary_labels,filename\na,[],../../../../nonexistent/x.wav\nb,[],../../etc/passwd\n")
    put("m_absolute.csv", "primary_label,secondary_labels,filename\na,[],/etc/passwd\nb,[],/dev/zero\n")
    put("m_empty_rows.csv", "primary_label,secondary_labels,filename\n,,\n,[],\n")
    put("m_header_only.csv", "primary_label,secondary_labels,filename\n")
    put("m_empty.csv", "")
    put("m_missing_column.csv", "primary_label,filename\na,a.wav\n")
    put("m_bad_list.csv", "primary_label,secondary_labels,filename\na,['b,a.wav\n")
    put("m_ragged.csv", "primary_label,secondary_labels,filename\na,[],a.wav,extra\nb\n")
    put("m_binary.csv", bytes(range(256)) * 20)
    put("m_all_garbage_audio.csv", "primary_label,secondary_labels,filename\na,[],garbage.wav\nb,[],zeros.wav\n")
    # A usable manifest: the absurd-option cases must be refused by the options, not the audio.
    for name in ["a1.wav", "a2.wav", "b1.wav", "b2.wav"]:
        put(os.path.join("train_audio", name), wav(32000, 1, 16, tone(32000 * 6, 32000, 1000 if name[0] == "a" else 4000)))
    put("m_valid.csv", "primary_label,secondary_labels,filename\na,[],a1.wav\na,[],a2.wav\nb,[],b1.wav\nb,[],b2.wav\n")
    for name in ["garbage.wav", "zeros.wav"]:
        shutil.copy(os.path.join(w, name), os.path.join(w, "train_audio", name))
    os.makedirs(os.path.join(w, "empty_species", "a"), exist_ok=True)

    # Evaluate tables.
    put("e_truth.csv", "row_id,birds\nsite_1_5,a\nsite_1_10,nocall\n")
    put("e_pred.csv", "row_id,birds\nsite_1_5,a\nsite_1_10,nocall\n")
    put("e_empty.csv", "")
    put("e_header_only.csv", "row_id,birds\n")
    put("e_missing_column.csv", "row_id\nsite_1_5\n")
    put("e_dup_column.csv", "row_id,birds,birds\nsite_1_5,a,b\n")
    put("e_dup_rows.csv", "row_id,birds\nsite_1_5,a\nsite_1_5,b\n")
    put("e_scores_nan.csv", "row_id,a\nsite_1_5,nan\nsite_1_10,inf\n")
    put("e_scores_text.csv", "row_id,a\nsite_1_5,high\n")
    put("e_ragged.csv", "row_id,birds\nsite_1_5\n")
    put("e_events.csv", "recording,label,onset,offset\nr,a,1,2\n")
    put("e_events_nan.csv", "recording,label,onset,offset\nr,a,nan,inf\nr,a,5,1\n")
    put("e_events_missing.csv", "recording,label,onset\nr,a,1\n")
    put("e_binary.csv", bytes((i * 13) % 256 for i in range(3000)))


def cases(w):
    P = lambda name: os.path.join(w, name)  # noqa: E731
    ck = P("model.safetensors")
    out = lambda tag: os.path.join(w, "out", tag)  # noqa: E731
    c = []
    refuse_audio = ["empty.wav", "truncated_header.wav", "truncated_data.wav", "garbage.wav", "garbage.flac",
                    "garbage.ogg", "garbage.mp3", "text.mp3", "zeros.wav", "rate_zero.wav", "channels_zero.wav",
                    "loop_a.wav", "fifo.wav", "folder.wav", "missing.wav", "huge_data_size.wav"]
    # Files that may be readable but whose header lies or whose content is not usable audio:
    # refusing them and decoding them (in bounded memory and time) are both fine.
    either_audio = ["rate_1hz.wav", "rate_1hz_short.wav", "rate_huge.wav", "channels_many.wav", "huge_riff_size.wav",
                    "huge_fact.wav", "one_sample.wav", "no_frames.wav", "nan.wav", "inf.wav", "nan_some.wav",
                    "huge_floats.wav"]
    for f in refuse_audio:
        c.append(Case(f"info {f}", "audio", ["info", P(f)]))
        c.append(Case(f"spectrogram {f}", "audio", ["spectrogram", P(f), "--out", out(f + ".npy"), "--quiet"]))
    if os.geteuid() != 0:  # root reads a mode-000 file anyway
        refuse_audio.append("unreadable.wav")
    for f in either_audio:
        c.append(Case(f"info {f}", "audio", ["info", P(f)], expect="any"))
        c.append(Case(f"spectrogram {f}", "audio", ["spectrogram", P(f), "--out", out(f + ".npy"), "--quiet"],
                      expect="any", verify=finite_npy(os.path.join("out", f + ".npy"))))
    c.append(Case("info good.wav (control)", "audio", ["info", P("good.wav")], expect="ok"))
    c.append(Case("info good + garbage: good still reported, exit non-zero", "audio", ["info", P("good.wav"), P("garbage.wav")]))
    c.append(Case("info /dev/zero", "audio", ["info", "/dev/zero"]))
    c.append(Case("spectrogram /dev/urandom", "audio", ["spectrogram", "/dev/urandom", "--out", out("urandom.npy"), "--quiet"]))
    for f in ["garbage.wav", "truncated_data.wav", "nan.wav", "rate_1hz.wav", "huge_fact.wav", "one_sample.wav"]:
        c.append(Case(f"detect {f}", "detect", ["detect", "--checkpoint", ck, P(f), "--out", out("det_" + f), "--no-report"],
                      expect="fail" if f in refuse_audio else "any"))
    c.append(Case("detect folder with a symlink loop", "detect",
                  ["detect", "--checkpoint", ck, P("loopdir"), "--out", out("det_loop"), "--no-report"], expect="any"))
    c.append(Case("detect good.wav (control)", "detect",
                  ["detect", "--checkpoint", ck, P("good.wav"), "--out", out("det_good"), "--no-report"], expect="ok"))

    # Checkpoints.
    for f in ["ckpt_huge_classes", "ckpt_huge_gru", "ckpt_huge_layers", "ckpt_negative_classes", "ckpt_huge_width",
              "ckpt_bad_config", "ckpt_no_config", "ckpt_bad_input", "ckpt_bad_thresholds", "ckpt_bad_classes",
              "ckpt_bad_offsets", "ckpt_truncated", "ckpt_huge_header_length", "ckpt_header_beyond_file", "ckpt_garbage",
              "ckpt_empty", "ckpt_bad_dtype"]:
        path = P(f + ".safetensors")
        c.append(Case(f"detect --checkpoint {f}", "checkpoint",
                      ["detect", "--checkpoint", path, P("good.wav"), "--out", out("ck_" + f), "--no-report"]))
        # `model summary` reads only the model config: metadata it does not use may be bad.
        summary_expect = "any" if f in ("ckpt_bad_input", "ckpt_bad_thresholds", "ckpt_bad_classes") else "fail"
        c.append(Case(f"model summary --checkpoint {f}", "checkpoint", ["model", "summary", "--checkpoint", path],
                      expect=summary_expect))
    c.append(Case("detect --checkpoint missing", "checkpoint",
                  ["detect", "--checkpoint", P("nope.safetensors"), P("good.wav"), "--out", out("ck_missing")]))
    c.append(Case("detect --checkpoint is a folder", "checkpoint",
                  ["detect", "--checkpoint", P("loopdir"), P("good.wav"), "--out", out("ck_dir")]))

    # .npy into predict.
    for f in ["huge_shape.npy", "overflow_shape.npy", "big_shape.npy", "bad_descr.npy", "truncated.npy", "garbage.npy",
              "wrong_mels.npy"]:
        c.append(Case(f"predict {f}", "npy", ["predict", "--checkpoint", ck, P(f), "--out", out(f + ".npz")]))
    for f in ["nan.npy", "one_frame.npy"]:
        c.append(Case(f"predict {f}", "npy", ["predict", "--checkpoint", ck, P(f), "--out", out(f + ".npz")], expect="any"))

    # Thresholds.
    for f in ["thr_not_json.json", "thr_empty.json", "thr_out_of_range.json", "thr_wrong_classes.json",
              "thr_missing_fields.json", "thr_huge.json", "nope.json"]:
        c.append(Case(f"detect --thresholds {f}", "thresholds",
                      ["detect", "--checkpoint", ck, P("good.wav"), "--thresholds", P(f), "--out", out("thr_" + f), "--no-report"]))

    # Manifests.
    tr = lambda m, tag, extra=(): ["train", "--manifest", m, "--audio-root", P("train_audio"), "--out", out(tag), *extra]  # noqa: E731
    for f in ["m_dotdot.csv", "m_absolute.csv", "m_empty_rows.csv", "m_header_only.csv", "m_empty.csv",
              "m_missing_column.csv", "m_bad_list.csv", "m_ragged.csv", "m_binary.csv", "m_all_garbage_audio.csv"]:
        c.append(Case(f"train --manifest {f}", "manifest", tr(P(f), "tr_" + f)))
    c.append(Case("train --manifest missing.csv", "manifest", tr(P("missing.csv"), "tr_missing")))
    c.append(Case("train --manifest folder with an empty species", "manifest",
                  ["train", "--manifest", P("empty_species"), "--out", out("tr_empty_species")]))

    # Absurd options.
    m_ok = P("m_valid.csv")  # an option that is not refused starts training (and meets the timeout)
    spec = lambda tag, *o: Case(f"spectrogram {' '.join(o)}", "options",  # noqa: E731
                                ["spectrogram", P("good.wav"), "--out", out(tag + ".npy"), "--quiet", *o])
    c += [spec("nfft0", "--n-fft", "0"), spec("nfftbig", "--n-fft", "1073741824"), spec("hop0", "--hop-length", "0"),
          spec("hopneg", "--hop-length", "-5"), spec("sr0", "--sample-rate", "0"), spec("srneg", "--sample-rate", "-32000"),
          spec("srhuge", "--sample-rate", "2000000000"), spec("mels0", "--n-mels", "0"),
          spec("melshuge", "--n-mels", "100000000"), spec("fmaxhuge", "--fmax", "1e30"), spec("fminneg", "--fmin", "-1"),
          spec("fminnan", "--fmin", "nan"), spec("topdbnan", "--top-db", "nan"), spec("amin0", "--amin", "0"),
          spec("refnan", "--ref", "nan"), spec("powernan", "--power", "nan"), spec("winlen", "--win-length", "4096"),
          spec("quality", "--resample-quality", "perfect")]
    det = lambda tag, *o: Case(f"detect {' '.join(o)}", "options",  # noqa: E731
                               ["detect", "--checkpoint", ck, P("good.wav"), "--out", out(tag), "--no-report", *o])
    c += [det("batch0", "--batch", "0"), det("window0", "--window", "0"), det("windowhuge", "--window", "1e12"),
          det("windownan", "--window", "nan"), det("hop0", "--hop", "0"), det("hopnan", "--hop", "nan"),
          det("hopneg", "--hop", "-1"), det("thr2", "--threshold", "2"), det("thrnan", "--threshold", "nan"),
          det("topk", "--top-k", "-1"), det("mindur", "--min-duration", "nan"), det("merge", "--merge-gap", "-1"),
          det("hyst", "--hysteresis", "7"), det("format", "--format", "xlsx"), det("device", "--device", "tpu:3")]
    c.append(Case("detect --batch 100000000 (large but valid)", "options",
                  ["detect", "--checkpoint", ck, P("good.wav"), "--out", out("batchhuge"), "--no-report", "--batch", "100000000"],
                  expect="any"))
    c.append(Case("detect --out is a file", "options",
                  ["detect", "--checkpoint", ck, P("good.wav"), "--out", P("good.wav"), "--no-report"]))
    trn = lambda tag, *o: Case(f"train {' '.join(o)}", "options", tr(m_ok, "to_" + tag, o))  # noqa: E731
    c += [trn("ep0", "--epochs", "0"), trn("bs0", "--batch-size", "0"), trn("w0", "--workers", "0"),
          trn("vf", "--validation-fraction", "nan"), trn("vf1", "--validation-fraction", "1"),
          trn("lr", "--learning-rate", "nan"), trn("lrneg", "--learning-rate", "-1"), trn("crop", "--crop-seconds", "nan"),
          trn("crophuge", "--crop-seconds", "1e12"), trn("epe", "--examples-per-epoch", "9223372036854775807"),
          trn("epoch_huge", "--epochs", "9223372036854775807"), trn("gru", "--gru-hidden", "1000000000000"),
          trn("grun", "--gru-hidden", "-3"), trn("ema", "--ema-decay", "2"), trn("nocall", "--no-call-share", "1.5"),
          trn("workers", "--workers", "100000000"), trn("arch", "--arch", "resnet9000"), trn("tsb", "--time-split-below", "-1")]
    ev = lambda tag, *o: Case(f"evaluate {tag}", "evaluate", ["evaluate", *o])  # noqa: E731
    t, p = P("e_truth.csv"), P("e_pred.csv")
    c += [ev("empty truth", "--truth", P("e_empty.csv"), "--pred", p), ev("empty pred", "--truth", t, "--pred", P("e_empty.csv")),
          ev("header-only truth", "--truth", P("e_header_only.csv"), "--pred", p),
          ev("missing column", "--truth", P("e_missing_column.csv"), "--pred", p),
          ev("duplicated column", "--truth", P("e_dup_column.csv"), "--pred", p),
          ev("duplicated rows", "--truth", P("e_dup_rows.csv"), "--pred", p),
          ev("NaN scores", "--truth", t, "--pred", P("e_scores_nan.csv")),
          ev("text scores", "--truth", t, "--pred", P("e_scores_text.csv")),
          ev("ragged", "--truth", P("e_ragged.csv"), "--pred", p), ev("binary", "--truth", P("e_binary.csv"), "--pred", p),
          ev("missing file", "--truth", P("nope.csv"), "--pred", p), ev("pred is a folder", "--truth", t, "--pred", P("loopdir")),
          ev("threshold nan", "--truth", t, "--pred", p, "--threshold", "nan"),
          ev("threshold 0", "--truth", t, "--pred", p, "--threshold", "0"),
          ev("events NaN", "--truth-events", P("e_events.csv"), "--pred-events", P("e_events_nan.csv")),
          ev("events missing column", "--truth-events", P("e_events.csv"), "--pred-events", P("e_events_missing.csv")),
          ev("events tolerance nan", "--truth-events", P("e_events.csv"), "--pred-events", P("e_events.csv"),
             "--onset-tolerance", "nan"),
          ev("json under a file", "--truth", t, "--pred", p, "--json", P("e_truth.csv") + "/r.json")]
    # Output folders are made, as every command does (docs/cli.md): a missing folder is no error.
    made = P("no/such/dir/r.json")
    c.append(Case("evaluate json into a missing folder (made)", "evaluate", ["evaluate", "--truth", t, "--pred", p, "--json", made],
                  expect="ok", verify=lambda work: None if os.path.isfile(made) else "the --json report was not written"))
    c.append(Case("evaluate control", "evaluate", ["evaluate", "--truth", t, "--pred", p], expect="ok"))
    return c


# ----------------------------------------------------------------------------- running
def limit_memory(address_space_mb):
    def preexec():
        os.setsid()
        lim = address_space_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return preexec


def run_case(warbler, case, work, timeout, address_space_mb, max_rss_mb):
    os.makedirs(os.path.join(work, "out"), exist_ok=True)
    before = set(tmp_files(work))
    errpath = os.path.join(work, "stderr.txt")
    t0 = time.time()
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with open(errpath, "wb") as err, open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen([warbler, *case.args], stdout=devnull, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=work, env=env, preexec_fn=limit_memory(address_space_mb))
        status, rusage, timed_out = None, None, False
        deadline = t0 + (case.timeout or timeout)
        while True:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, rusage = st, ru
                break
            if time.time() > deadline:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = 0  # reaped by wait4; keep Popen from waiting again
    seconds = time.time() - t0
    with open(errpath, "rb") as f:
        stderr = f.read().decode(errors="replace")
    rss_mb = rusage.ru_maxrss / 1024
    code = os.waitstatus_to_exitcode(status)
    left = sorted(set(tmp_files(work)) - before)
    alloc_failure = any(s in stderr.lower() for s in ["cannot allocate", "out of memory", "allocation failed", "bad_alloc",
                                                       "failed to allocate"])
    if timed_out:
        kind, why = "hang", f"still running after {case.timeout or timeout} s"
    elif rss_mb > max_rss_mb or (alloc_failure and code != 0):
        kind, why = "memory", f"peak RSS {rss_mb:.0f} MB" + (" and an allocation failure" if alloc_failure else "")
    elif code < 0 or code in CRASH_CODES:
        kind, why = "crash", f"exit {code}" + (f" (signal {-code})" if code < 0 else "")
    elif left:
        kind, why = "tempfile", "left " + ", ".join(os.path.relpath(x, work) for x in left)
    elif code == 0 and case.expect == "fail":
        kind, why = "silent", "exit 0 where the input must be refused"
    elif code != 0 and case.expect == "ok":
        kind, why = "silent", f"exit {code} on a control case that must succeed"
    else:
        kind, why = "ok", ""
        if code == 0 and case.verify:
            problem = case.verify(work)
            if problem:
                kind, why = "silent", problem
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    telling = [x for x in lines if any(k in x for k in ("Fatal error", "error", "Error", "warbler:"))]
    last = (telling or lines)[:1] or [""]
    return kind, why, code, seconds, rss_mb, last[0][:200]


def tmp_files(root):
    for d, _, files in os.walk(root, followlinks=False):
        for f in files:
            if ".tmp-" in f or f.endswith(".tmp"):
                yield os.path.join(d, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("warbler", help="path to the built warbler binary")
    ap.add_argument("--timeout", type=float, default=60, help="seconds before a case counts as a hang (default 60)")
    ap.add_argument("--max-rss-mb", type=float, default=1024, help="peak RSS above this is a failure (default 1024)")
    ap.add_argument("--address-space-mb", type=int, default=4096,
                    help="RLIMIT_AS of every run, so a runaway allocation fails instead of swapping (default 4096)")
    ap.add_argument("--only", help="run only the cases whose name contains this")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args()
    warbler = os.path.abspath(a.warbler)
    if not os.access(warbler, os.X_OK):
        sys.exit(f"hostile.py: {warbler} is not an executable")
    root = tempfile.mkdtemp(prefix="hostile-")
    try:
        build_fixtures(root, warbler)
        all_cases = [x for x in cases(root) if not a.only or a.only in x.name]
        if a.list:
            for x in all_cases:
                print(f"{x.group:10} expect {x.expect:4}  {x.name}")
            return 0
        counts = {k: 0 for k in KINDS}
        failures = []
        t0 = time.time()
        for i, case in enumerate(all_cases, 1):
            kind, why, code, seconds, rss, last = run_case(warbler, case, root, a.timeout, a.address_space_mb, a.max_rss_mb)
            counts[kind] += 1
            mark = "ok  " if kind == "ok" else "FAIL"
            print(f"[{i:3}/{len(all_cases)}] {mark} {kind:8} exit {code:4} {seconds:6.1f} s {rss:7.0f} MB  {case.name}"
                  + (f"  -- {why}" if why else ""), flush=True)
            if kind != "ok":
                failures.append((kind, case, why, last))
            # Outputs of one case must not look like another's leftovers.
            shutil.rmtree(os.path.join(root, "out"), ignore_errors=True)
        groups = {}
        for x in all_cases:
            groups[x.group] = groups.get(x.group, 0) + 1
        print(f"\n{len(all_cases)} cases in {time.time() - t0:.0f} s: "
              + ", ".join(f"{g} {n}" for g, n in sorted(groups.items())))
        print("results: " + ", ".join(f"{k} {counts[k]}" for k in KINDS))
        if failures:
            print("\nfailures:")
            for kind, case, why, last in failures:
                print(f"  {kind:8} {case.name}: {why}" + (f"\n           stderr: {last}" if last else ""))
            return 1
        print("every case behaved: refused with a message or handled, in bounded time and memory")
        return 0
    finally:
        if a.keep:
            print(f"kept {root}")
        else:
            for d, dirs, _ in os.walk(root):
                for x in dirs:
                    try:
                        os.chmod(os.path.join(d, x), 0o755)
                    except OSError:
                        pass
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
