# Sourced by the ensure-*.sh scripts: apt_install PACKAGE... installs the named Debian packages with apt-get
# (through sudo unless run as root), after `apt-get update`; with no package it does nothing.
apt_install() {
  [ $# -gt 0 ] || return 0
  echo "Installing $* (apt-get)..." >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# apt_install_missing COMMAND=PACKAGE... installs the packages of the commands that are not on the PATH (each once).
apt_install_missing() {
  local pair need=()
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null 2>&1 && continue
    [[ " ${need[*]} " == *" ${pair#*=} "* ]] || need+=("${pair#*=}")
  done
  apt_install "${need[@]}"
}
