#!/usr/bin/env bash
# ensure_packages TAG PKG...: installs, with apt, those of the Debian packages PKG... that are not
# installed yet (idempotent; as root, or through sudo otherwise), announcing them as "TAG: ...".
# (env inside sudo: sudo resets the environment, so a plain assignment before it would be lost.)
# Sourced by tools/setup.sh and tools/train/setup_data.sh; a failing apt fails the caller (set -e).
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
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
