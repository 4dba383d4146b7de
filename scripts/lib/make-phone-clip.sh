#!/usr/bin/env bash
# Makes a phone-like clip: HEVC Main 10, HLG with BT.2020 tags, variable frame rate, stereo AAC.
# usage: make-phone-clip.sh OUT.mov [seconds] [WxH]
set -euo pipefail
out=$1
seconds=${2:-4}
size=${3:-1280x720}
# Dropping every 5th frame of a 30 fps source with vfr timing leaves irregular timestamps (VFR),
# as phones produce when light or load changes.
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=${size}:rate=30:duration=${seconds}" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=${seconds}" \
  -vf "select='not(eq(mod(n\,5)\,4))'" -fps_mode vfr \
  -c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p10le -tag:v hvc1 \
  -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -color_range tv \
  -c:a aac -b:a 128k -ac 2 "$out"
