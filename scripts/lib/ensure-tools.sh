#!/usr/bin/env bash
# Installs what RenderFarm needs beyond the .NET SDK when it is missing: ffmpeg/ffprobe (Debian's 5.1),
# bc and python3 (used by the scripts), buf (protobuf lint and `buf curl`, used by the protocol tests), chromium (the
# dashboard's browser test) and the dashboard's npm packages.
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"

apt_install_missing ffmpeg=ffmpeg ffprobe=ffmpeg bc=bc python3=python3

# buf (protobuf lint and `buf curl`), from npm into the repository's own .tools folder (git-ignored).
# Tests find it at .tools/node_modules/.bin/buf, or wherever RENDERFARM_BUF points.
repo="$(cd "$(dirname "$0")/../.." && pwd)"
buf="$repo/.tools/node_modules/.bin/buf"
if [ ! -x "$buf" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  echo "Installing buf (npm, into .tools)..." >&2
  mkdir -p "$repo/.tools"
  npm install --prefix "$repo/.tools" --no-save --no-audit --no-fund --loglevel=error "@bufbuild/buf@1.75.0" >/dev/null
fi

# Chromium (Debian's package) drives the dashboard's browser test headless; nothing is downloaded at test time.
if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium
fi

# The dashboard's npm packages (TypeScript, esbuild, protobuf-es, connect-web), so its bundle can be rebuilt and the
# suite can check the committed one is current.
"$repo/scripts/lib/build-dashboard.sh" --install
