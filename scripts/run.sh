#!/usr/bin/env bash
# Sets up (first time) and runs wow-rag on its embedded defaults: local Qdrant Edge, the
# bundled embedder, the extractive answerer. Extra arguments go to launcher.py, e.g.
#   bash scripts/run.sh --headless --port 8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python launcher.py "$@"
