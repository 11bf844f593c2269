#!/usr/bin/env bash
# Installs the Debian 12 packages Faultline needs to build, test and run. Idempotent: does nothing when
# everything is already there. Works as root, or through sudo otherwise.
# Use real package names, not virtual ones (libqt6charts6-dev): dpkg-query never reports a virtual name
# as installed, and Debian 12 has no package by that name.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config clang-format
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-qpa-plugins libgl-dev
    libqt6opengl6-dev # Qt6Charts' CMake package needs Qt6OpenGL, which qt6-base-dev only recommends
    libqt6svg6 # the SVG image plugin that draws the window icon
    qt6-svg-dev # QSvgGenerator: File > Export > Canvas as SVG
    nlohmann-json3-dev
    libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc # the OTLP/gRPC receiver
    # scripts/fuzz.sh: clang with libFuzzer. The libFuzzer and sanitizer runtimes are in libclang-rt-14-dev, which
    # clang-14 pulls in only as a recommendation (--no-install-recommends leaves it out); llvm-14 has llvm-symbolizer.
    clang libclang-rt-14-dev llvm-14
    desktop-file-utils appstream dpkg-dev # scripts/check-package.sh: validators, and dpkg-shlibdeps for cpack
)

# The end-to-end test drives Faultline with the OpenTelemetry JS SDK: Node.js and npm, from Debian unless
# the machine already has a node (some images ship a newer one outside dpkg).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
