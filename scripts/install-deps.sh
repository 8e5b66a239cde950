#!/usr/bin/env bash
# Installs the Debian packages Warbler builds against (Debian 12). Safe to run repeatedly.
set -euo pipefail
packages=(pkg-config libsndfile1-dev libsoxr-dev libfftw3-dev libpng-dev libopenblas-dev libdnnl-dev libsqlite3-dev)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "system packages ready: ${packages[*]}"
