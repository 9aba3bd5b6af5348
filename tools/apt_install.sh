#!/usr/bin/env bash
# ensure_packages TAG PKG...: installs, with apt, those of the Debian packages PKG... that are not
# installed yet (idempotent; as root, or through sudo otherwise), announcing them as "TAG: ...".
# Sourced by tools/setup.sh and tools/train/setup_data.sh. Returns 0 when nothing was missing.
ensure_packages() {
  local tag=$1 p
  shift
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    echo "$tag: all packages present"
    return 0
  fi
  echo "$tag: installing ${missing[*]}"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
