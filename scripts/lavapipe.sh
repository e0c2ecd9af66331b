#!/usr/bin/env bash
# Fetch Mesa's lavapipe (a CPU Vulkan driver) and the Vulkan loader from Debian without installing them, so the
# ONNX WebGPU execution provider (Dawn over Vulkan) runs on machines with no GPU (DESIGN §8). bookworm's own Mesa
# 22.3 is rejected by Dawn; bookworm-backports' Mesa 25 works. Only Debian's archive is contacted.
#
# usage: scripts/lavapipe.sh [DIR]   (default .cache/lavapipe; idempotent)
# then:  LD_LIBRARY_PATH=DIR/root/usr/lib/x86_64-linux-gnu VK_DRIVER_FILES=DIR/lvp_icd.json <command>
set -euo pipefail
dir="$(realpath -m "${1:-.cache/lavapipe}")"
if [ -f "$dir/lvp_icd.json" ] && [ -f "$dir/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so" ]; then
  echo "lavapipe: present in $dir"
  echo "export LD_LIBRARY_PATH=$dir/root/usr/lib/x86_64-linux-gnu VK_DRIVER_FILES=$dir/lvp_icd.json"
  exit 0
fi
command -v apt-get >/dev/null || { echo "lavapipe: apt-get not found (Debian/Ubuntu only)" >&2; exit 1; }
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$dir/apt/sources.list" <<SRC
deb [signed-by=$keyring] http://deb.debian.org/debian bookworm-backports main
deb [signed-by=$keyring] http://deb.debian.org/debian bookworm main
SRC
apt_opts=(-o "Dir::Etc::sourcelist=$dir/apt/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State=$dir/apt"
  -o "Dir::Cache=$dir/apt/cache" -o Dir::State::status=/var/lib/dpkg/status -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -qq update
(cd "$dir/debs" && apt-get "${apt_opts[@]}" -qq download 'mesa-vulkan-drivers/bookworm-backports' libvulkan1)
rm -rf "$dir/root"
for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir/root"; done
lib="$dir/root/usr/lib/x86_64-linux-gnu"
cat > "$dir/lvp_icd.json" <<JSON
{ "file_format_version": "1.0.0", "ICD": { "library_path": "$lib/libvulkan_lvp.so", "api_version": "1.3.0" } }
JSON
echo "lavapipe: ready in $dir"
echo "export LD_LIBRARY_PATH=$lib VK_DRIVER_FILES=$dir/lvp_icd.json"
