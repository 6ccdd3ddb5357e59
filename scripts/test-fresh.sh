#!/bin/sh
# Runs the whole test suite on a fresh Debian 12 machine: installs what the tests need (Debian's PyTorch as the
# referee, Chromium for the real VS Code, a software Vulkan driver for WebGPU, code-server), then `npm ci` and
# `npm test`. CI (.ci/run) runs exactly this. Packages are installed with sudo unless run as root; a machine already
# set up needs only `npm test`.
set -eu
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "test-fresh.sh: Node.js 20 or later is needed (found: $(node --version 2>/dev/null || echo none)); Debian 12's nodejs is 18: install Node 20 from nodejs.org or NodeSource, then run this again" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
# PyTorch (the referee of the parity tests) with OpenBLAS and numpy; Chromium (drives the real VS Code workbench and
# the webviews) and a font for its screenshots; libkrb5-dev and ripgrep (code-server's install).
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-torch python3-numpy \
  libopenblas0-pthread chromium fonts-liberation libkrb5-dev ripgrep >/dev/null
# A real WebGPU adapter without a GPU: Mesa lavapipe 25 from bookworm-backports.
as_root sh scripts/install-lavapipe.sh
export OPENBLAS_NUM_THREADS=1 LOSSLAB_REQUIRE_WEBGPU=1
npm ci --no-audit --no-fund
# The real VS Code (code-server) and playwright-core the extension tests drive.
sh tools/vscode-test/setup.sh
npm test
