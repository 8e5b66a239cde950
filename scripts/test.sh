#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite (release build: the numeric code is
# too slow in debug; -enable-testing lets tests use internal API).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Every test is XCTest; without --disable-swift-testing the run would end on Swift Testing's
# "0 tests" line.
swift test -c release -Xswiftc -enable-testing --disable-swift-testing "$@"
