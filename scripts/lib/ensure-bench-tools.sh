#!/usr/bin/env bash
# Installs what the benchmarks in scripts/bench/ need beyond the .NET SDK, when it is missing (apt-get): ffmpeg/ffprobe,
# bc, python3, GNU parallel (the by-hand side of scripts/bench/batch.sh) and GNU time (/usr/bin/time, CPU of a process
# tree). Lighter than scripts/lib/ensure-tools.sh, which also installs what the test suite needs (buf, chromium, npm).
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v bc >/dev/null 2>&1 || need+=(bc)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v parallel >/dev/null 2>&1 || need+=(parallel)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt_install "${need[@]}"
fi
# GNU parallel asks once to be cited; the benchmark runs it unattended.
mkdir -p "$HOME/.parallel" && touch "$HOME/.parallel/will-cite"
