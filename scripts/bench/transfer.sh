#!/usr/bin/env bash
# Transfer mode throughput: a 1 GB input downloaded by hash from a real coordinator process over loopback
# (h2c), and the same bytes uploaded back as an output (checked chunk by chunk, SHA-256 verified, flushed to
# disk, published by rename), both through the agent's own BlobDownloader and OutputUploader; against `cp` of
# the same file on the same disk. Target: each at least 50 % of the copy.
# Two copies are timed: "cold" (the source dropped from the page cache first, the copy flushed to disk at the
# end: the disk's own limit, and what the transfers do) and "warm" (the source already in the page cache, the
# copy left in it: a memory-to-memory copy). A small warm-up transfer runs first, so the timed ones run on
# compiled code as in a long-running agent and coordinator. Prints MiB/s, % of each copy and the CPU seconds
# per GiB each side spent, with the load average. RENDERFARM_BENCH_CHUNK sets the chunk size.
# usage: scripts/bench/transfer.sh [size-in-MiB=1024] [runs=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
mib=${1:-1024}
runs=${2:-3}
work=$(mktemp -d "${RENDERFARM_BENCH_DIR:-$repo}/.bench-transfer-XXXX")
media="$work/media"
mkdir -p "$media"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT

scripts/lib/ensure-tools.sh >/dev/null
dotnet build RenderFarm.sln -c Release -nologo -v quiet >/dev/null
dotnet build scripts/bench/transfer/TransferBench.csproj -c Release -nologo -v quiet >/dev/null
bench="$repo/scripts/bench/transfer/bin/Release/net10.0/TransferBench.dll"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "making a $mib MiB input in $media (the repository's disk)" >&2
head -c "$((mib * 1024 * 1024))" /dev/urandom >"$media/input.mov"
head -c "$((64 * 1024 * 1024))" /dev/urandom >"$media/warm.mov"
now() { date +%s.%N; }
rate() { echo "scale=1; $2 / 1048576 / $1" | bc; }
# Writes back a file's dirty pages, then drops it from the page cache (posix_fadvise DONTNEED; no other file is touched).
uncache() { sync "$1"; dd if="$1" iflag=nocache count=0 status=none; }
cached_pages() { fincore --noheadings --output PAGES "$1" 2>/dev/null || echo "?"; }

cold=() warm=() down=() up=() assign=() down_cpu=() up_cpu=() down_coord=() up_coord=()
for run in $(seq 1 "$runs"); do
  uncache "$media/input.mov"
  [ "$run" = 1 ] && echo "pages of the input in the page cache before the cold copy: $(cached_pages "$media/input.mov")" >&2
  start=$(now); cp "$media/input.mov" "$media/copy.mov"; sync "$media/copy.mov"; end=$(now)
  cold+=("$(echo "$end - $start" | bc)")
  rm -f "$media/copy.mov"
  cat "$media/input.mov" >/dev/null
  start=$(now); cp "$media/input.mov" "$media/copy.mov"; end=$(now)
  warm+=("$(echo "$end - $start" | bc)")
  rm -f "$media/copy.mov"

  port=$(free_port)
  # Access: a fresh enrollment token for the bench's agent and an operator key for its submission (never printed).
  Coordinator__Security__EnrollmentToken=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  Coordinator__Security__BootstrapOperatorKey=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  export Coordinator__Security__EnrollmentToken Coordinator__Security__BootstrapOperatorKey
  export Agent__EnrollmentToken="$Coordinator__Security__EnrollmentToken" RENDERFARM_API_KEY="$Coordinator__Security__BootstrapOperatorKey"
  dotnet "$repo/coordinator/bin/Release/net10.0/renderfarm-coordinator.dll" \
    --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:0" \
    --Coordinator:DataDirectory="$work/data-$run" --Coordinator:MediaRoots:media="$media" \
    --Coordinator:LeaseDuration=00:10:00 ${RENDERFARM_BENCH_CHUNK:+--Coordinator:Transfer:ChunkBytes=$RENDERFARM_BENCH_CHUNK} >"$work/coordinator-$run.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
  out=$(dotnet "$bench" "http://127.0.0.1:$port" "$media/input.mov" "$media/out-$run.mp4" "$work/agent-$run" "${pids[-1]}" "$media/warm.mov")
  echo "run $run: $(echo "$out" | tr '\n' ' ')" >&2
  assign+=("$(echo "$out" | awk '$1=="assign"{print $2}')")
  down+=("$(echo "$out" | awk '$1=="download"{print $2}')")
  up+=("$(echo "$out" | awk '$1=="upload"{print $2}')")
  down_cpu+=("$(echo "$out" | awk '$1=="download"{print $3}')")
  down_coord+=("$(echo "$out" | awk '$1=="download"{print $4}')")
  up_cpu+=("$(echo "$out" | awk '$1=="upload"{print $3}')")
  up_coord+=("$(echo "$out" | awk '$1=="upload"{print $4}')")
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  rm -rf "$work/agent-$run" "$media/out-$run.mp4" "$media/warm-out-$run.mp4"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
bytes=$((mib * 1024 * 1024))
gib=$(echo "scale=6; $mib / 1024" | bc)
c=$(median "${cold[@]}"); w=$(median "${warm[@]}"); d=$(median "${down[@]}"); u=$(median "${up[@]}"); a=$(median "${assign[@]}")
per_gib() { echo "scale=2; $1 / $gib" | bc; }
hashing=$(dotnet "$bench" hash | awk '$1=="sha256:"{print $5}')
printf '\n%s MiB, median of %s runs (%s cores, load %s); SHA-256 in .NET here: %s CPU s per 256 MiB\n' "$mib" "$runs" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$hashing"
row() { printf '| %-58s | %7s | %8s | %9s | %9s | %9s | %9s |\n' "$@"; }
row "transfer" "seconds" "MiB/s" "% cold cp" "% warm cp" "agent CPU" "coord CPU"
row "" "" "" "" "" "s per GiB" "s per GiB"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "---------" "----------" "-----------" "-----------" "-----------" "-----------"
pct() { printf '%.0f%%' "$(echo "100 * $1 / $2" | bc -l)"; }
row "cp, cold: source not cached, copy flushed to disk" "$(printf %.2f "$c")" "$(rate "$c" $bytes)" "100%" "$(pct "$w" "$c")" "" ""
row "cp, warm: source in the page cache, copy not flushed" "$(printf %.2f "$w")" "$(rate "$w" $bytes)" "$(pct "$c" "$w")" "100%" "" ""
row "download to the agent's cache: checked, SHA-256, flushed" "$(printf %.2f "$d")" "$(rate "$d" $bytes)" "$(pct "$c" "$d")" "$(pct "$w" "$d")" "$(per_gib "$(median "${down_cpu[@]}")")" "$(per_gib "$(median "${down_coord[@]}")")"
row "upload: checked, SHA-256, flushed, published by rename" "$(printf %.2f "$u")" "$(rate "$u" $bytes)" "$(pct "$c" "$u")" "$(pct "$w" "$u")" "$(per_gib "$(median "${up_cpu[@]}")")" "$(per_gib "$(median "${up_coord[@]}")")"
row "submit -> assignment (coordinator hashes once)" "$(printf %.2f "$a")" "" "" "" "" ""
uptime
