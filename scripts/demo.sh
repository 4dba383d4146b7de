#!/usr/bin/env bash
# RenderFarm end to end on one machine: a coordinator on embedded SQLite, two agents, a phone-like clip
# (HEVC 10-bit HLG, variable frame rate), an editing proxy and a graded delivery, then where they are.
#   scripts/demo.sh          runs it all and stops what it started
#   scripts/demo.sh --keep   leaves the farm running for a look at the web dashboard, until Ctrl-C
set -euo pipefail
keep=false
case "${1:-}" in
  --keep) keep=true ;;
  "") ;;
  *) echo "usage: scripts/demo.sh [--keep]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
repo=$(pwd)
# The coordinator's gRPC port and, next to it, its metrics port: RENDERFARM_PORT, or the first free pair from 7400.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${RENDERFARM_PORT:-}" ]; then
  port=$RENDERFARM_PORT
  for p in "$port" $((port + 1)); do
    if in_use "$p"; then echo "port $p is in use (RENDERFARM_PORT=$port needs $port and $((port + 1))): free it, or pick another RENDERFARM_PORT" >&2; exit 2; fi
  done
else
  port=7400
  while in_use "$port" || in_use $((port + 1)); do
    echo "port $port or $((port + 1)) is in use; trying $((port + 2))"
    port=$((port + 2))
    [ "$port" -lt 7500 ] || { echo "no two free ports between 7400 and 7500; set RENDERFARM_PORT" >&2; exit 2; }
  done
fi
work="$repo/demo-out"
media="$work/media"
export RENDERFARM_COORDINATOR="http://127.0.0.1:$port"

scripts/lib/ensure-tools.sh
echo "== Building"
dotnet build RenderFarm.sln -c Release -nologo -v quiet
bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }
farmctl() { dotnet "$(bin cli farmctl)" "$@"; }

rm -rf "$work"
mkdir -p "$media/footage" "$media/luts" "$media/proxies" "$media/deliveries" "$work/logs" "$work/agents"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

echo "== Making a phone-like clip (HEVC 10-bit HLG, VFR) and a warm LUT"
scripts/lib/make-phone-clip.sh "$media/footage/IMG_0042.mov" 4 1280x720
scripts/lib/make-warm-lut.sh "$media/luts/warm look.cube"

echo "== Access: an enrollment token for the agents and a first operator key (kept in variables, never printed)"
. scripts/lib/farm-access.sh
farm_access "$(bin coordinator renderfarm-coordinator)" "$work/data"

echo "== Starting the coordinator on 127.0.0.1:$port (SQLite in $work/data)"
dotnet "$(bin coordinator renderfarm-coordinator)" \
  --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" \
  --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$((port + 1))" \
  --Coordinator:DataDirectory="$work/data" \
  --Coordinator:MediaRoots:media="$media" >"$work/logs/coordinator.log" 2>&1 &
pids+=($!)
coordinator_pid=$!
for _ in $(seq 1 100); do
  farmctl stats >/dev/null 2>&1 && break
  if ! kill -0 "$coordinator_pid" 2>/dev/null; then
    echo "the coordinator stopped at start; its log ($work/logs/coordinator.log) ends:" >&2
    tail -n 5 "$work/logs/coordinator.log" >&2
    exit 2
  fi
  sleep 0.2
done
dashboard="http://127.0.0.1:$((port + 1))/"
echo "== The web dashboard: $dashboard (sign in with an API key; docs/dashboard.md)"

for name in agent-1 agent-2; do
  echo "== Starting $name"
  dotnet "$(bin agent renderfarm-agent)" \
    --Agent:Name="$name" --Agent:Coordinator="http://127.0.0.1:$port" \
    --Agent:DataDirectory="$work/agents/$name" \
    --Agent:MediaRoots:media="$media" >"$work/logs/$name.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do
  [ "$(farmctl agents --json | grep -c '"name"')" -ge 2 ] && break
  sleep 0.2
done
farmctl agents
echo "   each agent enrolled once and keeps its own credential: $(stat -c '%A' "$work/agents/agent-1/agent.credential") $work/agents/agent-1/agent.credential"

echo "== Issuing an editor key for the submissions (farmctl keys create, as the operator)"
editor_key=$(farmctl keys create alice --role editor 2>/dev/null)
editor() { RENDERFARM_API_KEY="$editor_key" farmctl "$@"; }
farmctl keys list

echo "== Submitting an editing proxy (H.264 540p, HLG tone-mapped to SDR, constant 30 fps)"
proxy=$(editor submit transcode "$media/footage/IMG_0042.mov" "$media/proxies/IMG_0042_proxy.mp4" \
  --preset h264-proxy-540p --fps 30 --name "IMG_0042 proxy" --json | grep -o '"id": *"job-[0-9a-f]*"' | head -1 | grep -o 'job-[0-9a-f]*')
echo "== Submitting a graded delivery (tone-map, then the warm LUT, +0.3 EV, HEVC 10-bit)"
editor submit grade "$media/footage/IMG_0042.mov" "$media/deliveries/IMG_0042_graded.mp4" \
  --preset hevc --lut "$media/luts/warm look.cube" --exposure 0.3 --name "IMG_0042 graded" --wait
farmctl watch "$proxy"

echo "== Jobs"
farmctl jobs
farmctl stats
echo "== The farm as an operator sees it (farmctl top --once)"
farmctl top --once
echo "== The proxy's ffmpeg log, last lines (farmctl logs)"
farmctl logs "$proxy" | tail -n 4

echo "== Outputs"
for f in "$media/proxies/IMG_0042_proxy.mp4" "$media/deliveries/IMG_0042_graded.mp4"; do
  echo "$f"
  ffprobe -v error -select_streams v:0 -count_frames \
    -show_entries stream=codec_name,profile,width,height,pix_fmt,avg_frame_rate,nb_read_frames,color_primaries,color_transfer,color_space \
    -of default=noprint_wrappers=1 "$f" | sed 's/^/    /'
done
echo "Logs: $work/logs."
if $keep; then
  # A viewer key for the look, in a file only you can read (keys are never printed).
  umask 077
  farmctl keys create demo-viewer --role viewer 2>/dev/null >"$work/dashboard-viewer.key"
  echo "== The farm keeps running: open $dashboard and sign in with the key in $work/dashboard-viewer.key"
  echo "   (a viewer; the editor 'alice' and the operator keys stay with the demo). Ctrl-C stops the farm."
  trap 'exit 0' INT TERM
  wait "${pids[@]}" || true
else
  echo "The demo stops what it started (scripts/demo.sh --keep leaves the farm running for a look)."
fi
