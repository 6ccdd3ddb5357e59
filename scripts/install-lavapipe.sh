#!/bin/sh
# Gives a machine without a GPU a real WebGPU adapter for the tests: Mesa's lavapipe (a software Vulkan driver),
# which Dawn (the `webgpu` npm package) runs on. Run as root, then test with LOSSLAB_REQUIRE_WEBGPU=1 so a
# missing adapter fails the WebGPU tests instead of skipping them.
#
# Debian 12 (bookworm) ships Mesa 22.3, which Dawn refuses ("shaderUniform*ArrayDynamicIndexing required"), so there
# the driver comes from bookworm-backports (Mesa 25), using the mirror the machine already has. Newer Debian and
# Ubuntu releases ship a Mesa Dawn accepts.
set -eu

if [ "$(id -u)" -ne 0 ]; then
  echo "install-lavapipe.sh: run as root (it installs packages with apt-get)" >&2
  exit 1
fi

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
target=""
if [ "$codename" = "bookworm" ]; then
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
    echo "deb $mirror bookworm-backports main" > /etc/apt/sources.list.d/losslab-backports.list
  fi
  target="-t bookworm-backports"
fi

apt-get update -qq
# shellcheck disable=SC2086 # $target is either empty or two words on purpose
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $target mesa-vulkan-drivers libvulkan1 >/dev/null

icd=$(ls /usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -n 1 || true)
if [ -z "$icd" ]; then
  echo "install-lavapipe.sh: mesa-vulkan-drivers is installed but has no lavapipe ICD" >&2
  exit 1
fi
echo "lavapipe installed: $icd"
