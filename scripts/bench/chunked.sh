#!/usr/bin/env bash
# Split-and-stitch speed-up and cost. Agents that each run ffmpeg with one thread (--Agent:FfmpegThreads=1) stand in
# for machines; the same job is rendered whole on one agent, then chunked on K = 1, 2, ... agents. For each run it
# prints the wall time, the speed-up over chunked K = 1 and over the whole render, the CPU time of every agent and its
# ffmpeg processes against the whole render (the chunking overhead), and PSNR against the source beside the whole
# render's. Targets: speed-up >= 0.9 x K, CPU overhead <= 5 %, PSNR within 0.05 dB of the whole render.
# usage: scripts/bench/chunked.sh [--agents "1 2"] [--seconds 30] [--size 1280x720] [--preset h264] [--chunk 5s]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
agents_list="1 2"; seconds=30; size=1280x720; preset=h264; chunk=5s
while [ $# -gt 0 ]; do
  case "$1" in
    --agents) agents_list=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --chunk) chunk=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
port=${RENDERFARM_BENCH_PORT:-$((20000 + RANDOM % 20000))}
work=$(mktemp -d /tmp/rf-chunked-XXXX)
media="$work/media"
mkdir -p "$media"
export RENDERFARM_COORDINATOR="http://127.0.0.1:$port"

scripts/lib/ensure-tools.sh >/dev/null
dotnet build RenderFarm.sln -c Release -nologo -v quiet >/dev/null
bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }
farmctl() { dotnet "$(bin cli farmctl)" "$@"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "clip: $seconds s $size 30 fps H.264 + AAC (keyframe every 2 s); preset $preset; chunks of $chunk; agents with 1 ffmpeg thread each" >&2
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=$size:rate=30:duration=$seconds" \
  -f lavfi -i "sine=frequency=440:duration=$seconds" -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p \
  -color_primaries bt709 -color_trc bt709 -colorspace bt709 -c:a aac -shortest "$media/clip.mp4"

. scripts/lib/farm-access.sh
farm_access "$(bin coordinator renderfarm-coordinator)" "$work/data"
dotnet "$(bin coordinator renderfarm-coordinator)" --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" \
  --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$((port + 1))" \
  --Coordinator:DataDirectory="$work/data" --Coordinator:MediaRoots:media="$media" \
  --Coordinator:Chunking:MinInputDuration=00:00:00 >"$work/coordinator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do farmctl stats >/dev/null 2>&1 && break; sleep 0.2; done

max_agents=$(printf '%s\n' $agents_list | sort -n | tail -1)
agent_pids=()
for i in $(seq 1 "$max_agents"); do
  dotnet "$(bin agent renderfarm-agent)" --Agent:Name="bench-$i" --Agent:MediaRoots:media="$media" \
    --Agent:Coordinator="http://127.0.0.1:$port" --Agent:FfmpegThreads=1 --Agent:LogDirectory="$work/logs-$i" \
    --Agent:CredentialFile="$work/agent-$i.credential" >"$work/agent-$i.log" 2>&1 &
  pids+=($!); agent_pids+=($!)
  for _ in $(seq 1 150); do farmctl agents --json | grep -q "\"bench-$i\"" && break; sleep 0.2; done
done

# CPU seconds used so far by the agents and the ffmpeg/ffprobe processes they ran and reaped (utime+stime+cutime+cstime).
cpu() {
  local ticks total=0
  ticks=$(getconf CLK_TCK)
  for p in "${agent_pids[@]}"; do
    total=$((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat")))
  done
  echo "scale=2; $total / $ticks" | bc
}
now() { date +%s.%N; }
# run NAME K ARGS...: drains agents above K, renders, prints "wall cpu"
run() {
  local name=$1 k=$2; shift 2
  for i in $(seq 1 "$max_agents"); do
    if [ "$i" -le "$k" ]; then farmctl agents resume "bench-$i" >/dev/null; else farmctl agents drain "bench-$i" >/dev/null; fi
  done
  local c0 t0 id
  c0=$(cpu); t0=$(now)
  id=$(farmctl submit transcode "$media/clip.mp4" "$media/$name.mp4" --preset "$preset" --json "$@" | grep -o 'job-[0-9a-f]*' | head -1)
  farmctl watch "$id" --json >/dev/null || { farmctl job "$id" >&2; exit 1; }
  echo "$(echo "$(now) - $t0" | bc) $(echo "$(cpu) - $c0" | bc)"
}
psnr() { ffmpeg -hide_banner -nostdin -i "$1" -i "$media/clip.mp4" -lavfi "[0:v][1:v]psnr" -f null - 2>&1 | grep -o 'average:[0-9.inf]*' | cut -d: -f2; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
read -r whole_wall whole_cpu < <(run whole 1 --whole-file)
whole_psnr=$(psnr "$media/whole.mp4")
printf '%-14s %8s %9s %9s %9s %9s %10s %9s\n' "run" "wall s" "speed-up" "vs whole" "CPU s" "CPU +%" "PSNR dB" "dPSNR"
printf '%-14s %8.1f %9s %9s %9.1f %9s %10.3f %9s\n' "whole, 1 agent" "$whole_wall" "-" "1.00" "$whole_cpu" "-" "$whole_psnr" "-"
k1_wall=""
for k in $agents_list; do
  read -r wall cpu_s < <(run "chunked-$k" "$k" --chunk "$chunk")
  [ -z "$k1_wall" ] && [ "$k" = 1 ] && k1_wall=$wall
  p=$(psnr "$media/chunked-$k.mp4")
  speedup=$([ -n "$k1_wall" ] && echo "scale=2; $k1_wall / $wall" | bc || echo "-")
  printf '%-14s %8.1f %9s %9.2f %9.1f %9.1f %10.3f %+9.3f\n' "chunked, $k" "$wall" "$speedup" "$(echo "$whole_wall / $wall" | bc -l)" "$cpu_s" \
    "$(echo "($cpu_s / $whole_cpu - 1) * 100" | bc -l)" "$p" "$(echo "$p - $whole_psnr" | bc -l)"
done
chunks=$(farmctl job "$(farmctl jobs --json | grep -o 'job-[0-9a-f]*' | head -1)" --json | grep -c '"TASK_KIND_CHUNK"' || true)
echo "chunks per job: $chunks; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores" >&2
