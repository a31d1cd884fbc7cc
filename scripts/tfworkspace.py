"""Private working copies of Terraform root modules, and the environment that runs the offline Terraform.

A root module that calls this repository by a relative path (examples/*, tests/fixtures/*) is copied with its
`source = "../.."` paths rewritten relative to the copy, so it can be initialised and applied anywhere without writing
.terraform/ or state into the repository, and parallel runs never share a folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TERRAFORM = REPO / ".venv" / "bin" / "terraform"

_SOURCE = re.compile(r'(\bsource\s*=\s*")(\.{1,2}/[^"]*)(")')


def terraform_env() -> dict[str, str]:
    """Environment for the offline Terraform: the CLI config written by scripts/bootstrap.sh (provider mirror)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_LOG"}
    env.update(
        {
            "TF_CLI_CONFIG_FILE": str(REPO / ".cache" / "terraformrc"),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
    )
    return env


def _absolute_source(src: Path, relative: str) -> str:
    """The absolute form of a relative module source. Terraform installs an absolute path like a remote package (a
    link to the folder), so a submodule of this repository that calls its siblings by `../<name>` is given as
    `<repo>//modules/<name>`: the package is the repository and the siblings resolve inside it, as for a consumer's
    `git::...//modules/<name>`. A source that already names a `//subdir` keeps it."""
    if "//" in relative:
        base, _, subdir = relative.partition("//")
        return f"{(src / base).resolve()}//{subdir}"
    path = (src / relative).resolve()
    try:
        inside = path.relative_to(REPO)
    except ValueError:
        return str(path)
    if inside.parts[:1] == ("modules",):
        return f"{REPO}//{inside.as_posix()}"
    return str(path)


def copy_module(src: Path, dest: Path) -> Path:
    """Copy src's .tf files into dest, turning relative module sources into absolute ones."""
    src = Path(src)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for tf in sorted(src.glob("*.tf")):
        text = _SOURCE.sub(lambda m: m.group(1) + _absolute_source(src, m.group(2)) + m.group(3), tf.read_text())
        (dest / tf.name).write_text(text)
    return dest
