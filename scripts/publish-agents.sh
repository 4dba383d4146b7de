#!/usr/bin/env bash
# Publishes self-contained agents (no .NET needed on the target) for each runtime named, by default
# linux-x64, win-x64 and osx-arm64, into dist/agents/<rid>/, each with the service files for its platform.
#   scripts/publish-agents.sh                 # all three
#   scripts/publish-agents.sh linux-x64       # one
# ffmpeg and ffprobe are not bundled: install them on each machine (PATH). See docs/agent-services.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$root/dist/agents}"
rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 win-x64 osx-arm64)

for rid in "${rids[@]}"; do
  dest="$out/$rid"
  echo "== $rid -> $dest"
  rm -rf "$dest"
  dotnet publish "$root/agent/RenderFarm.Agent.csproj" -c Release -r "$rid" --self-contained true \
    -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:DebugType=none -nologo -o "$dest"
  case "$rid" in
    linux-*) cp "$root/scripts/service/renderfarm-agent.service" "$root/scripts/service/agent.env" "$dest/" ;;
    osx-*) cp "$root/scripts/service/com.renderfarm.agent.plist" "$dest/" ;;
    win-*) cp "$root/scripts/service/install-agent-service.ps1" "$dest/" ;;
  esac
  (cd "$out" && tar -czf "renderfarm-agent-$rid.tar.gz" "$rid")
  echo "   $(du -sh "$dest" | cut -f1) in $dest, archive $out/renderfarm-agent-$rid.tar.gz"
done
