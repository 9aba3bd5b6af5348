#!/usr/bin/env bash
# Installs the Debian packages the build needs, only those missing (idempotent; run as root or
# with sudo). Usage: tools/setup.sh [--train]   (--train also runs tools/train/setup_data.sh:
# PyTorch and the training material, needed by the export-equivalence test)
set -euo pipefail
pkgs=(cmake g++ make pkg-config libtbb-dev nlohmann-json3-dev doctest-dev libsnappy-dev libpng-dev
      libdnnl-dev libeigen3-dev libvulkan-dev glslc mesa-vulkan-drivers clang libclang-rt-14-dev ffmpeg)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ "${1:-}" == "--train" ]]; then
  "$(dirname "$0")/train/setup_data.sh"
fi
