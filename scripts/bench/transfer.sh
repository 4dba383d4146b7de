#!/usr/bin/env bash
# Transfer mode throughput: a 1 GB input downloaded by hash from a real coordinator process over loopback
# (h2c), and the same bytes uploaded back as an output (checked chunk by chunk, SHA-256 verified, published by
# rename), both through the agent's own BlobDownloader and OutputUploader; against `cp` of the same file on the
# same disk. Target: each at least 50 % of the copy. Prints a table.
# Also prints the CPU seconds both processes spent per direction. RENDERFARM_BENCH_CHUNK sets the chunk size.
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
now() { date +%s.%N; }
rate() { echo "scale=1; $2 / 1048576 / $1" | bc; }

copy=() down=() up=() assign=() down_cpu=() up_cpu=()
for run in $(seq 1 "$runs"); do
  start=$(now); cp "$media/input.mov" "$media/copy.mov"; end=$(now)
  copy+=("$(echo "$end - $start" | bc)")
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
  out=$(dotnet "$bench" "http://127.0.0.1:$port" "$media/input.mov" "$media/out-$run.mp4" "$work/agent-$run" "${pids[-1]}")
  echo "run $run: $(echo "$out" | tr '\n' ' ')" >&2
  assign+=("$(echo "$out" | awk '$1=="assign"{print $2}')")
  down+=("$(echo "$out" | awk '$1=="download"{print $2}')")
  up+=("$(echo "$out" | awk '$1=="upload"{print $2}')")
  down_cpu+=("$(echo "$out" | awk '$1=="download"{print $3 + $4}')")
  up_cpu+=("$(echo "$out" | awk '$1=="upload"{print $3 + $4}')")
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  rm -rf "$work/agent-$run" "$media/out-$run.mp4"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
bytes=$((mib * 1024 * 1024))
c=$(median "${copy[@]}"); d=$(median "${down[@]}"); u=$(median "${up[@]}"); a=$(median "${assign[@]}")
dc=$(median "${down_cpu[@]}"); uc=$(median "${up_cpu[@]}")
hashing=$(dotnet "$bench" hash | awk '$1=="sha256:"{print $5}')
printf '\n%s MiB, median of %s runs (%s cores, load %s); SHA-256 in .NET here: %s CPU s per 256 MiB\n' "$mib" "$runs" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" "$hashing"
printf '| %-46s | %8s | %8s | %8s | %22s |\n' "transfer" "seconds" "MB/s" "% of cp" "CPU s (agent + coord.)"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------------------" "----------" "----------" "----------" "------------------------"
printf '| %-46s | %8.2f | %8.1f | %7s%% | %22s |\n' "cp on the same disk" "$c" "$(rate "$c" $bytes)" 100 ""
printf '| %-46s | %8.2f | %8.1f | %7.0f%% | %22.2f |\n' "download to the agent's cache, SHA-256 checked" "$d" "$(rate "$d" $bytes)" "$(echo "100 * $c / $d" | bc -l)" "$dc"
printf '| %-46s | %8.2f | %8.1f | %7.0f%% | %22.2f |\n' "upload, SHA-256 checked, published" "$u" "$(rate "$u" $bytes)" "$(echo "100 * $c / $u" | bc -l)" "$uc"
printf '| %-46s | %8.2f | %8s | %8s | %22s |\n' "submit -> assignment (coordinator hashes once)" "$a" "" "" ""
