"""buildspec/approved_deployment.yml, run with stand-ins for aws and docker: tag with the commit, push only to the
workflow's repository, never rebuild an existing tag, refuse anything that is not a commit id."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-approved"
COMMIT = "3f2a1b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"
VALUES = {
    "repository_uri": REPOSITORY_URI,
    "repository_name": "churn-approved",
    "dockerfile": "docker/Dockerfile",
    "build_context": ".",
}

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def rendered() -> dict:
    """The buildspec as templatefile() renders it (its only placeholders are the four values)."""
    text = (ROOT / "buildspec" / "approved_deployment.yml").read_text()
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(VALUES)
    assert "%{" not in text
    for name, value in VALUES.items():
        text = text.replace("${" + name + "}", value)
    return yaml.safe_load(text)


STAND_INS = {
    # aws: log the call; describe-images finds the tag only when IMAGE_EXISTS=1
    "aws": """#!/bin/bash
echo "aws $*" >> "$CALLS"
case "$1 $2" in
  "ecr get-login-password") echo token ;;
  "ecr describe-images") [ "$IMAGE_EXISTS" = 1 ] ;;
esac
""",
    "docker": """#!/bin/bash
if [ "$1" = login ]; then cat > /dev/null; fi  # the password arrives on stdin
echo "docker $*" >> "$CALLS"
""",
}


def build(tmp_path: Path, commit: str, *, exists: bool = False, resolved: str = "") -> tuple[int, list[str], Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in STAND_INS.items():
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    spec = rendered()
    script = ["set -e"]
    script += [f"export {k}={json.dumps(v)}" for k, v in spec["env"]["variables"].items()]
    for phase in ("pre_build", "build", "post_build"):
        script += spec["phases"][phase]["commands"]
    work = tmp_path / "src"
    work.mkdir()
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls.log"),
        "IMAGE_EXISTS": "1" if exists else "0",
        "COMMIT_ID": commit,
        "CODEBUILD_RESOLVED_SOURCE_VERSION": resolved,
        "AWS_REGION": "us-east-1",
    }
    run = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    calls_file = tmp_path / "calls.log"
    calls = calls_file.read_text().splitlines() if calls_file.exists() else []
    return run.returncode, calls, work / "execution_input.json"


def test_a_new_commit_is_built_tagged_pushed_and_handed_to_the_state_machine(tmp_path):
    code, calls, output = build(tmp_path, COMMIT)
    assert code == 0, calls
    image = f"{REPOSITORY_URI}:{COMMIT}"
    assert "docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com" in calls
    assert f"docker build --file docker/Dockerfile --tag {image} ." in calls
    assert f"docker push {image}" in calls
    assert [c for c in calls if c.startswith("docker push")] == [f"docker push {image}"]
    assert json.loads(output.read_text()) == {"commit_id": COMMIT, "image_uri": image}


def test_an_existing_tag_is_not_rebuilt(tmp_path):
    code, calls, output = build(tmp_path, COMMIT, exists=True)
    assert code == 0
    assert not [c for c in calls if c.startswith(("docker build", "docker push"))]
    assert json.loads(output.read_text())["image_uri"] == f"{REPOSITORY_URI}:{COMMIT}"


def test_the_commit_is_lowercased_and_falls_back_to_the_resolved_source_version(tmp_path):
    code, _, output = build(tmp_path, "", resolved=COMMIT.upper())
    assert code == 0
    assert json.loads(output.read_text())["commit_id"] == COMMIT


@pytest.mark.parametrize("commit", ["main", "abc12", "3f2a1b9; curl evil", "", "g" * 40])
def test_anything_but_a_commit_id_stops_the_build(tmp_path, commit):
    code, calls, output = build(tmp_path, commit)
    assert code != 0
    assert not [c for c in calls if c.startswith("docker")]
    assert not output.exists()


def test_every_phase_aborts_on_failure_and_only_the_input_file_is_an_artifact():
    spec = rendered()
    assert {p["on-failure"] for p in spec["phases"].values()} == {"ABORT"}
    assert spec["artifacts"]["files"] == ["execution_input.json"]
    assert spec["env"]["exported-variables"] == ["COMMIT_ID", "IMAGE_URI"]
