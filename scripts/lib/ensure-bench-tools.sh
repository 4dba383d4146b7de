#!/usr/bin/env bash
# Installs what the benchmarks in scripts/bench/ need beyond the .NET SDK, when it is missing (apt-get): ffmpeg/ffprobe,
# bc, python3, GNU parallel (the by-hand side of scripts/bench/batch.sh) and GNU time (/usr/bin/time, CPU of a process
# tree). Lighter than scripts/lib/ensure-tools.sh, which also installs what the test suite needs (buf, chromium, npm).
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"

apt_install_missing ffmpeg=ffmpeg ffprobe=ffmpeg bc=bc python3=python3 parallel=parallel /usr/bin/time=time
# GNU parallel asks once to be cited; the benchmark runs it unattended.
mkdir -p "$HOME/.parallel" && touch "$HOME/.parallel/will-cite"
