#!/usr/bin/env bash
# Installs what a Native AOT publish of farmctl needs beyond the .NET SDK when it is missing: clang (the native
# linker driver the AOT compiler calls) and zlib1g-dev (the runtime links zlib). Debian's packages, with apt-get
# (through sudo unless run as root). scripts/publish-farmctl.sh uses them when they are there and publishes
# ReadyToRun otherwise; it does not install them itself.
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"

need=()
command -v clang >/dev/null 2>&1 || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt_install "${need[@]}"
fi
