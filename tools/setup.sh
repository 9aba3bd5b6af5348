#!/usr/bin/env bash
# Installs the Debian packages the build needs, only those missing (idempotent; run as root or
# with sudo). Usage: tools/setup.sh [--train]   (--train adds PyTorch/numpy for tools/train)
set -euo pipefail
pkgs=(cmake g++ make pkg-config libtbb-dev nlohmann-json3-dev doctest-dev libsnappy-dev libpng-dev
      libdnnl-dev libeigen3-dev libvulkan-dev glslc mesa-vulkan-drivers clang libclang-rt-14-dev)
if [[ "${1:-}" == "--train" ]]; then
  pkgs+=(python3-torch python3-numpy python3-skimage opencv-doc)
fi
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
