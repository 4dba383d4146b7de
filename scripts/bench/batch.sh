#!/usr/bin/env bash
# A folder of short phone clips made into proxies: through the farm, the way an editor submits it (one
# `farmctl submit --recipe R --folder DIR --wait`), against GNU parallel running the very same ffmpeg command lines by
# hand, on the same machine in the same run.
#  - clips: N phone-like clips of 3-15 s (HEVC Main 10 tagged HLG, PQ or BT.709, and H.264; some variable frame rate),
#    cut by stream copy from a handful of sources encoded once; kept in a cache folder named by the parameters, so a
#    rerun skips making them;
#  - (b) the farm: a coordinator and ONE agent with as many slots as cores (each ffmpeg on every core, as by default);
#  - (a) by hand: `parallel -j CORES` over the command lines the agent ran for each clip (from its own log), with only
#    the input and output paths rewritten, so both sides do the same encoding work;
#  - wall time, CPU time (user + system of everything each side ran) and farm / parallel, against the target (the farm
#    within 5 % of parallel on one machine), and where the farm's time between two renders goes;
#  - then two agents on loopback, each with half the cores (slots and ffmpeg threads), for how the work splits and
#    what a second machine's agent would give (the projection and its assumption are printed);
#  - every output counted and probed (video packets > 0, and the same count on both sides), so a fast wrong run
#    cannot look good; the load average at the start and the end.
# Both sides' ffmpeg run at the same priority: the agent with Agent:FfmpegNice=$RENDERFARM_BENCH_NICE (default 0) and
# no idle I/O class, parallel's ffmpeg under the same `nice`.
# usage: scripts/bench/batch.sh [clips=200] [--preset h264-proxy-540p] [--size 1920x1080] [--no-split]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
clips=200
if [ $# -gt 0 ] && [[ $1 != --* ]]; then clips=$1; shift; fi
preset=h264-proxy-540p; size=1920x1080; split=1
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --no-split) split=0; shift ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
cores=$(nproc)
half=$((cores / 2 > 0 ? cores / 2 : 1))
nice_level=${RENDERFARM_BENCH_NICE:-0}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

scripts/lib/ensure-bench-tools.sh
for project in coordinator agent cli; do dotnet build "$project" -c Release -nologo -v quiet >/dev/null; done
bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }
farmctl() { dotnet "$(bin cli farmctl)" "$@"; }
work=$(mktemp -d /tmp/rf-batch-XXXX)
out="$work/out"
mkdir -p "$out"
now() { date +%s.%N; }

# --- The clips (cached) -----------------------------------------------------------------------------------------------
cache_root=${RENDERFARM_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/renderfarm-bench}
clipdir="$cache_root/batch-v1-$clips-$size"
if [ ! -f "$clipdir/.complete" ]; then
  echo "making $clips clips in $clipdir (once; reruns reuse them)" >&2
  rm -rf "$clipdir" "$clipdir.partial"
  mkdir -p "$clipdir.partial/sources"
  src="$clipdir.partial/sources"
  lavfi() { echo "-f lavfi -i testsrc2=size=$size:rate=$1:duration=15 -f lavfi -i sine=frequency=$2:sample_rate=48000:duration=15"; }
  vfr="-vf select='not(eq(mod(n\,5)\,4))' -fps_mode vfr"
  hevc="-c:v libx265 -preset ultrafast -x265-params log-level=error:bframes=0 -pix_fmt yuv420p10le -tag:v hvc1"
  h264="-c:v libx264 -preset veryfast -bf 0 -pix_fmt yuv420p -color_primaries bt709 -color_trc bt709 -colorspace bt709"
  audio="-c:a aac -b:a 128k -ac 2"
  ff() { eval "ffmpeg -hide_banner -loglevel error -nostdin -y $*"; }
  # HEVC Main 10 HLG, variable frame rate (an iPhone's default); HEVC Main 10 PQ; HEVC Main 10 SDR; H.264 30 fps;
  # H.264 variable frame rate; H.264 25 fps. No B-frames (as phones' hardware encoders), so a stream-copy cut ends
  # cleanly: the clip's streams and its container end together.
  ff "$(lavfi 30 440) $vfr $hevc -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc $audio $src/hevc-hlg-vfr.mov"
  ff "$(lavfi 30 550) $hevc -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc $audio $src/hevc-pq.mov"
  ff "$(lavfi 30 660) $hevc -color_primaries bt709 -color_trc bt709 -colorspace bt709 $audio $src/hevc-sdr.mov"
  ff "$(lavfi 30 770) $h264 $audio $src/h264.mp4"
  ff "$(lavfi 30 880) $vfr $h264 $audio $src/h264-vfr.mp4"
  ff "$(lavfi 25 990) $h264 $audio $src/h264-25.mp4"
  mapfile -t sources < <(ls "$src")
  for i in $(seq 1 "$clips"); do
    s=${sources[$(((i - 1) % ${#sources[@]}))]}
    seconds=$((3 + (i * 7) % 13))   # 3 to 15 s, spread evenly
    case "$s" in
      *.mov) name=$(printf 'IMG_%04d.MOV' "$i") ;;
      *) name=$(printf 'VID_20261207_%04d.mp4' "$i") ;;
    esac
    ffmpeg -hide_banner -loglevel error -nostdin -y -i "$src/$s" -t "$seconds" -map 0 -c copy "$clipdir.partial/$name"
  done
  rm -rf "$src"
  touch "$clipdir.partial/.complete"
  mv "$clipdir.partial" "$clipdir"
fi
mapfile -t names < <(ls "$clipdir")
[ "${#names[@]}" -eq "$clips" ] || { echo "expected $clips clips in $clipdir, found ${#names[@]}" >&2; exit 1; }
seconds_total=$(for n in "${names[@]}"; do ffprobe -v error -show_entries format=duration -of csv=p=0 "$clipdir/$n"; done | awk '{s += $1} END {printf "%.0f", s}')
echo "clips: $clips in $clipdir ($seconds_total s of footage, $size, $(ls "$clipdir" | grep -c MOV) HEVC Main 10, $(ls "$clipdir" | grep -c mp4) H.264); preset $preset; $cores cores" >&2

# --- Processes and their CPU -----------------------------------------------------------------------------------------
# Every farm process starts under a small reaper (PR_SET_CHILD_SUBREAPER): what its children leave behind (a render's
# watcher, its sleep) is reaped there, so the CPU of everything the farm ran is in the reaper's cutime + cstime, or
# in the live process's own utime + stime + cutime + cstime.
cat >"$work/reaper.py" <<'EOF'
import ctypes, os, signal, sys
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
child = os.fork()
if child == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
def forward(signum, frame):
    try: os.kill(child, signum)
    except ProcessLookupError: pass
signal.signal(signal.SIGTERM, forward)
signal.signal(signal.SIGINT, forward)
code = 0
while True:
    try:
        pid, status = os.wait()
    except ChildProcessError:
        break
    if pid == child:
        code = os.waitstatus_to_exitcode(status)
sys.exit(code)
EOF
reapers=()
cleanup() {
  local p c
  for p in "${reapers[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    c=0; for p in "${reapers[@]}"; do kill -0 "$p" 2>/dev/null && c=1; done
    [ "$c" = 0 ] && break; sleep 0.2
  done
  for p in "${reapers[@]}"; do
    for c in $(cat "/proc/$p/task/$p/children" 2>/dev/null); do kill -9 "$c" 2>/dev/null || true; done
    kill -9 "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ -n "${RENDERFARM_BENCH_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
ticks=$(getconf CLK_TCK)
# start NAME COMMAND...: runs COMMAND under a reaper (log in $work/NAME.log); sets $started to the reaper's pid
start() {
  local name=$1; shift
  python3 "$work/reaper.py" "$@" >"$work/$name.log" 2>&1 &
  started=$!
  reapers+=("$started")
}
# parts REAPER: CPU ticks so far of the process under REAPER: "own waited orphans" (its own user + system; what the
# processes it waited for used; what the reaper collected from processes whose parent had gone)
parts() {
  local r=$1 c own=0 waited=0 orphans
  orphans=$(awk '{print $16 + $17}' "/proc/$r/stat")
  for c in $(cat "/proc/$r/task/$r/children" 2>/dev/null); do
    read -r o w < <(awk '{print $14 + $15, $16 + $17}' "/proc/$c/stat" 2>/dev/null || echo "0 0")
    own=$((own + o)); waited=$((waited + w))
  done
  echo "$own $waited $orphans"
}
# cpu REAPER...: every part of each, in one line
cpu() { local r; for r in "$@"; do parts "$r"; done | tr '\n' ' '; echo; }
# stop REAPER: stops its process (SIGTERM: an agent drains) and waits for it
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
secs() { echo "scale=2; $1 / $ticks" | bc; }

. scripts/lib/free-port.sh
port=$(free_port)
export RENDERFARM_COORDINATOR="http://127.0.0.1:$port"
. scripts/lib/farm-access.sh
farm_access "$(bin coordinator renderfarm-coordinator)" "$work/data"
start coordinator dotnet "$(bin coordinator renderfarm-coordinator)" --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" \
  --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$(free_port)" --Coordinator:DataDirectory="$work/data" \
  --Coordinator:MediaRoots:clips="$clipdir" --Coordinator:MediaRoots:out="$out"
coordinator=$started
for _ in $(seq 1 150); do farmctl stats >/dev/null 2>&1 && break; sleep 0.2; done
# agent NAME SLOTS THREADS: starts an agent and waits until it is connected; sets $started
agent() {
  start "agent-$1" dotnet "$(bin agent renderfarm-agent)" --Agent:Name="$1" --Agent:Slots="$2" --Agent:FfmpegThreads="$3" \
    --Agent:FfmpegNice="$nice_level" --Agent:FfmpegIdleIo=false --Agent:MediaRoots:clips="$clipdir" --Agent:MediaRoots:out="$out" \
    --Agent:Coordinator="http://127.0.0.1:$port" --Agent:DataDirectory="$work/agent-$1" --Agent:LogRetentionCount=100000 \
    --Logging:Console:FormatterName=simple --Logging:Console:FormatterOptions:TimestampFormat="yyyy-MM-ddTHH:mm:ss.fffZ " \
    --Logging:Console:FormatterOptions:UseUtcTimestamp=true --Logging:Console:FormatterOptions:SingleLine=true
  for _ in $(seq 1 150); do farmctl agents --json | grep -q "\"$1\"" && break; sleep 0.2; done
}
for r in warm one two; do
  farmctl recipes create "bench-$r" --preset "$preset" --output "$out/$r/{name}.mp4" >/dev/null
done
# batch RECIPE NAME...|--folder: submits a batch and waits for it, as an editor does; prints the batch id
batch() {
  local recipe=$1; shift
  farmctl submit --recipe "$recipe" "$@" --wait --json >"$work/$recipe.json" || { cat "$work/$recipe.json" >&2; exit 1; }
  grep -o 'batch-[0-9a-f]*' "$work/$recipe.json" | head -1
}

# The inputs are read once before either side runs, so both find them in the page cache.
cat "$clipdir"/* >/dev/null

# --- (b) The farm: one agent, as many slots as cores -----------------------------------------------------------------
agent one "$cores" 0
agent_one=$started
# Warm-up (not counted): a long-lived farm pays its processes' start and JIT once, not per batch.
batch bench-warm "$clipdir/${names[0]}" "$clipdir/${names[1]}" >/dev/null
rm -rf "$out/warm"
sleep 1
read -r -a c0 < <(cpu "$coordinator" "$agent_one"); t0=$(now)
/usr/bin/time -f "%U %S" -o "$work/farmctl.time" \
  dotnet "$(bin cli farmctl)" submit --recipe bench-one --folder "$clipdir" --glob '*' --wait --json >"$work/bench-one.json" \
  || { tail -5 "$work/bench-one.json" >&2; exit 1; }
t1=$(now); read -r -a c1 < <(cpu "$coordinator" "$agent_one")
farm_wall=$(echo "$t1 - $t0" | bc)
farmctl_cpu=$(awk '{print $1 + $2}' "$work/farmctl.time")
# coordinator: own, waited, orphans; agent: own (.NET), waited (ffmpeg, ffprobe, the render launchers), orphans
d=(); total=0
for i in 0 1 2 3 4 5; do d+=("$(secs $((c1[i] - c0[i])))"); total=$((total + c1[i] - c0[i])); done
farm_cpu=$(echo "$(secs "$total") + $farmctl_cpu" | bc)
echo "  farm, 1 agent x $cores slots: ${farm_wall} s wall, ${farm_cpu} s CPU (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2

# --- (a) By hand: GNU parallel over the same ffmpeg command lines ---------------------------------------------------
# The agent logs each render's command: ffmpeg runs in a scratch folder on "input.EXT" (a link to the clip) and
# writes "output.EXT". Only those two names are rewritten: the clip's path and parallel's own output.
mkdir -p "$out/par"
grep -o 'rendering .* -> [^ ]*/one/[^ ]*: ffmpeg .*' "$work/agent-one.log" | python3 -c '
import re, shlex, sys
nice = sys.argv[1]
for line in sys.stdin:
    m = re.match(r"rendering (.+?) -> (\S+): ffmpeg (.*)$", line.rstrip("\n"))
    source, target, args = m.groups()
    name = target.rsplit("/", 1)[1]
    par = target.replace("/one/", "/par/")
    args = re.sub(r"(?<![\w./-])\"?input\.\w+\"?(?=\s)", shlex.quote(source), args, count=1)
    args = re.sub(r"(?<![\w./-])\"?output\.\w+\"?(?=\s|$)", shlex.quote(par), args, count=1)
    prefix = "nice -n %s " % nice if nice != "0" else ""
    print("%sffmpeg -nostdin %s 2>%s" % (prefix, args, shlex.quote(par + ".log")))
' "$nice_level" >"$work/commands.txt"
[ "$(wc -l <"$work/commands.txt")" -eq "$clips" ] || { echo "found $(wc -l <"$work/commands.txt") ffmpeg commands in the agent's log, expected $clips" >&2; exit 1; }
echo "  e.g. $(head -1 "$work/commands.txt")" >&2
sleep 1
t0=$(now)
/usr/bin/time -f "%U %S" -o "$work/parallel.time" parallel -j "$cores" --joblog "$work/parallel.joblog" <"$work/commands.txt"
t1=$(now)
par_wall=$(echo "$t1 - $t0" | bc)
par_cpu=$(awk '{print $1 + $2}' "$work/parallel.time")
rm -f "$out/par/"*.log
echo "  parallel -j $cores: ${par_wall} s wall, ${par_cpu} s CPU (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2

# --- Where the farm's time between two renders goes --------------------------------------------------------------
# From the agent's log (its clock): each attempt's start (assignment received), ffmpeg's start, ffmpeg's end (the
# slot given back) and publication. The slot freed by the k-th render to end is filled by the (k + slots)-th to start.
gaps() { # LOG SLOTS: tasks, busy s (received -> published, summed), span s, and medians in ms of: a slot's idle time
  #                    (ffmpeg end -> next ffmpeg start), ffmpeg end -> next assignment received, received -> ffmpeg start
  python3 - "$1" "$2" <<'EOF'
import re, sys
from datetime import datetime
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
started, ffmpeg, returned, published = {}, {}, {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+Z) .*Attempt ([^\s:]+) of job \S+ started", line)
    if m: started[m.group(2)] = t(m.group(1)); continue
    m = re.match(r"(\S+Z) .*Attempt ([^\s:]+): rendering .*/(one|two)/", line)
    if m: ffmpeg[m.group(2)] = t(m.group(1)); continue
    m = re.match(r"(\S+Z) .*Attempt ([^\s:]+): ffmpeg ended", line)
    if m: returned[m.group(2)] = t(m.group(1)); continue
    m = re.match(r"(\S+Z) .*Attempt ([^\s:]+) published ", line)
    if m: published[m.group(2)] = t(m.group(1))
ids = [a for a in ffmpeg if a in started and a in published]
slots = int(sys.argv[2])
ends = sorted(returned.get(a, published[a]) for a in ids)
starts = sorted(started[a] for a in ids); renders = sorted(ffmpeg[a] for a in ids)
idle = [renders[k + slots] - ends[k] for k in range(len(ends) - slots)]
dispatch = [starts[k + slots] - ends[k] for k in range(len(ends) - slots)]
prep = [ffmpeg[a] - started[a] for a in ids]
busy = sum(published[a] - started[a] for a in ids)
med = lambda v: sorted(v)[len(v) // 2] if v else 0
print("%d %.2f %.2f %.1f %.1f %.1f" % (len(ids), busy, max(published[a] for a in ids) - min(starts), 1000 * med(idle), 1000 * med(dispatch), 1000 * med(prep)))
EOF
}
read -r _ _ _ idle_med dispatch_med prep_med < <(gaps "$work/agent-one.log" "$cores")
# Each step of a task as the agent and coordinator timed it (farmctl job ID --timeline), medians over a sample of jobs.
mapfile -t sample < <(python3 -c '
import re, sys
jobs, ours = {}, set()
for line in open(sys.argv[1]):
    m = re.search(r"Attempt (\S+) of job (\S+) started", line)
    if m: jobs[m.group(1)] = m.group(2)
    m = re.search(r"Attempt (\S+): rendering .* -> \S+/one/", line)
    if m: ours.add(m.group(1))
ids = [jobs[a] for a in jobs if a in ours]
step = max(1, len(ids) // 20)
print("\n".join(ids[::step]))
' "$work/agent-one.log")
for id in "${sample[@]}"; do farmctl job "$id" --timeline | awk 'NF == 4 && $1 != "phase" { print $1, $3, $4 }'; done >"$work/phases"

# --- Every output checked ----------------------------------------------------------------------------------------
# packets DIR: "name video-packets" per output
packets() {
  for f in "$1"/*; do
    echo "$(basename "$f") $(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$f")"
  done
}
check() { # DIR LABEL
  local n bad
  n=$(ls "$1" | wc -l)
  packets "$1" >"$work/packets-$2"
  bad=$(awk '!($2 > 0)' "$work/packets-$2" | wc -l)
  [ "$n" -eq "$clips" ] && [ "$bad" -eq 0 ] || { echo "$2: $n outputs (expected $clips), $bad without video" >&2; exit 1; }
  echo "$n outputs, each with video ($(awk '{s += $2} END {print s}' "$work/packets-$2") frames)"
}
check_one=$(check "$out/one" farm)
check_par=$(check "$out/par" parallel)
diff -q "$work/packets-farm" "$work/packets-parallel" >/dev/null || { echo "the farm's and parallel's outputs differ in frame counts:" >&2; diff "$work/packets-farm" "$work/packets-parallel" | head >&2; exit 1; }

# --- Two agents on loopback, each with half the cores ------------------------------------------------------------
if [ "$split" = 1 ]; then
  stop "$agent_one"
  agent two-a "$half" "$half"; agent_a=$started
  agent two-b "$half" "$half"; agent_b=$started
  batch bench-warm "$clipdir/${names[0]}" "$clipdir/${names[1]}" "$clipdir/${names[2]}" "$clipdir/${names[3]}" >/dev/null
  rm -rf "$out/warm"
  sleep 1
  t0=$(now)
  batch bench-two --folder "$clipdir" --glob '*' >/dev/null
  two_wall=$(echo "$(now) - $t0" | bc)
  check_two=$(check "$out/two" two)
  diff -q "$work/packets-farm" "$work/packets-two" >/dev/null || { echo "the two agents' outputs differ in frame counts from one agent's" >&2; exit 1; }
  read -r tasks_a busy_a span_a idle_a _ _ < <(gaps "$work/agent-two-a.log" "$half")
  read -r tasks_b busy_b span_b idle_b _ _ < <(gaps "$work/agent-two-b.log" "$half")
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Report --------------------------------------------------------------------------------------------------------
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
pct() { echo "($1 / $2 - 1) * 100" | bc -l; }
echo
echo "$clips clips ($seconds_total s of footage, $size) to $preset on $cores cores; load average at the start $load_start, at the end $load_end"
printf '%-44s %9s %9s\n' "" "wall s" "CPU s"
printf '%-44s %9.1f %9.1f\n' "(a) parallel -j $cores, same ffmpeg commands" "$par_wall" "$par_cpu"
printf '%-44s %9.1f %9.1f\n' "(b) farm: 1 agent x $cores slots, one batch" "$farm_wall" "$farm_cpu"
printf '%-44s %9.3f %9.3f   (target: wall <= 1.05)\n' "farm / parallel" "$(echo "$farm_wall / $par_wall" | bc -l)" "$(echo "$farm_cpu / $par_cpu" | bc -l)"
echo "  the farm's CPU, s: agent .NET ${d[3]}, what the agent ran (ffmpeg, ffprobe, launchers) ${d[4]}, left by its"
echo "  launchers (render watchers) ${d[5]}; coordinator .NET ${d[0]} (+ ${d[1]} waited, ${d[2]} orphans); farmctl $farmctl_cpu"
echo "  beyond parallel's CPU: $(echo "$farm_cpu - $par_cpu" | bc) s = $(printf '%.0f' "$(echo "1000 * ($farm_cpu - $par_cpu) / $clips" | bc -l)") ms per clip"
echo "outputs: farm $check_one; parallel $check_par; the same frame count per clip on both sides"
echo
echo "between two renders on the agent (its log; median over the batch):"
printf '  %-62s %7.1f ms\n' "a render slot idle: ffmpeg ended -> the slot's next ffmpeg started" "$idle_med"
printf '  %-62s %7.1f ms\n' "  of it: ffmpeg ended (slot given back) -> next task received" "$dispatch_med"
printf '  %-62s %7.1f ms\n' "  of it: task received -> ffmpeg started (open, probe, scratch)" "$prep_med"
echo "each step of a task, medians over ${#sample[@]} jobs (farmctl job ID --timeline; ms):"
printf '  %-22s %9s %9s\n' phase took "gap before"
awk '!seen[$1]++ { print $1 }' "$work/phases" | while read -r phase; do
  took=$(awk -v p="$phase" '$1 == p && $2 != "-" { print $2 }' "$work/phases")
  gap=$(awk -v p="$phase" '$1 == p && $3 != "-" { print $3 }' "$work/phases")
  printf '  %-22s %9s %9s\n' "$phase" "$( [ -n "$took" ] && printf '%.1f' "$(median $took)" || echo -)" "$( [ -n "$gap" ] && printf '%.1f' "$(median $gap)" || echo -)"
done
if [ "$split" = 1 ]; then
  echo
  echo "two agents on loopback, each $half slot(s) x $half ffmpeg thread(s) (half the machine each): ${two_wall} s wall; outputs $check_two"
  printf '  %-6s %6s %12s %12s %16s\n' agent tasks "busy s" "span s" "slot idle ms"
  printf '  %-6s %6s %12.1f %12.1f %16.1f\n' two-a "$tasks_a" "$busy_a" "$span_a" "$idle_a"
  printf '  %-6s %6s %12.1f %12.1f %16.1f\n' two-b "$tasks_b" "$busy_b" "$span_b" "$idle_b"
  echo "  (busy: each task from its assignment to its publication, summed; span: the agent's first assignment to its last"
  echo "  publication; slot idle: median from one ffmpeg's end to the next's start on the same slot)"
  longest=$(printf '%s\n' "$span_a" "$span_b" | sort -n | tail -1)
  projected=$(echo "$longest * $half / $cores" | bc -l)
  echo "  projection for a second machine: each agent stood for a machine of $half core(s); a machine of $cores"
  echo "  cores does the same tasks in $half/$cores of the time (assumption: render time scales inversely with cores, as"
  echo "  slots x threads do here; storage and network between machines add nothing; a task's fixed costs scale too)."
  printf '  two machines of %s cores:  wall ~ the longer span x %s/%s = %.1f s; parallel on one machine %.1f s: %.2fx faster\n' \
    "$cores" "$half" "$cores" "$projected" "$par_wall" "$(echo "$par_wall / $projected" | bc -l)"
fi
