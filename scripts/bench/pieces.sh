#!/usr/bin/env bash
# What cutting a chunk's piece costs the coordinator and what it saves on the network (transfer mode,
# split-and-stitch). Makes an H.264 source (default 60 s of 1280x720 at 30 fps, a keyframe every second), plans
# chunks of --chunk seconds on its keyframes the way the planner does (a piece runs from the chunk's seek keyframe to
# the second keyframe after its end), cuts each piece with the exact stream-copy command the coordinator runs
# (coordinator/Transfer/ChunkPieces.cs), hashes it, and prints per chunk: piece size and share of the input, cut wall
# and CPU time, and the seconds the download of the piece and of the whole input take at --mbps.
# usage: scripts/bench/pieces.sh [--seconds 60] [--size 1280x720] [--chunk 10] [--gop 30] [--mbps 25]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=60; size=1280x720; chunk=10; gop=30; mbps=25
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --chunk) chunk=$2; shift 2 ;;
    --gop) gop=$2; shift 2 ;;
    --mbps) mbps=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
scripts/lib/ensure-tools.sh >/dev/null
work=$(mktemp -d /tmp/rf-pieces-XXXX)
trap 'rm -rf "$work"' EXIT
src="$work/source.mp4"
echo "making a ${seconds} s ${size} source (x264 veryfast, keyframe every ${gop} frames)..." >&2
ffmpeg -v error -nostdin -y -f lavfi -i "testsrc2=s=${size}:r=30:d=${seconds}" -f lavfi -i "sine=f=440:d=${seconds}" \
  -c:v libx264 -preset veryfast -g "$gop" -keyint_min "$gop" -sc_threshold 0 -b:v 8M -pix_fmt yuv420p -c:a aac -shortest "$src"
size_in=$(stat -c %s "$src")
scale=$(ffprobe -v error -select_streams v:0 -show_entries stream=time_base -of csv=p=0 "$src" | cut -d/ -f2)
gop_s=$(echo "scale=6; $gop / 30" | bc)
clk=$(getconf CLK_TCK)

printf '\nload: %s\n' "$(uptime | sed 's/.*load average: //')"
printf 'input: %.1f MB, %s s; chunks of %s s; download at %s MB/s\n\n' "$(echo "$size_in / 1000000" | bc -l)" "$seconds" "$chunk" "$mbps"
printf '| chunk | piece MB | share of input | cut wall s | cut CPU s | sha256 s | piece download s | whole-input download s |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- |\n'
total=0; cpu_total=0; i=0
for start in $(seq 0 "$chunk" $((seconds - 1))); do
  end=$((start + chunk))
  args=(-v error -nostdin -y -noaccurate_seek -ss "$start" -i "file:$src" -map 0:v:0 -c copy -copyts
        -movie_timescale "$scale" -video_track_timescale "$scale" -map_metadata 0)
  if [ "$end" -lt "$seconds" ]; then
    piece_end=$(echo "$end + 2 * $gop_s" | bc)
    args+=(-to "$piece_end")
  fi
  piece="$work/piece-$i.mp4"
  t0=$(date +%s.%N)
  # CPU time of the cut: the children's utime+stime in clock ticks, before and after.
  read -r cu0 cs0 < <(awk '{print $16, $17}' /proc/$$/stat)
  ffmpeg "${args[@]}" -f mp4 "file:$piece"
  read -r cu1 cs1 < <(awk '{print $16, $17}' /proc/$$/stat)
  t1=$(date +%s.%N)
  sha0=$(date +%s.%N); sha256sum "$piece" >/dev/null; sha1=$(date +%s.%N)
  bytes=$(stat -c %s "$piece")
  cpu=$(echo "scale=3; ($cu1 + $cs1 - $cu0 - $cs0) / $clk" | bc)
  total=$((total + bytes)); cpu_total=$(echo "$cpu_total + $cpu" | bc)
  printf '| %d | %.1f | %.0f %% | %.2f | %.2f | %.3f | %.1f | %.1f |\n' "$i" "$(echo "$bytes / 1000000" | bc -l)" \
    "$(echo "100 * $bytes / $size_in" | bc -l)" "$(echo "$t1 - $t0" | bc)" "$cpu" "$(echo "$sha1 - $sha0" | bc)" \
    "$(echo "$bytes / 1000000 / $mbps" | bc -l)" "$(echo "$size_in / 1000000 / $mbps" | bc -l)"
  i=$((i + 1))
done
printf '\nall pieces together: %.1f MB = %.0f %% of the input (the overlap is the pre-roll and two GOPs past each chunk); cut CPU %.2f s in total\n' \
  "$(echo "$total / 1000000" | bc -l)" "$(echo "100 * $total / $size_in" | bc -l)" "$cpu_total"
printf 'an agent that runs one chunk of %d moves %.0f %% of the bytes it would move for the whole input\n' "$i" "$(echo "100 * $total / $i / $size_in" | bc -l)"
