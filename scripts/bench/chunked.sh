#!/usr/bin/env bash
# Split-and-stitch speed-up and cost. Agents that each run ffmpeg with one thread (--Agent:FfmpegThreads=1) stand in
# for machines; the same job is rendered whole on one agent, then chunked on K = 1, 2, ... agents. Prints:
#  - per run: wall time, speed-up over chunked K = 1 and over the whole render, CPU time over the job (from submission
#    to completion: every ffmpeg/ffprobe the agents ran, the agents' .NET processes and the coordinator), the
#    chunking overhead against the same job rendered whole on the same farm (ffmpeg only, and in total), and PSNR;
#  - where the CPU went, step by step (every ffmpeg/ffprobe run is timed through a wrapper on the agents' PATH);
#  - what the idle farm costs (coordinator and agents' .NET CPU per second with nothing to do);
#  - each chunked run's timeline per agent and the dispatch gaps (a task's end to the agent's next start).
# Before measuring, the farm renders a small job whole and chunked twice (not counted), so the .NET processes'
# start-up and JIT, which a long-lived farm pays once and not per job, stay out of the figures.
# Baselines: "farm whole" is the same job rendered whole by the farm (its default x264 settings: macroblock tree, free
# keyframes; its own verification): the chunking overhead is the chunked job's CPU minus this one's. "same encode" is
# a bare ffmpeg encode of the whole clip with the chunks' own settings (fixed closed GOP, no macroblock tree) plus the
# audio encode: the PSNR target is taken against it. Targets: speed-up >= 0.9 x K, overhead <= 5 % CPU, PSNR within
# 0.05 dB of the same encode.
# The default input stands for phone or camera footage (a keyframe every second) and is long enough (60 s in 15 s
# chunks: 4 chunks, 2 per agent at K = 2) that the serial parts weigh about what they do in a long film; the 30 s
# clip in 5 s chunks used before over-weighted them (--seconds 30 --chunk 5s --gop 2 reproduces it).
# usage: scripts/bench/chunked.sh [--agents "1 2"] [--seconds 60] [--size 1280x720] [--preset h264] [--chunk 15s] [--gop 1]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
agents_list="1 2"; seconds=60; size=1280x720; preset=h264; chunk=15s; gop=1
while [ $# -gt 0 ]; do
  case "$1" in
    --agents) agents_list=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --chunk) chunk=$2; shift 2 ;;
    --gop) gop=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
port=${RENDERFARM_BENCH_PORT:-$((20000 + RANDOM % 20000))}
work=$(mktemp -d /tmp/rf-chunked-XXXX)
media="$work/media"
mkdir -p "$media" "$work/bin" "$work/ref"
export RENDERFARM_COORDINATOR="http://127.0.0.1:$port"

scripts/lib/ensure-tools.sh >/dev/null
dotnet build RenderFarm.sln -c Release -nologo -v quiet >/dev/null
bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }
farmctl() { dotnet "$(bin cli farmctl)" "$@"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# ffmpeg and ffprobe wrappers for the agents: each run is timed (user + system CPU, wall) and labelled by what it does.
for tool in ffmpeg ffprobe; do
  cat >"$work/bin/$tool" <<EOF
#!/usr/bin/env bash
args=" \$* "
case "$tool:\$args" in
  ffmpeg:*" -f null "*) label="decode check (chunks; stitch without proofs)" ;;
  ffmpeg:*" -f concat "*) label="stitch: join (copy)" ;;
  ffmpeg:*" -copyts "*) label="chunk encode"; printf '%q ' "\$@" >"$work/chunk-cmd.\$(cat "$work/run-name").\$\$" ;;
  ffmpeg:*" -vn "*) label="audio encode" ;;
  ffmpeg:*" -map 0:v:0 "*) label="whole encode" ;;
  ffmpeg:*) label="ffmpeg: other (capability checks)"; printf '%q ' "\$@" >>"$work/other-cmds" ;;
  ffprobe:*"-count_packets"*) label="ffprobe: streams + packet count" ;;
  ffprobe:*"packet=pts_time"*|ffprobe:*"format=start_time"*) label="ffprobe: source frames" ;;
  ffprobe:*"-show_data_hash"*) label="ffprobe: packet hashes" ;;
  ffprobe:*"packet=stream_index"*) label="ffprobe: timestamps + audio" ;;
  ffprobe:*"stream=codec_name,duration"*) label="ffprobe: audio" ;;
  ffprobe:*) label="ffprobe: streams" ;;
esac
t="$work/time.\$\$"
/usr/bin/time -f "%U %S %e" -o "\$t" "$(command -v $tool)" "\$@" && rc=0 || rc=\$?
printf '%s\t%s\t%s\n' "\$(cat "$work/run-name")" "\$label" "\$(tail -1 "\$t")" >>"$work/steps.log"
rm -f "\$t"
exit \$rc
EOF
  chmod +x "$work/bin/$tool"
done
echo setup >"$work/run-name"

echo "clip: $seconds s $size 30 fps H.264 + AAC (keyframe every $gop s); preset $preset; chunks of $chunk; agents with 1 ffmpeg thread each" >&2
# clip NAME SECONDS SIZE: the bench's source (testsrc2 and a tone, H.264 with a keyframe every $gop s, as a phone records)
clip() {
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=$3:rate=30:duration=$2" \
    -f lavfi -i "sine=frequency=440:duration=$2" -c:v libx264 -preset veryfast -g "$(echo "$gop * 30 / 1" | bc)" -pix_fmt yuv420p \
    -color_primaries bt709 -color_trc bt709 -colorspace bt709 -c:a aac -shortest "$media/$1.mp4"
}
clip clip "$seconds" "$size"
clip warm 6 320x180

. scripts/lib/farm-access.sh
farm_access "$(bin coordinator renderfarm-coordinator)" "$work/data"
dotnet "$(bin coordinator renderfarm-coordinator)" --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" \
  --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$((port + 1))" \
  --Coordinator:DataDirectory="$work/data" --Coordinator:MediaRoots:media="$media" \
  --Coordinator:Chunking:MinInputDuration=00:00:00 >"$work/coordinator.log" 2>&1 &
coordinator_pid=$!
pids+=($coordinator_pid)
for _ in $(seq 1 150); do farmctl stats >/dev/null 2>&1 && break; sleep 0.2; done

max_agents=$(printf '%s\n' $agents_list | sort -n | tail -1)
agent_pids=()
for i in $(seq 1 "$max_agents"); do
  PATH="$work/bin:$PATH" dotnet "$(bin agent renderfarm-agent)" --Agent:Name="bench-$i" --Agent:MediaRoots:media="$media" \
    --Agent:Coordinator="http://127.0.0.1:$port" --Agent:FfmpegThreads=1 --Agent:LogDirectory="$work/logs-$i" \
    --Agent:CredentialFile="$work/agent-$i.credential" >"$work/agent-$i.log" 2>&1 &
  pids+=($!); agent_pids+=($!)
  for _ in $(seq 1 150); do farmctl agents --json | grep -q "\"bench-$i\"" && break; sleep 0.2; done
done

ticks=$(getconf CLK_TCK)
# CPU ticks of a process itself (utime+stime).
self() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# snapshot K: "coordinator agents-own" in ticks, over agents 1..K
snapshot() {
  local own=0 i
  for i in $(seq 1 "$1"); do own=$((own + $(self "${agent_pids[$((i - 1))]}"))); done
  echo "$(self "$coordinator_pid") $own"
}
secs() { echo "scale=2; $1 / $ticks" | bc; }
now() { date +%s.%N; }
# step_cpu RUN [LABEL]: CPU seconds of that run's ffmpeg/ffprobe processes (with that label), as timed by the wrapper
step_cpu() { awk -F'\t' -v r="$1" -v l="${2-}" '$1 == r && (l == "" || $2 == l) { split($3, t, " "); s += t[1] + t[2] } END { printf "%.2f", s }' "$work/steps.log"; }
declare -A wall cpu coord dotnet ffm jobid
# submit NAME INPUT ARGS...: renders INPUT into NAME.mp4 and waits for the job; prints its id
submit() {
  local name=$1 input=$2 id; shift 2
  id=$(farmctl submit transcode "$media/$input.mp4" "$media/$name.mp4" --preset "$preset" --json "$@" | grep -o 'job-[0-9a-f]*' | head -1)
  farmctl watch "$id" --json >/dev/null || { farmctl job "$id" >&2; exit 1; }
  echo "$id"
}
# agents_up K: agents 1..K take work, the others are drained
agents_up() {
  for i in $(seq 1 "$max_agents"); do
    if [ "$i" -le "$1" ]; then farmctl agents resume "bench-$i" >/dev/null; else farmctl agents drain "bench-$i" >/dev/null; fi
  done
}
# run NAME K ARGS...: drains agents above K, renders, records wall time and CPU over the job
run() {
  local name=$1 k=$2; shift 2
  agents_up "$k"
  echo "$name" >"$work/run-name"
  local c0 c1 t0
  read -r -a c0 < <(snapshot "$k"); t0=$(now)
  jobid[$name]=$(submit "$name" clip "$@")
  wall[$name]=$(echo "$(now) - $t0" | bc)
  read -r -a c1 < <(snapshot "$k")
  echo idle >"$work/run-name"
  coord[$name]=$(secs $((c1[0] - c0[0]))); dotnet[$name]=$(secs $((c1[1] - c0[1]))); ffm[$name]=$(step_cpu "$name")
  cpu[$name]=$(echo "${coord[$name]} + ${dotnet[$name]} + ${ffm[$name]}" | bc)
  echo "  $name: ${wall[$name]} s, CPU ${cpu[$name]} s (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
}
psnr() { ffmpeg -hide_banner -nostdin -i "$1" -i "$media/clip.mp4" -lavfi "[0:v][1:v]psnr" -f null - 2>&1 | grep -o 'average:[0-9.inf]*' | cut -d: -f2; }

# Warm-up (not counted): the .NET processes' start-up and JIT is paid once per process, not per job.
echo warm-up >"$work/run-name"
agents_up "$max_agents"
submit warm-whole warm --whole-file >/dev/null
for n in 1 2; do submit "warm-chunked-$n" warm --chunk 1s >/dev/null; done
# What the idle farm costs: the coordinator's and all agents' own CPU over 10 s with nothing to do.
sleep 2
read -r -a i0 < <(snapshot "$max_agents"); sleep 10; read -r -a i1 < <(snapshot "$max_agents")
idle_coord=$(secs $(((i1[0] - i0[0]) * 10))); idle_agents=$(secs $(((i1[1] - i0[1]) * 10)))
echo idle >"$work/run-name"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
run whole 1 --whole-file
runs=(whole)
for k in $agents_list; do run "chunked-$k" "$k" --chunk "$chunk"; runs+=("chunked-$k"); done

# The same encode done whole: the first chunk's own command (it starts at 0), without its cut, over the whole clip.
# (A chunk of the measured runs, not of the warm-up, whose 1 s chunks are encoded with a shorter GOP.)
eval "chunk_args=($(grep -l -- '-ss 0 ' "$work"/chunk-cmd.chunked-* | head -1 | xargs cat))"
ref_args=(); skip=0
for a in "${chunk_args[@]}"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in
    -copyts|-start_at_zero|-noaccurate_seek) continue ;;
    -ss) skip=1; continue ;;
    *trim=*) a=$(echo "$a" | sed -E 's/trim=[^,]*,setpts=PTS-STARTPTS//; s/,,/,/; s/^,//; s/,$//') ;;
    output.*) reference="reference.${a#output.}"; a=$reference ;;
    input.*) ln -sf "$media/clip.mp4" "$work/ref/$a" ;;
  esac
  ref_args+=("$a")
done
( cd "$work/ref" && /usr/bin/time -f "%U %S %e" -o "$work/ref.time" ffmpeg -nostdin "${ref_args[@]}" >/dev/null 2>&1 )
ref_video=$(awk '{printf "%.2f", $1 + $2}' "$work/ref.time")
ref_audio=$(step_cpu chunked-"$(printf '%s\n' $agents_list | head -1)" "audio encode")
ref_cpu=$(echo "$ref_video + $ref_audio" | bc)
whole_bare=$(step_cpu whole "whole encode")

p_whole=$(psnr "$media/whole.mp4"); p_ref=$(psnr "$work/ref/$reference")
pct() { echo "($1 / $2 - 1) * 100" | bc -l; }
echo
echo "Baselines (CPU s over the job): farm whole render ${cpu[whole]} (ffmpeg/ffprobe ${ffm[whole]}, its encode alone $whole_bare);"
echo "  same encode done whole, bare ffmpeg: $ref_cpu (video $ref_video + audio $ref_audio)"
echo "PSNR against the source: farm whole render $p_whole dB, same encode done whole $p_ref dB"
echo "Idle farm, .NET CPU per second: coordinator $(echo "scale=3; $idle_coord / 100" | bc) s, $max_agents agents $(echo "scale=3; $idle_agents / 100" | bc) s"
echo
echo "Overhead = CPU of the run over CPU of the farm whole render (ffmpeg: ffmpeg/ffprobe only; total: plus the .NET processes)."
printf '%-12s %7s %8s %8s %9s %8s %8s %10s %10s %11s %9s %10s %10s\n' "run" "wall s" "speed-up" "vs whole" "ffmpeg s" ".NET s" "total s" "ovh ffmpeg" "ovh total" "vs same enc" "PSNR dB" "dPSNR same" "dPSNR farm"
k1=""
for r in "${runs[@]}"; do
  p=$(psnr "$media/$r.mp4")
  if [ "$r" = whole ]; then su="-"; else k=${r#chunked-}; [ "$k" = 1 ] && k1=${wall[$r]}; su=$([ -n "$k1" ] && echo "scale=2; $k1 / ${wall[$r]}" | bc || echo "-"); fi
  printf '%-12s %7.1f %8s %8.2f %9.2f %8.2f %8.2f %+9.1f%% %+9.1f%% %+10.1f%% %9.3f %+10.3f %+10.3f\n' "$r" "${wall[$r]}" "$su" "$(echo "${wall[whole]} / ${wall[$r]}" | bc -l)" \
    "${ffm[$r]}" "$(echo "${coord[$r]} + ${dotnet[$r]}" | bc)" "${cpu[$r]}" "$(pct "${ffm[$r]}" "${ffm[whole]}")" "$(pct "${cpu[$r]}" "${cpu[whole]}")" \
    "$(pct "${ffm[$r]}" "$ref_cpu")" "$p" "$(echo "$p - $p_ref" | bc -l)" "$(echo "$p - $p_whole" | bc -l)"
done
echo
echo "Where the CPU went (seconds; number of processes in brackets):"
labels=$(cut -f2 "$work/steps.log" | sort -u)
printf '%-34s' "step"; for r in "${runs[@]}"; do printf ' %16s' "$r"; done; echo
while IFS= read -r l; do
  [ -z "$l" ] && continue
  printf '%-34s' "$l"
  for r in "${runs[@]}"; do
    n=$(awk -F'\t' -v r="$r" -v l="$l" '$1 == r && $2 == l' "$work/steps.log" | wc -l)
    printf ' %11s %4s' "$(step_cpu "$r" "$l")" "($n)"
  done
  echo
done <<<"$labels"
printf '%-34s' "ffmpeg/ffprobe"; for r in "${runs[@]}"; do printf ' %11s %4s' "${ffm[$r]}" ""; done; echo
printf '%-34s' "agents' .NET"; for r in "${runs[@]}"; do printf ' %11s %4s' "${dotnet[$r]}" ""; done; echo
printf '%-34s' "coordinator .NET"; for r in "${runs[@]}"; do printf ' %11s %4s' "${coord[$r]}" ""; done; echo
printf '%-34s' "total"; for r in "${runs[@]}"; do printf ' %11s %4s' "${cpu[$r]}" ""; done; echo

echo
echo "Timelines (seconds from submission; gap = one agent's task end to its next task start):"
for r in "${runs[@]}"; do
  farmctl job "${jobid[$r]}" --json | python3 -c '
import json, sys
from datetime import datetime
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
job = json.load(sys.stdin)
t0 = t(job["createTime"]); end = t(job["endTime"])
short = {"TASK_KIND_PROBE": "probe", "TASK_KIND_CHUNK": "c", "TASK_KIND_AUDIO": "audio", "TASK_KIND_STITCH": "stitch", "TASK_KIND_RENDER": "render"}
rows = {}
for task in job.get("tasks", []):
    kind = short.get(task.get("kind", "TASK_KIND_RENDER"), "?")
    if kind == "c": kind = "c%d" % task.get("chunk", {}).get("index", 0)
    for a in task.get("attempts", []):
        if a.get("outcome") != "ATTEMPT_OUTCOME_SUCCEEDED": continue
        rows.setdefault(a["agentName"], []).append((t(a["startTime"]) - t0, t(a["endTime"]) - t0, kind))
gaps = []
print("  %s (job ends at %.2f s)" % (sys.argv[1], end - t0))
for agent, spans in sorted(rows.items()):
    spans.sort()
    gaps += [b[0] - a[1] for a, b in zip(spans, spans[1:])]
    print("    %-8s " % agent + "  ".join("%s %.1f-%.1f" % (k, s, e) for s, e, k in spans))
if gaps: print("    dispatch gaps: %d, mean %.0f ms, max %.0f ms" % (len(gaps), 1000 * sum(gaps) / len(gaps), 1000 * max(gaps)))
' "$r"
done
chunks=$(farmctl job "${jobid[chunked-$(printf '%s\n' $agents_list | head -1)]}" --json | grep -c '"TASK_KIND_CHUNK"' || true)
echo
echo "chunks per job: $chunks; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
