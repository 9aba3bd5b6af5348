#!/usr/bin/env bash
# Installs (only if missing) the Debian packages that tools/train needs -- PyTorch/numpy for Debian's
# /usr/bin/python3, OpenCV for Python, matplotlib, and the packages whose files are the training
# material: python3-skimage (sample photographs), opencv-doc (sample photographs and the videos
# vtest.avi, Megamind.avi, tree.avi), lomiri-wallpapers-16.04 and mate-backgrounds (photographs) --
# then decodes/caches the sources (tools/train/data.py --prepare; cache in ~/.cache/film-train or
# $FILM_TRAIN_CACHE). Idempotent. Run as root or with sudo.
# Usage: tools/train/setup_data.sh [--no-prepare]
set -euo pipefail
pkgs=(python3-torch python3-numpy python3-opencv python3-matplotlib python3-skimage opencv-doc
      lomiri-wallpapers-16.04 mate-backgrounds)
source "$(dirname "$0")/../apt_install.sh"
ensure_packages setup_data "${pkgs[@]}"
if [[ "${1:-}" != "--no-prepare" ]]; then
  /usr/bin/python3 "$(dirname "$0")/data.py" --prepare 2>&1 | grep -v 'libpng warning'
fi
