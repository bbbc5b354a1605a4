#!/usr/bin/env bash
# Installs what building and testing Throughline needs, skipping what is already there.
# Usage: scripts/ensure-tools.sh [run|test]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-run}"
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
say() { echo "==> $*"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

rustup target list --installed | grep -q wasm32-unknown-unknown || { say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
if ! wasm-bindgen --version 2>/dev/null | grep -q "0.2.130"; then
  say "installing wasm-bindgen-cli 0.2.130 (matches the wasm-bindgen crate pinned in Cargo.toml)"
  cargo install wasm-bindgen-cli --version 0.2.130
fi
if ! cargo leptos --version >/dev/null 2>&1; then
  say "installing cargo-leptos 0.3.8 (about 12 minutes on 2 cores)"
  cargo install cargo-leptos --version 0.3.8 --locked --features no_downloads
fi
if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/@axe-core/playwright ] || [ ! -d node_modules/pdfjs-dist ]; then
  say "installing npm packages (tailwind, binaryen, playwright-core, axe-core, pdf.js)"
  npm install --no-audit --no-fund
fi

if [ "$what" = test ]; then
  command -v chromium >/dev/null || { say "installing Chromium"; apt_install chromium chromium-driver; }
  if ! command -v initdb >/dev/null && [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
    say "installing PostgreSQL"; apt_install postgresql
  fi
  command -v pgbench >/dev/null || apt_install postgresql-contrib || true
  if ! command -v moto_server >/dev/null; then
    say "installing the S3-compatible test server (moto)"
    command -v pip3 >/dev/null || apt_install python3-pip
    pip3 install --quiet "moto[server]==5.*" 2>/dev/null || pip3 install --quiet --break-system-packages "moto[server]==5.*"
  fi
fi
