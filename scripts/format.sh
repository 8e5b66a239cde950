#!/usr/bin/env bash
# The house layout, by swift-format (bundled with Swift 6) and the repository's .swift-format:
#   bash scripts/format.sh           reformat every Swift file in place
#   bash scripts/format.sh --check   change nothing; list each difference and fail if any (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! swift format --version >/dev/null 2>&1; then
    echo "scripts/format.sh: 'swift format' is missing (it ships with Swift 6 toolchains)" >&2
    exit 1
fi
paths=(Package.swift Sources Tests Fuzz/Package.swift Fuzz/Sources)
if [ "${1:-}" = "--check" ]; then
    swift format lint --strict --parallel --configuration .swift-format -r "${paths[@]}"
    echo "swift-format: every file follows .swift-format"
else
    swift format format --in-place --parallel --configuration .swift-format -r "${paths[@]}"
fi
