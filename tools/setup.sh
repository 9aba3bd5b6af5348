#!/usr/bin/env bash
# Installs the Debian packages the build needs, only those missing (idempotent; run as root or
# with sudo). Usage: tools/setup.sh [--train]   (--train also runs tools/train/setup_data.sh:
# PyTorch and the training material, needed by the export-equivalence test)
set -euo pipefail
# ocl-icd-opencl-dev: Debian's oneDNN is built with its OpenCL GPU runtime, and its CMake package
# (dnnl-config.cmake) insists on finding OpenCL's headers and library; libdnnl-dev only recommends
# them, and recommends are not installed here (docs/setup.md). libomp-dev: OpenMP for clang, which
# tools/fuzz.sh builds with (g++ brings its own libgomp). libopenimageio-dev: image formats beyond
# PNG (JPEG, WebP, TIFF, OpenEXR, DPX, ...; docs/cli.md). graphviz: the test suite checks that
# `film inspect --format dot` is a graph Graphviz draws. libav*-dev: FFmpeg's libraries for
# `film video` (decoding, encoding, stream copy, pixel format conversion). libopencv-video-dev:
# OpenCV's DIS optical flow for `film eval`'s classical flow-warp baseline. libcli11-dev: the
# command line's parser (tools/cli). pybind11-dev, python3-dev: the Python module (tools/python);
# python3-numpy, python3-pytest: its arrays and its tests (tests/python).
pkgs=(cmake g++ make pkg-config libtbb-dev nlohmann-json3-dev doctest-dev libsnappy-dev libpng-dev
      libdnnl-dev ocl-icd-opencl-dev libeigen3-dev libvulkan-dev glslc mesa-vulkan-drivers clang
      libclang-rt-14-dev libomp-dev ffmpeg libopenimageio-dev graphviz
      libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libopencv-video-dev
      libcli11-dev pybind11-dev python3-dev python3-numpy python3-pytest)
source "$(dirname "$0")/apt_install.sh"
ensure_packages setup "${pkgs[@]}"
# munge, slurmctld, slurmd, slurm-client: the test suite's throwaway single-node Slurm cluster
# (tools/slurm_local.sh) for `film cluster`. On a machine that boots with systemd, Debian's
# package scripts enable and start their services; when this script installed them (they were
# not there before), it stops and disables those again: the tests run their own daemons.
slurm_pkgs=(munge slurmctld slurmd slurm-client)
slurm_missing=0
for p in "${slurm_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || slurm_missing=1
done
ensure_packages "setup (Slurm, for the tests)" "${slurm_pkgs[@]}"
if ((slurm_missing)) && [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo systemctl disable --now munge slurmctld slurmd >/dev/null 2>&1 || true
fi
if [[ "${1:-}" == "--train" ]]; then
  "$(dirname "$0")/train/setup_data.sh"
fi
