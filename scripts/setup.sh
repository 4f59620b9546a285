#!/usr/bin/env bash
# Sets up everything wow-rag needs on this machine, idempotently and quickly when done:
# the Python venv in .venv with the project's dependencies, and the built web UI.
# Usage: source-free; `bash scripts/setup.sh [--dev]`.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="desktop"
[ "${1:-}" = "--dev" ] && extras="desktop,dev,build"

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$python_bin" -m venv .venv
fi
stamp=".venv/.wowrag-installed-$extras"
want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
full=".venv/.wowrag-installed-desktop,dev,build"
if [ -f "$full" ] && [ "$(cat "$full")" = "$want" ]; then
  stamp="$full"  # the test set-up already installed everything the app needs
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing Python dependencies [$extras]"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$want" > "$stamp"
fi

if [ -f web/package.json ]; then
  if ! command -v npm >/dev/null; then
    echo "npm is needed to build the UI (Node.js 20+)." >&2
    exit 1
  fi
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    echo "==> installing web dependencies"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  newest_src="$(find web/src web/index.html web/package.json web/vite.config.* -type f -newer web/dist/index.html 2>/dev/null | head -1 || true)"
  if [ ! -f web/dist/index.html ] || [ -n "$newest_src" ]; then
    echo "==> building the web UI"
    (cd web && npm run build --silent)
  fi
fi
