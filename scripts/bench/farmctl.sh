#!/usr/bin/env bash
# farmctl's start, three ways in one run, alternating: JIT (the build output), ReadyToRun and Native AOT (both from
# scripts/publish-farmctl.sh). For each: its size on disk, its publish time (the protocol library built, farmctl
# compiled afresh), and the median over the runs of `farmctl --version`, `farmctl jobs` against a running coordinator, and a
# `farmctl submit --wait` of a 1 s clip split as the overhead bench splits it: CLI start -> SubmitJob recorded
# (cli-to-submitted) and job ended -> CLI exit (job-ended-to-cli-exit).
# usage: scripts/bench/farmctl.sh [runs=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
runs=${1:-10}
work=$(mktemp -d /tmp/rf-bench-farmctl-XXXX)
media="$work/media"
mkdir -p "$media"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
scripts/lib/ensure-tools.sh >/dev/null
scripts/lib/ensure-aot-tools.sh
dotnet build RenderFarm.sln -c Release -nologo -v quiet >/dev/null

now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000" | bc; }
declare -A bin size publish
bin[jit]="$repo/cli/bin/Release/net10.0/farmctl"
size[jit]=$(du -cb "$repo"/cli/bin/Release/net10.0/*.dll "${bin[jit]}" | tail -1 | cut -f1)
publish[jit]=-
rid=$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')
for v in r2r aot; do
  rm -rf "cli/obj/Release/net10.0/$rid" "cli/bin/Release/net10.0/$rid"   # no incremental shortcut: each publish compiles
  start=$(now)
  scripts/publish-farmctl.sh "--$v" "$work/$v" 2>/dev/null
  publish[$v]=$(printf '%.0f' "$(echo "$(now) - $start" | bc)")
  bin[$v]="$work/$v/farmctl"
  size[$v]=$(du -cb --exclude='*.pdb' --exclude='*.dbg' "$work/$v" | tail -1 | cut -f1)
done

ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30:duration=1 -f lavfi -i sine=duration=1 \
  -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac "$media/clip.mp4"
. scripts/lib/local-farm.sh
local_farm "$repo" "$work" "$media"
echo "farmctl jit / r2r / aot, $runs runs each, alternating; 1 s 640x360 clip, preset h264-proxy-720p" >&2
"${bin[aot]}" submit transcode "$media/clip.mp4" "$media/warmup.mp4" --preset h264-proxy-720p --wait >/dev/null

: >"$work/times"
epoch() { date -d "$1" +%s.%N; }
for i in $(seq 1 "$runs"); do
  for v in jit r2r aot; do
    ctl=${bin[$v]}
    start=$(now); "$ctl" --version >/dev/null; echo "$v version $(ms "$start" "$(now)")" >>"$work/times"
    start=$(now); "$ctl" jobs --limit 20 >/dev/null; echo "$v jobs $(ms "$start" "$(now)")" >>"$work/times"
    start=$(now)
    id=$("$ctl" submit transcode "$media/clip.mp4" "$media/out-$v-$i.mp4" --preset h264-proxy-720p --wait --json | grep -o 'job-[0-9a-f]*' | head -1)
    ended=$(now)
    read -r created finished < <("${bin[aot]}" job "$id" --json | python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["createTime"], j["endTime"])')
    created=$(epoch "$created") finished=$(epoch "$finished")
    echo "$v cli-to-submitted $(ms "$start" "$created")" >>"$work/times"
    echo "$v job-ended-to-cli-exit $(ms "$finished" "$ended")" >>"$work/times"
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
cell() { awk -v v="$1" -v m="$2" '$1 == v && $2 == m { print $3 }' "$work/times" | median; }
printf '%-6s %9s %10s %14s %11s %18s %23s\n' farmctl size_MB publish_s "--version_ms" jobs_ms cli-to-submitted_ms job-ended-to-cli-exit_ms
for v in jit r2r aot; do
  printf '%-6s %9.1f %10s %14.0f %11.0f %18.0f %23.0f\n' "$v" "$(echo "${size[$v]} / 1048576" | bc -l)" "${publish[$v]}" \
    "$(cell "$v" version)" "$(cell "$v" jobs)" "$(cell "$v" cli-to-submitted)" "$(cell "$v" job-ended-to-cli-exit)"
done
