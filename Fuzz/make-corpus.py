#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into Fuzz/corpus/<target>/: small valid files and
edge cases (empty, truncated, lying headers), so libFuzzer starts from the formats' real
structure. Python's standard library only; the compressed audio seeds (FLAC, OGG Vorbis, Opus,
MP3) are written too when the `soundfile` module is importable (they are committed, so this is
only needed to regenerate them). Run: python3 Fuzz/make-corpus.py"""
import json
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- .npy ----
def npy(descr, shape, body, fortran=False, version=1):
    shape_text = "(" + "".join(f"{n}, " if len(shape) == 1 else f"{n}," for n in shape).rstrip(",") + ")"
    if len(shape) > 1:
        shape_text = "(" + ", ".join(str(n) for n in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shape_text)
    prefix = 10 if version == 1 else 12
    pad = (64 - (prefix + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    length = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + body


def npy_corpus():
    t = "FuzzNPY"
    put(t, "f4_2x3", npy("<f4", (2, 3), struct.pack("<6f", *range(6))))
    put(t, "f4_2x3_fortran", npy("<f4", (2, 3), struct.pack("<6f", *range(6)), fortran=True))
    put(t, "f8_vec", npy("<f8", (4,), struct.pack("<4d", 1, -1, math.inf, math.nan)))
    put(t, "i2_v2", npy("<i2", (3,), struct.pack("<3h", -32768, 0, 32767), version=2))
    put(t, "i4_3d", npy("<i4", (2, 2, 2), struct.pack("<8i", *range(8)), fortran=True))
    put(t, "i8_scalar", npy("<i8", (), struct.pack("<q", 7)))
    put(t, "u1_empty", npy("|u1", (0, 5), b""))
    put(t, "b1", npy("|b1", (2,), b"\x01\x00"))
    put(t, "truncated_body", npy("<f4", (100,), b"\x00" * 8))
    put(t, "huge_shape", npy("<f4", (1 << 40, 1 << 40), b""))
    put(t, "big_endian", npy(">f4", (1,), b"\x00" * 4))
    put(t, "magic_only", b"\x93NUMPY\x01\x00")


# ---- safetensors ----
def safetensors(tensors, metadata=None, header_override=None):
    header, body, offset = {}, b"", 0
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        body += data
        offset += len(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = header_override if header_override is not None else json.dumps(header)
    text = text.encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + body


SED = {"arch": "resnest14d", "classes": 3, "gruHidden": 8}
INPUT = {"frontEnd": {"sampleRate": 32000, "nFFT": 1024, "hopLength": 320, "window": "hann", "center": True,
                      "padMode": "reflect", "power": 2, "nMels": 128, "fMin": 50, "fMax": 14000, "melScale": "slaney",
                      "melNorm": "slaney", "decibels": True, "ref": 1, "amin": 1e-10},
         "normalization": {"offset": 40, "scale": 0.05}, "windowSeconds": 5}
THRESHOLDS = {"classes": ["a", "b", "c"], "global": 0.5, "perClass": [0.4, 0.5, 0.6], "epoch": 3, "validationF1": 0.8}


def safetensors_corpus():
    t = "FuzzSafeTensors"
    f32 = struct.pack("<4f", 1, 2, 3, 4)
    put(t, "f32_2x2", safetensors({"w": ("F32", [2, 2], f32)}))
    put(t, "dtypes", safetensors({"a": ("F16", [2], b"\x00\x3c\x00\xc0"), "b": ("BF16", [1], b"\x80\x3f"),
                                  "c": ("F64", [1], struct.pack("<d", 0.5)), "d": ("I64", [1], struct.pack("<q", -3)),
                                  "e": ("I32", [0], b""), "f": ("U8", [2], b"\x01\x02"), "g": ("BOOL", [1], b"\x01")}))
    put(t, "checkpoint_meta", safetensors({"x": ("F32", [1], f32[:4])},
                                          {"config": json.dumps(SED), "input": json.dumps(INPUT),
                                           "thresholds": json.dumps(THRESHOLDS), "classes": json.dumps(["a", "b", "c"])}))
    put(t, "huge_config", safetensors({}, {"config": json.dumps({"arch": "resnest50d", "classes": 10 ** 12, "gruHidden": 10 ** 9})}))
    put(t, "bad_offsets", safetensors({}, header_override='{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 1000000]}}'))
    put(t, "overflow_shape", safetensors({}, header_override='{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}'))
    put(t, "empty_header", safetensors({}))
    put(t, "huge_length", struct.pack("<Q", 1 << 62) + b"{}")
    put(t, "short", b"\x02\x00\x00")


# ---- audio ----
def wav(rate, channels, bits, samples, fmt=1, frames_override=None, data_size_override=None):
    bps = bits // 8
    body = b""
    for s in samples:
        for _ in range(channels):
            if fmt == 3:
                body += struct.pack("<f" if bits == 32 else "<d", s)
            elif bits == 8:
                body += struct.pack("<B", max(0, min(255, int(128 + s * 127))))
            elif bits == 16:
                body += struct.pack("<h", max(-32768, min(32767, int(s * 32767))))
            elif bits == 24:
                body += struct.pack("<i", int(s * 8388607))[:3]
            else:
                body += struct.pack("<i", int(s * 2147483647))
    data_size = len(body) if data_size_override is None else data_size_override
    fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * channels * bps, channels * bps, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    if fmt == 3:
        chunks += b"fact" + struct.pack("<II", 4, frames_override if frames_override is not None else len(samples))
    chunks += b"data" + struct.pack("<I", data_size) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def aiff(rate, samples):
    body = b"".join(struct.pack(">h", int(s * 32767)) for s in samples)
    # 80-bit IEEE extended sample rate.
    exp = int(math.floor(math.log2(rate)))
    mant = int(rate / 2 ** exp * (1 << 63))
    ext = struct.pack(">HQ", 16383 + exp, mant)
    comm = struct.pack(">hIh", 1, len(samples), 16) + ext
    ssnd = struct.pack(">II", 0, 0) + body
    chunks = b"COMM" + struct.pack(">I", len(comm)) + comm + b"SSND" + struct.pack(">I", len(ssnd)) + ssnd
    return b"FORM" + struct.pack(">I", 4 + len(chunks)) + b"AIFF" + chunks


def tone(n, rate, f=1000.0):
    return [0.5 * math.sin(2 * math.pi * f * i / rate) for i in range(n)]


def audio_corpus():
    t = "FuzzAudio"
    put(t, "pcm16_8k_mono.wav", wav(8000, 1, 16, tone(400, 8000)))
    put(t, "pcm16_44k_stereo.wav", wav(44100, 2, 16, tone(300, 44100)))
    put(t, "pcm8_11k.wav", wav(11025, 1, 8, tone(200, 11025)))
    put(t, "pcm24_48k.wav", wav(48000, 1, 24, tone(200, 48000)))
    put(t, "float32_32k.wav", wav(32000, 1, 32, tone(200, 32000), fmt=3))
    put(t, "float32_nan_inf.wav", wav(32000, 1, 32, [math.nan, math.inf, -math.inf, 0.0] * 8, fmt=3))
    put(t, "float64_3ch.wav", wav(16000, 3, 64, tone(100, 16000), fmt=3))
    put(t, "one_sample.wav", wav(32000, 1, 16, [0.1]))
    put(t, "rate_1hz.wav", wav(1, 1, 16, tone(64, 1)))
    put(t, "rate_max.wav", wav(0x7FFFFFFF, 1, 16, tone(64, 48000)))
    put(t, "lying_data_size.wav", wav(8000, 1, 16, tone(64, 8000), data_size_override=0x7FFFFFF0))
    put(t, "lying_fact.wav", wav(8000, 1, 32, tone(64, 8000), fmt=3, frames_override=0xFFFFFFFF))
    put(t, "many_channels.wav", wav(8000, 64, 16, tone(8, 8000)))
    put(t, "truncated.wav", wav(8000, 1, 16, tone(400, 8000))[:200])
    put(t, "header_only.wav", wav(8000, 1, 16, []))
    put(t, "pcm16_22k.aiff", aiff(22050, tone(300, 22050)))
    put(t, "garbage.bin", bytes((i * 37 + 11) % 256 for i in range(512)))
    try:
        import io
        import numpy as np
        import soundfile as sf
    except ImportError:
        print("soundfile/numpy not importable: compressed audio seeds not regenerated", file=sys.stderr)
        return
    x = np.array(tone(1600, 16000), dtype=np.float32)
    for name, fmt, sub, rate, y in [("mono_16k.flac", "FLAC", "PCM_16", 16000, x),
                                     ("stereo_16k.flac", "FLAC", "PCM_24", 16000, np.stack([x, -x], 1)),
                                     ("mono_16k.ogg", "OGG", "VORBIS", 16000, x),
                                     ("mono_48k.opus", "OGG", "OPUS", 48000, np.array(tone(2400, 48000), dtype=np.float32)),
                                     ("mono_16k.mp3", "MP3", "MPEG_LAYER_III", 16000, x)]:
        buf = io.BytesIO()
        try:
            sf.write(buf, y, rate, format=fmt, subtype=sub)
        except Exception as e:  # a libsndfile without that encoder
            print(f"{name}: not written ({e})", file=sys.stderr)
            continue
        data = buf.getvalue()
        put(t, name, data)
        put(t, "truncated_" + name, data[: len(data) // 2])


# ---- manifests ----
def manifest_corpus():
    t = "FuzzManifest"
    put(t, "birdclef.csv", "primary_label,secondary_labels,filename,rating\na,[],a.wav,4\na,\"['a', \"\"b's\"\"]\",a.wav,3\n")
    put(t, "birdclef_missing_file.csv", "primary_label,secondary_labels,filename\na,[],a.wav\nb,['a'],nope.wav\n")
    put(t, "cornell.csv", "ebird_code,filename,duration\na,a.wav,10\n")
    put(t, "paths.csv", "primary_label,secondary_labels,filename,ebird_code\na,[],../../etc/passwd,a\na,[],/etc/hostname,a\na,[],a.wav,a\n")
    put(t, "empty_rows.csv", "primary_label,secondary_labels,filename\n,,\n\n,[],a.wav\n")
    put(t, "ragged.csv", "primary_label,secondary_labels,filename\na\na,[],a.wav,extra,fields\n")
    put(t, "quotes.csv", "primary_label,secondary_labels,filename\n\"a\",\"['unclosed]\",\"a.wav\"\n\"a,b\",\"[\"\"x\"\" 'y']\",\"a\nb.wav\"\n")
    put(t, "header_only.csv", "primary_label,secondary_labels,filename\n")
    put(t, "empty.csv", "")
    put(t, "truth.csv", "row_id,birds\nsite_1_5,a b\nsite_1_10,nocall\n")
    put(t, "scores.csv", "row_id,a,b\nsite_1_5,0.9,nan\nsite_1_10,1e400,-1\n")
    put(t, "events.csv", "recording,label,onset,offset\nr,a,1.5,1.0\nr,b,nan,inf\n")
    put(t, "dup_columns.csv", "row_id,birds,birds\nx,a,b\nx,a,b\n")
    put(t, "bom_crlf.csv", "\ufeffprimary_label,secondary_labels,filename\r\na,[],a.wav\r\n")


# ---- JSON configs ----
def config_corpus():
    t = "FuzzConfig"
    put(t, "thresholds.json", json.dumps(THRESHOLDS))
    put(t, "thresholds_bad.json", json.dumps({"classes": ["a"], "global": 2.0, "perClass": [-1, 0.5], "epoch": -1, "validationF1": 1e308}))
    put(t, "sed.json", json.dumps({"arch": "resnest50d", "classes": 264, "gruHidden": 256, "gruLayers": 1, "dropout": 0.2,
                                   "frequencyPooling": "meanMax", "attentionActivation": "tanh"}))
    put(t, "sed_minimal.json", json.dumps(SED))
    put(t, "sed_huge.json", json.dumps({"arch": "resnest50d", "classes": 9223372036854775807, "gruHidden": 4611686018427387904, "gruLayers": 1000000}))
    put(t, "sed_backbone.json", json.dumps({"arch": "custom", "classes": 2, "backbone": {"layers": [1, 1, 1, 1], "stemWidth": 8}}))
    put(t, "train.json", json.dumps({"epochs": 10, "seed": 0, "learningRate": 1e-3, "weightDecay": 1e-2, "warmupShare": 0.05,
                                     "framewiseLossWeight": 0.5, "labelSmoothing": 0, "clipNorm": 5, "threshold": 0.5,
                                     "bestF1Tolerance": 0.01}))
    put(t, "train_bad.json", json.dumps({"epochs": -9223372036854775808, "seed": 18446744073709551615, "learningRate": -1,
                                         "weightDecay": -0.0, "warmupShare": 1, "framewiseLossWeight": 1e39, "labelSmoothing": 1,
                                         "clipNorm": 0, "emaDecay": 1, "threshold": 2, "bestF1Tolerance": -1}))
    put(t, "input.json", json.dumps(INPUT))
    bad = json.loads(json.dumps(INPUT))
    bad["frontEnd"].update({"nFFT": 1 << 40, "hopLength": 0, "nMels": 0, "sampleRate": -1})
    bad["windowSeconds"] = 1e300
    put(t, "input_bad.json", json.dumps(bad))
    put(t, "frontend.json", json.dumps(INPUT["frontEnd"]))
    put(t, "not_json", "{\"classes\": [")
    put(t, "empty", "")


if __name__ == "__main__":
    npy_corpus()
    safetensors_corpus()
    audio_corpus()
    manifest_corpus()
    config_corpus()
    for target in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, target))
        size = sum(os.path.getsize(os.path.join(OUT, target, f)) for f in files)
        print(f"{target}: {len(files)} seeds, {size} bytes")
