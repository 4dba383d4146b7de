#!/usr/bin/env bash
# Publishes farmctl for this machine into OUT (default out/cli), as out/cli/farmctl:
#   Native AOT (one native binary, ~12 MB, no .NET needed to run it, starts fastest) when clang and zlib1g-dev are
#   installed (scripts/lib/ensure-aot-tools.sh installs them), otherwise ReadyToRun (precompiled, runs on the
#   installed .NET runtime) with a line saying so. docs/farmctl.md#fast-start has the figures.
#   scripts/publish-farmctl.sh [--aot|--r2r] [OUT]
#     --aot  Native AOT, installing clang and zlib1g-dev first when they are missing
#     --r2r  ReadyToRun, even when the native toolchain is there
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode=auto
case "${1:-}" in
  --aot) mode=aot; shift ;;
  --r2r) mode=r2r; shift ;;
esac
out="${1:-$root/out/cli}"
rid=$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')

if [ "$mode" = aot ]; then
  "$root/scripts/lib/ensure-aot-tools.sh"
elif [ "$mode" = auto ]; then
  if command -v clang >/dev/null 2>&1 && [ -e /usr/include/zlib.h ]; then
    mode=aot
  else
    echo "farmctl: publishing ReadyToRun: Native AOT needs clang and zlib1g-dev (scripts/lib/ensure-aot-tools.sh installs them)" >&2
    mode=r2r
  fi
fi

if [ "$mode" = aot ]; then
  dotnet publish "$root/cli/RenderFarm.Cli.csproj" -c Release -r "$rid" -p:PublishAot=true -p:DebugType=none \
    -nologo -v quiet -o "$out" >&2
  kind="Native AOT"
else
  dotnet publish "$root/cli/RenderFarm.Cli.csproj" -c Release -r "$rid" --self-contained false \
    -nologo -v quiet -o "$out" >&2
  kind="ReadyToRun"
fi
echo "farmctl ($kind, $rid) -> $out/farmctl" >&2
