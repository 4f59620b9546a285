#!/usr/bin/env bash
# Sets up (first time) and runs every check: linters and type checks (ruff, mypy, ESLint,
# vue-tsc), the Python tests, the web unit tests, the browser end-to-end tests in Debian's
# Chromium, and the PyInstaller bundle test. WOWRAG_SKIP_BUNDLE=1 skips the bundle build.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v Xvfb >/dev/null || need_apt+=(xvfb)
if [ -f scripts/ci-apt-packages.txt ]; then
  while read -r pkg; do
    [ -n "$pkg" ] && ! dpkg -s "$pkg" >/dev/null 2>&1 && need_apt+=("$pkg")
  done < <(grep -v '^#' scripts/ci-apt-packages.txt)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing system packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "missing system packages (install them): ${need_apt[*]}" >&2
  fi
fi

bash scripts/setup.sh --dev
py=.venv/bin/python

echo "==> ruff"
$py -m ruff check backend tests scripts launcher.py
echo "==> mypy"
$py -m mypy
if [ -f .github/workflows/release.yml ]; then
  echo "==> release workflow schema"
  .venv/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/release.yml
fi
if [ -f web/package.json ]; then
  echo "==> web: ESLint, vue-tsc, unit tests"
  (cd web && npm run lint --silent && npm run typecheck --silent && npm test --silent)
fi

echo "==> pytest"
bundle=1
[ "${WOWRAG_SKIP_BUNDLE:-0}" = 1 ] && bundle=0
WOWRAG_BUNDLE=$bundle $py -m pytest -q -m "not llama_cpp" -p no:cacheprovider "$@"

if [ -f web/package.json ] && grep -q '"e2e"' web/package.json; then
  echo "==> browser end-to-end"
  (cd web && npm run e2e --silent)
fi
echo "all checks passed"
