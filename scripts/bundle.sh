#!/usr/bin/env bash
# Packs a release `warbler` that runs on a Linux machine without Swift (e.g. a GPU server): the
# binary built with --static-swift-stdlib, stripped, plus the shared libraries it needs that are
# not part of every glibc system (OpenBLAS, FFTW, libsndfile and its codecs, soxr, oneDNN, ...),
# and a `warbler` wrapper that points the loader at them. CUDA is not bundled: it is found at
# run time on the target (see docs/gpu.md).
#
#   bash scripts/bundle.sh OUT.tar.xz [SCRATCH_DIR]
set -euo pipefail
out=$(realpath -m "$1")
scratch=${2:-/tmp/warbler-static}
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product warbler
stage=$(mktemp -d)
mkdir -p "$stage/bin" "$stage/lib"
cp "$scratch/release/warbler" "$stage/bin/warbler.bin"
strip "$stage/bin/warbler.bin"
for lib in $(ldd "$scratch/release/warbler" | awk '/=>/ {print $3}'); do
  case $(basename "$lib") in
    libc.so*|libm.so*|libgcc_s.so*|libstdc++.so*|libz.so*|libpthread.so*|libdl.so*|librt.so*) ;;  # every target has these
    *) cp -L "$lib" "$stage/lib/" ;;
  esac
done
cat > "$stage/warbler" <<'SH'
#!/bin/sh
# The release binary with its bundled (non-glibc) libraries; nothing else it starts sees them first.
d=$(cd "$(dirname "$0")" && pwd)
LD_LIBRARY_PATH="$d/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$d/bin/warbler.bin" "$@"
SH
chmod +x "$stage/warbler"
tar -C "$stage" -cf - warbler bin lib | xz -6 -T0 > "$out"
rm -rf "$stage"
echo "$out: $(du -h "$out" | cut -f1)"
