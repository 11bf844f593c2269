#!/usr/bin/env bash
# Renders the PNG icons from icons/io.github.faultline.Faultline.svg. The PNGs are committed, so building
# needs no SVG renderer; run this after editing the SVG (needs rsvg-convert, Debian package librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/icons"
id=io.github.faultline.Faultline
for size in 48 128 256; do
    mkdir -p "${size}x${size}"
    rsvg-convert --width "$size" --height "$size" --output "${size}x${size}/$id.png" "$id.svg"
done
echo "render-icons: wrote 48, 128 and 256 px PNGs"
