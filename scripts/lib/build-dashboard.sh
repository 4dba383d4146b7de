#!/usr/bin/env bash
# Builds the web dashboard's script bundle from dashboard/ (TypeScript) into coordinator/Dashboard/Assets/app.js, which is
# committed so the coordinator builds without node. Steps: npm ci (pinned by dashboard/package-lock.json), TypeScript
# messages and clients generated from protos/ (buf + protoc-gen-es), a type check (tsc), one minified bundle (esbuild).
#
#   scripts/lib/build-dashboard.sh            rebuild the committed bundle
#   scripts/lib/build-dashboard.sh --install  only install the npm packages (scripts/lib/ensure-tools.sh calls this)
#   scripts/lib/build-dashboard.sh --check    build into a temporary file; exit 1 when the committed bundle differs
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
web="$repo/dashboard"
bundle="$repo/coordinator/Dashboard/Assets/app.js"
mode="${1:-build}"

if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

cd "$web"
if [ ! -x node_modules/.bin/esbuild ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing the dashboard's npm packages (into dashboard/node_modules)..." >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
[ "$mode" = "--install" ] && exit 0

node_modules/.bin/buf generate
node_modules/.bin/tsc -p .
out="$bundle"
[ "$mode" = "--check" ] && out="$(mktemp --suffix=.js)"
node_modules/.bin/esbuild src/main.ts --bundle --minify --format=esm --target=es2022 --legal-comments=none \
  --log-level=warning --outfile="$out"

if [ "$mode" = "--check" ]; then
  if ! cmp -s "$out" "$bundle"; then
    rm -f "$out"
    echo "coordinator/Dashboard/Assets/app.js is not the bundle of dashboard/src: run scripts/lib/build-dashboard.sh and commit it" >&2
    exit 1
  fi
  rm -f "$out"
  echo "the committed dashboard bundle is up to date"
else
  echo "wrote $(realpath --relative-to="$repo" "$bundle") ($(wc -c <"$bundle") bytes, $(gzip -9 -c "$bundle" | wc -c) gzipped)"
fi
