#!/usr/bin/env bash
# Farm overhead: the same transcode run by raw ffmpeg and through the farm (one agent), several runs each,
# alternating, on a 1080p clip of 10 s (or [seconds]: the target is <= 1.10 on a 3 s clip). Prints both medians, their ratio (target <= 1.05), the time from
# SubmitJob to ffmpeg starting on an idle agent (target < 20 ms), farmctl's start (`farmctl --version`, target
# < 80 ms) and the median of each phase of a task's timeline (`farmctl job ID --timeline`): what each step took
# and the gap before it, from the CLI's start to its exit.
# A farm run is `farmctl submit --wait` (one process, one connection); RENDERFARM_BENCH_SUBMIT=watch runs the
# older `farmctl submit` then `farmctl watch` (two processes) instead.
# The agent runs ffmpeg as a guest by default (Agent:FfmpegNice=10, Agent:FfmpegIdleIo=true), so every run also times
# raw ffmpeg at that priority; RENDERFARM_BENCH_PRIORITY=normal runs the agent as a dedicated render machine would
# (Agent:FfmpegNice=0, Agent:FfmpegIdleIo=false). Each farm run also reports the CPU time the coordinator and the agent
# used meanwhile (their own threads, not ffmpeg's).
# usage: scripts/bench/overhead.sh [runs=5] [preset=h264-proxy-720p] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
runs=${1:-5}
preset=${2:-h264-proxy-720p}
seconds=${3:-10}
work=$(mktemp -d /tmp/rf-bench-XXXX)
media="$work/media"
mkdir -p "$media" "$work/raw"
scripts/lib/ensure-tools.sh
. scripts/lib/free-port.sh
port=${RENDERFARM_BENCH_PORT:-$(free_port)}
export RENDERFARM_COORDINATOR="http://127.0.0.1:$port"
dotnet build RenderFarm.sln -c Release -nologo -v quiet >/dev/null
bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
# farmctl as a user installs it (scripts/publish-farmctl.sh): a Native AOT binary when clang and zlib1g-dev are there,
# else precompiled (ReadyToRun). RENDERFARM_BENCH_FARMCTL=aot or r2r picks one; jit runs the build output instead
# (JIT-compiled at every start).
case "${RENDERFARM_BENCH_FARMCTL:-auto}" in
  jit) farmctl_bin="$repo/cli/bin/Release/net10.0/farmctl" ;;
  aot | r2r) scripts/publish-farmctl.sh "--$RENDERFARM_BENCH_FARMCTL" "$work/farmctl" 2>"$work/publish.log" || { cat "$work/publish.log" >&2; exit 1; }
    farmctl_bin="$work/farmctl/farmctl" ;;
  *) scripts/publish-farmctl.sh "$work/farmctl" 2>"$work/publish.log" || { cat "$work/publish.log" >&2; exit 1; }
    grep -q 'Native AOT' "$work/publish.log" && RENDERFARM_BENCH_FARMCTL=aot || { grep -h '^farmctl: ' "$work/publish.log" >&2; RENDERFARM_BENCH_FARMCTL=r2r; }
    farmctl_bin="$work/farmctl/farmctl" ;;
esac
farmctl() { "$farmctl_bin" "$@"; }

priority=${RENDERFARM_BENCH_PRIORITY:-guest}
case "$priority" in
  guest) agent_priority=(); guest_prefix=(nice -n 10 ionice -c 3); priority_text="guest (ffmpeg at nice 10, idle I/O class: the agent's defaults)" ;;
  normal) agent_priority=(--Agent:FfmpegNice=0 --Agent:FfmpegIdleIo=false); guest_prefix=(); priority_text="normal (Agent:FfmpegNice=0, Agent:FfmpegIdleIo=false: a dedicated render machine)" ;;
  *) echo "RENDERFARM_BENCH_PRIORITY: guest or normal" >&2; exit 2 ;;
esac
echo "clip: $seconds s 1920x1080 30 fps H.264 + AAC; preset $preset; $runs runs each; farmctl $RENDERFARM_BENCH_FARMCTL, submit ${RENDERFARM_BENCH_SUBMIT:-wait}" >&2
echo "agent priority: $priority_text" >&2
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=$seconds \
  -f lavfi -i sine=frequency=440:duration=$seconds -c:v libx264 -preset veryfast -pix_fmt yuv420p \
  -color_primaries bt709 -color_trc bt709 -colorspace bt709 -c:a aac "$media/clip.mp4"

. scripts/lib/farm-access.sh
farm_access "$(bin coordinator renderfarm-coordinator)" "$work/data"
dotnet "$(bin coordinator renderfarm-coordinator)" --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" \
  --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$(free_port)" --Coordinator:DataDirectory="$work/data" --Coordinator:MediaRoots:media="$media" >"$work/coordinator.log" 2>&1 &
pids+=($!)
coordinator_pid=$!
for _ in $(seq 1 100); do farmctl stats >/dev/null 2>&1 && break; sleep 0.2; done
dotnet "$(bin agent renderfarm-agent)" "${agent_priority[@]}" --Agent:Name=bench --Agent:MediaRoots:media="$media" --Agent:CredentialFile="$work/agent.credential" \
  --Agent:Coordinator="http://127.0.0.1:$port" \
  --Logging:Console:FormatterName=simple --Logging:Console:FormatterOptions:TimestampFormat="yyyy-MM-ddTHH:mm:ss.fffZ " \
  --Logging:Console:FormatterOptions:UseUtcTimestamp=true --Logging:Console:FormatterOptions:SingleLine=true >"$work/agent.log" 2>&1 &
pids+=($!)
agent_pid=$!
for _ in $(seq 1 100); do farmctl agents --json | grep -q '"bench"' && break; sleep 0.2; done

now() { date +%s.%N; }
# CPU seconds a process has used itself (user + system, children not included).
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"; }
epoch() { date -d "$1" +%s.%N; }
farm_run() {
  local i=$1 start end id
  start=$(now)
  if [ "${RENDERFARM_BENCH_SUBMIT:-wait}" = watch ]; then
    id=$(farmctl submit transcode "$media/clip.mp4" "$media/farm-$i.mp4" --preset "$preset" --json | grep -o 'job-[0-9a-f]*' | head -1)
    farmctl watch "$id" --json >/dev/null
  else
    id=$(farmctl submit transcode "$media/clip.mp4" "$media/farm-$i.mp4" --preset "$preset" --wait --json | grep -o 'job-[0-9a-f]*' | head -1)
  fi
  end=$(now)
  echo "$id $start $end"
}

# Warm-up through the farm, which also gives us the exact ffmpeg arguments the agent ran.
farm_run warmup >/dev/null
args=$(grep -o 'ffmpeg -.*' "$work/agent.log" | head -1 | sed 's/^ffmpeg //')
ext="${args##*output.}"
echo "agent ran: ffmpeg $args" >&2

farm_times=()
raw_times=()
guest_times=()
coordinator_cpu=()
agent_cpu=()
latencies=()
cli_starts=()
: >"$work/phases"
reused=0
for i in $(seq 1 "$runs"); do
  start=$(now)
  farmctl --version >/dev/null
  cli_starts+=("$(echo "($(now) - $start) * 1000" | bc)")

  ln -sf "$media/clip.mp4" "$work/raw/input.mp4"
  start=$(now)
  (cd "$work/raw" && eval "ffmpeg $args" >/dev/null 2>&1)
  raw_times+=("$(echo "$(now) - $start" | bc)")
  rm -f "$work/raw/output."*
  if [ "$priority" = guest ]; then
    # The same command at the agent's priority, through the same kind of wrapper (exec nice ionice ffmpeg).
    start=$(now)
    (cd "$work/raw" && eval "${guest_prefix[*]} ffmpeg $args" >/dev/null 2>&1)
    guest_times+=("$(echo "$(now) - $start" | bc)")
    rm -f "$work/raw/output."*
  fi

  c0=$(cpu "$coordinator_pid"); a0=$(cpu "$agent_pid")
  read -r id started ended < <(farm_run "$i")
  coordinator_cpu+=("$(echo "($(cpu "$coordinator_pid") - $c0) * 1000" | bc)")
  agent_cpu+=("$(echo "($(cpu "$agent_pid") - $a0) * 1000" | bc)")
  farm_times+=("$(echo "$ended - $started" | bc)")
  created=$(epoch "$(farmctl job "$id" --json | grep -o '"createTime": *"[^"]*"' | head -1 | grep -o '20[^"]*')")
  # One line per phase: name, took (ms), gap before it (ms). The CLI's own share: its start to SubmitJob's record,
  # and the job's end to its exit.
  echo "cli-to-submitted $(echo "($created - $started) * 1000" | bc) -" >>"$work/phases"
  farmctl job "$id" --timeline >"$work/timeline"
  awk 'NF == 4 && $1 != "phase" { print $1, $3, $4 }' "$work/timeline" >>"$work/phases"
  finished=$(echo "$created + $(awk '$1 == "job-ended" { print $2 }' "$work/timeline") / 1000" | bc -l)
  echo "job-ended-to-cli-exit $(echo "($ended - $finished) * 1000" | bc) -" >>"$work/phases"
  latencies+=("$(awk '$1 == "ffmpeg" { print $2 }' "$work/timeline")")
  if awk '$1 == "probe-reused" { found = 1 } END { exit !found }' "$work/timeline"; then reused=$((reused + 1)); fi
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
raw=$(median "${raw_times[@]}")
farm=$(median "${farm_times[@]}")
lat=$(median "${latencies[@]}")
printf 'raw ffmpeg median:      %.2f s   (%s)\n' "$raw" "${raw_times[*]}"
if [ "$priority" = guest ]; then
  printf 'raw ffmpeg at nice 10 + idle I/O: %.2f s   (%s)   (the agent'"'"'s priority)\n' "$(median "${guest_times[@]}")" "${guest_times[*]}"
fi
printf 'through farm median:    %.2f s   (%s)\n' "$farm" "${farm_times[*]}"
target=$([ "$seconds" -le 3 ] && echo 1.10 || echo 1.05)
printf 'farm / raw:             %.3f   (target <= %s on a %s s clip)\n' "$(echo "$farm / $raw" | bc -l)" "$target" "$seconds"
printf 'submit -> ffmpeg start: %.0f ms median (%s)  (target < 20 ms)\n' "$lat" "${latencies[*]}"
printf 'farmctl --version:      %.0f ms median (%s)  (target < 80 ms)\n' "$(median "${cli_starts[@]}")" "${cli_starts[*]}"
printf 'probe reused:           %d of %d runs (the warm-up probed the input; later runs reuse its facts)\n' "$reused" "$runs"
printf 'CPU during a farm run:  coordinator %.0f ms, agent %.0f ms (medians; ffmpeg not included)\n' "$(median "${coordinator_cpu[@]}")" "$(median "${agent_cpu[@]}")"
echo "agent priority:         $priority_text"
echo "load average at end:    $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "phase medians over $runs runs (ms; took: the step itself, gap: since the step before it ended):"
printf '  %-22s %9s %9s\n' phase took gap
awk '!seen[$1]++ { print $1 }' "$work/phases" | while read -r phase; do
  took=$(awk -v p="$phase" '$1 == p && $2 != "-" { print $2 }' "$work/phases")
  gap=$(awk -v p="$phase" '$1 == p && $3 != "-" { print $3 }' "$work/phases")
  printf '  %-22s %9s %9s\n' "$phase" "$( [ -n "$took" ] && printf '%.1f' "$(median $took)" || echo -)" "$( [ -n "$gap" ] && printf '%.1f' "$(median $gap)" || echo -)"
done
