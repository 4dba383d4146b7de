#!/usr/bin/env bash
# `farmctl agents` with an agent in each state, on one machine: a coordinator and nine real agents set up so that
# one is idle, one busy rendering, one paused (its owner types in a terminal), one away by its own hours, one away
# by an operator's schedule (`farmctl agents schedule`), one away because "Resolve" runs, one drained by an operator,
# one unreachable (its process stopped with SIGSTOP, so its stream stays open but silent) and one disconnected.
# Prints the screen and stops everything it started. Linux (it needs `script` for a terminal and /proc).
#   scripts/agents-screen.sh            build, then run
#   SKIP_BUILD=1 scripts/agents-screen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
. scripts/lib/free-port.sh
port=$(free_port)
work=$(mktemp -d "${TMPDIR:-/tmp}/rf-agents-screen.XXXXXX")
media="$work/media"
export RENDERFARM_COORDINATOR="http://127.0.0.1:$port"

scripts/lib/ensure-tools.sh >/dev/null
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== Building" >&2
  dotnet build RenderFarm.sln -c Release -nologo -v quiet >&2
fi
bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }
farmctl() { dotnet "$(bin cli farmctl)" "$@"; }
mkdir -p "$media/in" "$media/out" "$work/logs" "$work/agents" "$work/bin" "$work/slow"

pids=()
stopped=""
cleanup() {
  [ -n "$stopped" ] && kill -CONT "$stopped" 2>/dev/null || true
  # kill -9: an agent stopped politely would first finish its three-minute render (its ffmpeg dies with it).
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A render that lasts as long as its clip: the real ffmpeg reading its input at real-time speed (-readrate 1).
# Capability queries go to the real ffmpeg. Only the busy and the paused agent get it.
real_ffmpeg=$(command -v ffmpeg)
cat >"$work/slow/ffmpeg" <<EOF
#!/bin/sh
for arg in "\$@"; do
  case "\$arg" in -version|-encoders|-decoders|-filters|-codecs|-formats|-pix_fmts|-hwaccels|-buildconf) exec "$real_ffmpeg" "\$@" ;; esac
done
exec "$real_ffmpeg" -readrate 1 "\$@"
EOF
chmod +x "$work/slow/ffmpeg"
ffmpeg -v error -f lavfi -i testsrc2=size=320x180:rate=25 -t 180 -c:v libx264 -pix_fmt yuv420p "$media/in/reel.mp4"

. scripts/lib/farm-access.sh
farm_access "$(bin coordinator renderfarm-coordinator)" "$work/data"
dotnet "$(bin coordinator renderfarm-coordinator)" \
  --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" \
  --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$(free_port)" \
  --Coordinator:DataDirectory="$work/data" \
  --Coordinator:MediaRoots:media="$media" >"$work/logs/coordinator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do farmctl stats >/dev/null 2>&1 && break; sleep 0.2; done

# agent NAME [SETTINGS...]: starts one agent; its pid is in $agent_pid.
agent() {
  local name=$1
  shift
  dotnet "$(bin agent renderfarm-agent)" --Agent:Name="$name" --Agent:Coordinator="$RENDERFARM_COORDINATOR" \
    --Agent:DataDirectory="$work/agents/$name" --Agent:MediaRoots:media="$media" --Agent:Guest:CheckInterval=00:00:01 \
    "$@" >"$work/logs/$name.log" 2>&1 &
  agent_pid=$!
  pids+=($agent_pid)
}
# until 'what' COMMAND...: waits (up to 60 s) until COMMAND succeeds.
until_() {
  local what=$1
  shift
  for _ in $(seq 1 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "gave up waiting for $what" >&2
  exit 1
}
listed() { farmctl agents --json | python3 -c "import json,sys; a={x['name']:x for x in json.load(sys.stdin).get('agents',[])}; sys.exit(0 if $1 else 1)"; }

# The owner's terminal: a pseudo-terminal whose last input (its access time) the paused agent watches.
script -qfc "sleep 600" /dev/null </dev/null >/dev/null 2>&1 &
pids+=($!)
until_ "a terminal" sh -c 'ls /dev/pts | grep -q "^[0-9]"'
tty=/dev/pts/$(ls -t /dev/pts | grep '^[0-9]' | head -1)

echo "== Starting the busy and the paused agent, then two renders of a 3 min reel (one each)" >&2
PATH="$work/slow:$PATH" agent ws-busy
PATH="$work/slow:$PATH" agent ws-paused --Agent:Guest:IdleMinutes=0.05 --Agent:Guest:OwnerReturns=Pause
until_ "ws-busy and ws-paused to take work" listed "a.get('ws-busy',{}).get('state')=='AGENT_STATE_IDLE' and a.get('ws-paused',{}).get('state')=='AGENT_STATE_IDLE'"
for n in 1 2; do
  farmctl submit transcode "$media/in/reel.mp4" "$media/out/reel-$n.mp4" --preset h264-proxy-540p --whole-file --name "reel $n" >/dev/null
done
until_ "both renders to run" listed "all(a.get(n,{}).get('state')=='AGENT_STATE_BUSY' for n in ('ws-busy','ws-paused'))"

echo "== Starting the others" >&2
day=$(date -u -d '+2 days' +%a)
agent ws-idle
agent ws-own-hours --Agent:Guest:Hours="$day 19:00-23:00" --Agent:Guest:TimeZone=UTC
agent ws-night
agent ws-resolve --Agent:Guest:BlockingApps:0=Resolve
cp "$(command -v sleep)" "$work/bin/resolve"
"$work/bin/resolve" 600 &
pids+=($!)
agent ws-drained
agent ws-stalled
stalled_pid=$agent_pid
agent ws-gone
gone_pid=$agent_pid
until_ "every agent to connect" listed "len([x for x in a.values() if x['state']!='AGENT_STATE_DISCONNECTED'])==9"

# The operator's schedule: nights and weekends in UTC when now is a weekday's day, else hours two days ahead.
if [ "$(date -u +%u)" -le 5 ] && [ "$(date -u +%H)" -ge 8 ] && [ "$(date -u +%H)" -lt 19 ]; then
  hours="Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day"
else
  hours="$day 19:00-23:00"
fi
echo "\$ farmctl agents schedule ws-night \"$hours\" --time-zone UTC"
farmctl agents schedule ws-night "$hours" --time-zone UTC
echo "\$ farmctl agents drain ws-drained --reason \"kernel update\""
farmctl agents drain ws-drained --reason "kernel update"
kill -STOP "$stalled_pid"
stopped=$stalled_pid
kill "$gone_pid"
# The owner types: input on the terminal every half second pauses ws-paused's render.
(while :; do touch -a "$tty"; sleep 0.5; done) &
pids+=($!)

until_ "ws-paused to pause, ws-stalled to go silent" listed "a['ws-paused']['state']=='AGENT_STATE_PAUSED' and a['ws-stalled']['state']=='AGENT_STATE_UNREACHABLE' and a['ws-night']['awayReason'].startswith('outside')"
sleep 3
echo "\$ farmctl agents"
farmctl agents
