#!/usr/bin/env bash
# Regenerates the Python lock files from pyproject.toml, with a hash for every file, so that
# a fresh machine installs exactly what CI tested (scripts/setup.sh installs from them).
# Run it after changing a dependency in pyproject.toml, and commit requirements/*.lock.
#   bash scripts/lock.sh            # needs pip-tools in .venv (the dev extra has it)
#   bash scripts/lock.sh --upgrade  # newest versions pyproject.toml allows
#
# The app lock is the app with its window (the `desktop` extra); the dev lock adds the test,
# lint and bundle tools. llama-cpp-python (the `llama` extra) is built from source on each
# machine and stays out of both.
set -euo pipefail
cd "$(dirname "$0")/.."
compile() {
  local out="$1"
  shift
  .venv/bin/python -m piptools compile --quiet --generate-hashes --allow-unsafe \
    --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
    --resolver=backtracking "$@" --output-file "$out" pyproject.toml
}
compile requirements/app.lock --extra desktop "$@"
compile requirements/dev.lock --extra desktop --extra dev --extra build "$@"
