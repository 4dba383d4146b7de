#!/usr/bin/env bash
# Thumbnails on demand: what the coordinator spends per job when it makes each succeeded job's thumbnails right after
# the job (Coordinator:Thumbnails:MakeAfterEachJob=true, the behaviour before thumbnails were made on demand) and when
# it makes them only when first asked for (the default); then the first-view latency of a 1080p output's poster.
# The same farm runs both: one agent of 2 slots, [jobs] 1080p clips of [seconds] s each to h264-proxy-540p. The
# coordinator's CPU is its own plus its reaped children's (the thumbnail ffmpegs): utime + stime + cutime + cstime.
# usage: scripts/bench/thumbnails.sh [jobs=20] [seconds=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
jobs=${1:-20}
seconds=${2:-3}
work=$(mktemp -d /tmp/rf-bench-thumbs-XXXX)
media="$work/media"
mkdir -p "$media/out"
scripts/lib/ensure-tools.sh
. scripts/lib/free-port.sh
for p in coordinator agent cli; do dotnet build "$p" -c Release -nologo -v quiet >/dev/null; done
bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }
farmctl() { dotnet "$(bin cli farmctl)" "$@"; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
# CPU seconds of a process and of the children it has reaped.
cpu() { awk -v hz="$hz" '{ sub(/.*\) /, ""); print ($12 + $13 + $14 + $15) / hz }' "/proc/$1/stat"; }
now() { date +%s.%N; }

ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$seconds" \
  -f lavfi -i "sine=frequency=440:duration=$seconds" -c:v libx264 -preset veryfast -pix_fmt yuv420p \
  -color_primaries bt709 -color_trc bt709 -colorspace bt709 -c:a aac "$media/clip.mp4"
echo "$jobs jobs of a $seconds s 1920x1080 clip to h264-proxy-540p, one agent x 2 slots; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

. scripts/lib/farm-access.sh
run_farm() { # mode: after-each-job | on-demand
  local mode=$1 eager=false data="$work/data-$1"
  [ "$mode" = after-each-job ] && eager=true
  local port; port=$(free_port)
  export RENDERFARM_COORDINATOR="http://127.0.0.1:$port"
  farm_access "$(bin coordinator renderfarm-coordinator)" "$data"
  dotnet "$(bin coordinator renderfarm-coordinator)" --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" \
    --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$(free_port)" --Coordinator:DataDirectory="$data" --Coordinator:MediaRoots:media="$media" \
    --Coordinator:Thumbnails:MakeAfterEachJob=$eager >"$work/coordinator-$mode.log" 2>&1 &
  pids+=($!); coordinator_pid=$!
  for _ in $(seq 1 150); do farmctl stats >/dev/null 2>&1 && break; sleep 0.2; done
  dotnet "$(bin agent renderfarm-agent)" --Agent:Name="bench-$mode" --Agent:Slots=2 --Agent:MediaRoots:media="$media" \
    --Agent:CredentialFile="$work/agent-$mode.credential" --Agent:Coordinator="http://127.0.0.1:$port" >"$work/agent-$mode.log" 2>&1 &
  pids+=($!); agent_pid=$!
  for _ in $(seq 1 150); do farmctl agents --json | grep -q "bench-$mode" && break; sleep 0.2; done
  # Warm-up: one job, so both coordinators have run their first job's code paths before the count starts.
  farmctl submit transcode "$media/clip.mp4" "$media/out/$mode-warm.mp4" --preset h264-proxy-540p --wait >/dev/null
  sleep 2
  local c0 ids=() made
  c0=$(cpu "$coordinator_pid")
  for i in $(seq 1 "$jobs"); do
    ids+=("$(farmctl submit transcode "$media/clip.mp4" "$media/out/$mode-$i.mp4" --preset h264-proxy-540p --json | grep -o 'job-[0-9a-f]*' | head -1)")
  done
  for id in "${ids[@]}"; do farmctl watch "$id" >/dev/null; done
  if [ "$eager" = true ]; then
    for _ in $(seq 1 300); do
      made=$(grep -c 'Made the thumbnails of job' "$work/coordinator-$mode.log" || true)
      [ "$made" -ge $((jobs + 1)) ] && break; sleep 0.2
    done
  else
    sleep 2
  fi
  per_job=$(echo "($(cpu "$coordinator_pid") - $c0) * 1000 / $jobs" | bc -l)
  made=$(grep -c 'Made the thumbnails of job' "$work/coordinator-$mode.log" || true)
  printf '%-15s coordinator CPU per job: %6.1f ms   (thumbnails made: %d of %d jobs + warm-up)\n' "$mode" "$per_job" "$made" "$jobs"
}

run_farm after-each-job
kill "$agent_pid" "$coordinator_pid"; wait "$agent_pid" "$coordinator_pid" 2>/dev/null || true
run_farm on-demand

# First view of a 1080p output's poster: the first GetThumbnail makes it, the second is served from the store.
id=$(farmctl submit transcode "$media/clip.mp4" "$media/out/full.mp4" --preset h264 --wait --json | grep -o 'job-[0-9a-f]*' | head -1)
size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$media/out/full.mp4")
start=$(now); farmctl --version >/dev/null; cli=$(echo "($(now) - $start) * 1000" | bc)
start=$(now); farmctl thumbnail "$id" -o "$work/first.jpg" >/dev/null; first=$(echo "($(now) - $start) * 1000" | bc)
start=$(now); farmctl thumbnail "$id" -o "$work/again.jpg" >/dev/null; again=$(echo "($(now) - $start) * 1000" | bc)
making=$(grep -o "Made the thumbnails of job $id in [0-9]* ms" "$work/coordinator-on-demand.log" | grep -o '[0-9]* ms$')
printf '%s output poster: first view %.0f ms, later view %.0f ms (farmctl thumbnail, each including farmctl'"'"'s start: %.0f ms for --version); the coordinator made it in %s\n' \
  "$size" "$first" "$again" "$cli" "$making"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
