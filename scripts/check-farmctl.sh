#!/usr/bin/env bash
# Runs a published farmctl (Native AOT or ReadyToRun, default out/cli/farmctl) against a real farm on loopback (one
# coordinator, one agent, 1 s clips) and checks what a user relies on: submit --wait and its exit code, the tables,
# --json outputs (valid JSON, and the same documents as the JIT-run build output prints), the timeline, watch, agents,
# stats, thumbnail, logs, the config file, and the exit codes of the errors. Prints one line per check and
# "N passed, N failed"; exits non-zero when a check failed. For a native binary this is what catches a trimmed-away
# type or a reflection path that only breaks at run time.
#   scripts/check-farmctl.sh [FARMCTL]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
ctl=$(realpath "${1:-out/cli/farmctl}")
[ -x "$ctl" ] || { echo "no farmctl at $ctl; publish it first: scripts/publish-farmctl.sh" >&2; exit 2; }
work=$(mktemp -d /tmp/rf-farmctl-check-XXXX)
media="$work/media"
mkdir -p "$media"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
scripts/lib/ensure-tools.sh >/dev/null
dotnet build coordinator -c Release -nologo -v quiet >/dev/null
dotnet build agent -c Release -nologo -v quiet >/dev/null
dotnet build cli -c Release -nologo -v quiet >/dev/null
jit="$repo/cli/bin/Release/net10.0/farmctl"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30:duration=1 -f lavfi -i sine=duration=1 \
  -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac "$media/clip.mp4"
printf 'not a video\n' >"$media/broken.mp4"
. scripts/lib/local-farm.sh
local_farm "$repo" "$work" "$media"

passed=0 failed=0
check() { # check NAME CONDITION...: the condition is a command
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok    $name"; else failed=$((failed + 1)); echo "FAIL  $name" >&2; fi
}
run() { # run NAME ARGS...: runs the checked farmctl, keeps stdout, stderr and the exit code under $work/NAME.*
  local name=$1; shift
  set +e; (cd "$media" && "$ctl" "$@") >"$work/$name.out" 2>"$work/$name.err"; echo $? >"$work/$name.rc"; set -e
}
rc() { [ "$(cat "$work/$1.rc")" = "$2" ]; }
has() { grep -q -- "$2" "$work/$1.out"; }
json() { python3 -c 'import json, sys; json.load(sys.stdin)' <"$work/$1.out"; }
same_as_jit() { # the checked binary and the JIT build print the same document for the same read-only command
  local name=$1; shift
  (cd "$media" && "$jit" "$@") >"$work/$name.jit" 2>&1 && cmp -s "$work/$name.out" "$work/$name.jit"
}

run version --version
check "--version prints the version" eval 'rc version 0 && grep -Eq "^[0-9]+\.[0-9]+" "$work/version.out"'
run submit-wait submit transcode clip.mp4 out-1.mp4 --preset h264-proxy-720p --wait
check "submit --wait exits 0 once the job succeeded" rc submit-wait 0
check "the output is H.264 with the clip's 30 frames" eval '[ "$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=codec_name,nb_read_frames -of csv=p=0 "$media/out-1.mp4")" = "h264,30" ]'
run submit-json submit transcode clip.mp4 out-2.mp4 --preset h264-proxy-720p --json
check "submit --json writes a JSON document with the job" eval 'rc submit-json 0 && json submit-json && has submit-json "job-"'
id=$(grep -o 'job-[0-9a-f]*' "$work/submit-json.out" | head -1)
run watch-json watch "$id" --json
check "watch --json follows the job to its end and writes it as JSON, exit 0" eval 'rc watch-json 0 && json watch-json && has watch-json JOB_STATE_SUCCEEDED'
run watch watch "$id"
check "watch of a finished job prints its outcome, exit 0" eval 'rc watch 0 && has watch "$id"'
run jobs jobs
check "jobs lists both jobs" eval 'rc jobs 0 && has jobs "$id"'
run jobs-json jobs --json
check "jobs --json is JSON and the same as the JIT build's" eval 'rc jobs-json 0 && json jobs-json && same_as_jit jobs-json jobs --json'
run job-json job "$id" --json
check "job --json is JSON and the same as the JIT build's" eval 'rc job-json 0 && json job-json && has job-json createTime && same_as_jit job-json job "$id" --json'
run job job "$id"
check "job shows the job and its attempt" eval 'rc job 0 && has job "$id" && has job local && same_as_jit job job "$id"'
run timeline job "$id" --timeline
check "job --timeline has the ffmpeg phase" eval 'rc timeline 0 && has timeline "ffmpeg" && same_as_jit timeline job "$id" --timeline'
run agents agents
check "agents lists the agent" eval 'rc agents 0 && has agents local'
run agents-json agents --json
check "agents --json is JSON" eval 'rc agents-json 0 && json agents-json && has agents-json "\"local\""'
run stats-json stats --json
check "stats --json is JSON" eval 'rc stats-json 0 && json stats-json'
run thumbnail thumbnail "$id" -o poster.jpg
check "thumbnail writes a JPEG" eval 'rc thumbnail 0 && [ "$(head -c 2 "$media/poster.jpg" | od -An -tx1 | tr -d " ")" = ffd8 ]'
run thumbnail-json thumbnail "$id" -o poster.jpg --json
check "thumbnail --json is JSON with the size" eval 'rc thumbnail-json 0 && json thumbnail-json && has thumbnail-json width'
run logs logs "$id"
check "logs prints the attempt's ffmpeg log" eval 'rc logs 0 && [ -s "$work/logs.out" ]'
run broken submit transcode broken.mp4 out-3.mp4 --preset h264-proxy-720p --wait
check "submit --wait of a job whose input is not a video: exit 1, saying it failed" eval 'rc broken 1 && grep -q "failed" "$work/broken.err"'
run unknown job job-0000000000000000
check "an unknown job: exit 3 with a message" eval 'rc unknown 3 && grep -q "job-0000000000000000" "$work/unknown.err"'
run usage submit transcode --no-such-option
check "a bad command line: exit 64" rc usage 64
run unreachable --coordinator http://127.0.0.1:1 jobs
check "an unreachable coordinator: exit 4 with what to do" eval 'rc unreachable 4 && grep -q "could not reach" "$work/unreachable.err"'
printf '{"apiKey": "%s"}\n' "$RENDERFARM_API_KEY" >"$work/farmctl.json"
chmod 600 "$work/farmctl.json"
(unset RENDERFARM_API_KEY; RENDERFARM_CONFIG="$work/farmctl.json" run config jobs)
check "the API key from the config file (JSON) is used" eval 'rc config 0 && has config "$id"'
printf '{"apiKey": ' >"$work/bad.json"
(unset RENDERFARM_API_KEY; RENDERFARM_CONFIG="$work/bad.json" run bad-config jobs)
check "a config file that is not JSON: a warning, and no key (exit 3)" eval 'rc bad-config 3 && grep -q "is not valid JSON" "$work/bad-config.err"'

echo "farmctl checked: $ctl"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
