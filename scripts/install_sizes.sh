#!/usr/bin/env bash
# Measures what `make demo`'s and `make test`'s installs take on a fresh clone: for each extra, a throwaway clone of
# this repository's HEAD runs scripts/bootstrap.sh EXTRA with an empty pip cache (a fresh machine has none), timed;
# then `du` of what it laid out in the repository (.venv and .cache: the Python packages, Terraform, the provider's
# mirror and plugin cache, asl-validator). Prints one line per extra; asserts nothing.
#   bash scripts/install_sizes.sh [demo test bench]     (default: demo test; each takes a minute or two)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
extras=("$@")
[ ${#extras[@]} -gt 0 ] || extras=(demo test)
for extra in "${extras[@]}"; do
  tmp=$(mktemp -d)
  git clone -q --no-checkout "$repo" "$tmp/clone"
  git -C "$tmp/clone" checkout -q "$(git rev-parse HEAD)"
  start=$(date +%s)
  (cd "$tmp/clone" && PIP_CACHE_DIR="$tmp/pip-cache" bash scripts/bootstrap.sh "$extra" > "$tmp/bootstrap.log" 2>&1) \
    || { cat "$tmp/bootstrap.log" >&2; echo "install_sizes: bootstrap $extra failed" >&2; rm -rf "$tmp"; exit 1; }
  seconds=$(($(date +%s) - start))
  venv=$(du -sm "$tmp/clone/.venv" | cut -f1)
  cache=$(du -sm "$tmp/clone/.cache" | cut -f1)
  printf '%-6s install: %5d MB (.venv %d MB, .cache %d MB), bootstrap %d s\n' \
    "$extra" $((venv + cache)) "$venv" "$cache" "$seconds"
  rm -rf "$tmp"
done
