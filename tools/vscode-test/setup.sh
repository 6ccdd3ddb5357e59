#!/bin/sh
# Installs the real-VS-Code test tools (code-server + playwright-core) into this folder's node_modules.
# Idempotent: does nothing when the pinned code-server is already installed.
#
# Needs these Debian packages first (installed by .ci/run, not here):
#   apt-get install -y chromium libkrb5-dev ripgrep
#   chromium     the browser that shows the workbench (driven by playwright-core)
#   libkrb5-dev  headers for code-server's `kerberos` native module, which builds from source
#   ripgrep      Debian's rg, handed to @vscode/ripgrep so its postinstall never downloads from GitHub
# and, for readable screenshots, a font (Chromium only recommends fonts-liberation): fonts-liberation
set -eu
cd "$(dirname "$0")"

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep version pinned by code-server 4.100.3's bundled VS Code, and the prebuilt tag it asks for.
RIPGREP_PACKAGE_VERSION=1.15.11
RIPGREP_TAG=v13.0.0-10

installed_version() {
  node -p 'require("./node_modules/code-server/package.json").version' 2>/dev/null || true
}
if [ "$(installed_version)" = "$CODE_SERVER_VERSION" ] && [ -d node_modules/playwright-core ]; then
  echo "vscode-test tools already installed (code-server $CODE_SERVER_VERSION)"
  exit 0
fi

for tool in rg chromium; do
  command -v "$tool" >/dev/null || { echo "setup.sh: '$tool' is missing: apt-get install -y chromium libkrb5-dev ripgrep" >&2; exit 1; }
done

# @vscode/ripgrep's postinstall looks in <tmpdir>/vscode-ripgrep-cache-<version>/ before downloading:
# put Debian's rg there under the archive name it expects, so it says "Using cached download".
cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION"
archive="$cache/ripgrep-$RIPGREP_TAG-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$archive" ]; then
  mkdir -p "$cache"
  staging="$(mktemp -d)"
  cp "$(command -v rg)" "$staging/rg"
  tar czf "$archive" -C "$staging" rg
  rm -rf "$staging"
fi

# unsafe_perm: code-server's postinstall refuses to run as root without it.
# yes: node-pty's postinstall runs `npx node-gyp`, which would stop at npx's install prompt.
export npm_config_unsafe_perm=true npm_config_yes=true
if [ -f package-lock.json ]; then
  npm ci --foreground-scripts --no-audit --no-fund
else
  npm install --foreground-scripts --no-audit --no-fund
fi
echo "vscode-test tools installed: code-server $(installed_version)"
