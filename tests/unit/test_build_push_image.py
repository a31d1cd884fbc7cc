"""scripts/build_push_image.py: tag, repository URL, ECR login and docker command assembly (docker is never run)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import botocore.session
import pytest
from botocore.stub import Stubber

from scripts import build_push_image as bpi

URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/legacy-batch-inference"
COMMIT = "0123456789ab"


class FakeRunner:
    """Stands in for subprocess.run: answers git, records every command (and what it got on stdin)."""

    def __init__(self, dirty: str = "", docker_status: int = 0):
        self.dirty = dirty
        self.docker_status = docker_status
        self.calls: list[tuple[list[str], str | None]] = []

    def __call__(self, command, **kwargs):
        self.calls.append((command, kwargs.get("input")))
        if command[:2] == ["git", "rev-parse"]:
            return subprocess.CompletedProcess(command, 0, COMMIT + "\n", "")
        if command[:2] == ["git", "status"]:
            return subprocess.CompletedProcess(command, 0, self.dirty, "")
        return subprocess.CompletedProcess(command, self.docker_status, "", "")


@pytest.fixture
def context(tmp_path) -> Path:
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\n")
    return tmp_path


@pytest.fixture
def ecr():
    client = botocore.session.get_session().create_client(
        "ecr", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _token_response(stub, password="s3cret"):  # noqa: S107 - a stubbed response
    stub.add_response(
        "get_authorization_token",
        {
            "authorizationData": [
                {
                    "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
                    "proxyEndpoint": "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
                }
            ]
        },
        {"registryIds": ["123456789012"]},
    )


# ---------------------------------------------------------------------------------------------------------------------
# Pure functions
# ---------------------------------------------------------------------------------------------------------------------
def test_image_tag_names_the_model_and_the_commit():
    assert bpi.image_tag("iris", COMMIT) == "iris-0123456789ab"
    now = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)
    assert bpi.image_tag("iris", COMMIT, dirty=True, now=now) == "iris-0123456789ab-dirty-20261122T020000Z"
    longest = bpi.image_tag("m" * 63, COMMIT, dirty=True, now=now)
    assert len(longest) <= 128 and bpi.IMAGE_TAG.match(longest)


@pytest.mark.parametrize("model", ["iris_v2", "-iris", "", "m" * 64])
def test_image_tag_refuses_names_batch_inference_models_would_refuse(model):
    with pytest.raises(bpi.BuildError, match="batch_inference_models key"):
        bpi.image_tag(model, COMMIT)


def test_repository_url_and_its_parts():
    assert bpi.repository_url("123456789012", "us-east-1", "legacy-batch-inference") == URL
    repo = bpi.parse_repository_url(URL)
    assert (repo.account, repo.region, repo.name) == ("123456789012", "us-east-1", "legacy-batch-inference")
    assert repo.registry == "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    china = bpi.parse_repository_url("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/team/legacy")
    assert (china.region, china.name, china.dns_suffix) == ("cn-north-1", "team/legacy", "amazonaws.com.cn")


@pytest.mark.parametrize(
    "url",
    [
        f"{URL}:v1",  # a tag, not a repository
        "docker.io/library/python",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/Legacy",
        "12345.dkr.ecr.us-east-1.amazonaws.com/legacy",
    ],
)
def test_parse_repository_url_refuses_what_is_not_an_ecr_repository(url):
    with pytest.raises(bpi.BuildError, match="not an ECR repository URL"):
        bpi.parse_repository_url(url)


def test_ecr_credentials(ecr):
    _token_response(ecr)
    assert bpi.ecr_credentials(ecr.client, "123456789012") == (
        "AWS",
        "s3cret",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
    )


def test_docker_commands_keep_the_password_off_the_command_line(tmp_path):
    steps = bpi.docker_commands(
        "/usr/bin/docker", f"{URL}:iris-{COMMIT}", tmp_path, tmp_path / "Dockerfile", "https://reg", COMMIT
    )
    assert steps["build"] == [
        "/usr/bin/docker",
        "build",
        "--platform",
        "linux/amd64",
        "--file",
        str(tmp_path / "Dockerfile"),
        "--tag",
        f"{URL}:iris-{COMMIT}",
        "--label",
        f"org.opencontainers.image.revision={COMMIT}",
        str(tmp_path),
    ]
    assert steps["login"] == ["/usr/bin/docker", "login", "--username", "AWS", "--password-stdin", "https://reg"]
    assert steps["push"] == ["/usr/bin/docker", "push", f"{URL}:iris-{COMMIT}"]
    assert list(steps) == ["build", "login", "push"]


def test_find_docker_says_clearly_when_it_is_missing():
    assert bpi.find_docker(lambda name: "/usr/bin/docker") == "/usr/bin/docker"
    with pytest.raises(bpi.DockerNotFound, match="docker was not found on PATH"):
        bpi.find_docker(lambda name: None)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_and_status_of_a_real_repository(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "predict.py").write_text("print('legacy')\n")
    git("add", "predict.py")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "legacy model")
    commit = bpi.git_commit(tmp_path)
    assert len(commit) == 12 and int(commit, 16) >= 0
    assert bpi.git_is_dirty(tmp_path) is False
    (tmp_path / "predict.py").write_text("print('changed')\n")
    assert bpi.git_is_dirty(tmp_path) is True


# ---------------------------------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------------------------------
def _argv(context, *extra):
    return ["--model", "iris", "--context", str(context), "--repository-url", URL, *extra]


def test_build_login_and_push(context, ecr, capsys):
    _token_response(ecr)
    runner = FakeRunner()
    assert bpi.main(_argv(context), ecr_client=ecr.client, run=runner, which=lambda n: "/usr/bin/docker") == 0
    docker = [(c, stdin) for c, stdin in runner.calls if c[0] == "/usr/bin/docker"]
    assert [c[1] for c, _ in docker] == ["build", "login", "push"]
    login, password = docker[1]
    assert password == "s3cret" and "s3cret" not in " ".join(login)
    assert login[-1] == "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert docker[2][0][-1] == f"{URL}:iris-{COMMIT}"
    assert capsys.readouterr().out.splitlines() == [f"image: {URL}:iris-{COMMIT}", f"image_tag: iris-{COMMIT}"]


def test_without_docker_it_says_so_and_calls_no_aws(context, capsys):
    # no ecr_client given: creating one would fail the test (tests/unit/conftest.py)
    assert bpi.main(_argv(context), run=FakeRunner(), which=lambda n: None) == 2
    assert "docker was not found on PATH" in capsys.readouterr().err


def test_dry_run_prints_the_commands_without_docker_or_aws(context, capsys):
    assert bpi.main(_argv(context, "--dry-run"), run=FakeRunner(), which=lambda n: None) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"docker build --platform linux/amd64 --file {context / 'Dockerfile'} --tag {URL}:iris-")
    assert out[1] == (
        "docker login --username AWS --password-stdin https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
        "  # password from ecr:GetAuthorizationToken on stdin"
    )
    assert out[2] == f"docker push {URL}:iris-{COMMIT}"
    assert out[-1] == f"image_tag: iris-{COMMIT}"


def test_repository_by_name_account_and_region(context, capsys):
    argv = ["--model", "iris", "--context", str(context), "--repository", "legacy-batch-inference"]
    argv += ["--account-id", "123456789012", "--region", "us-east-1", "--dry-run"]
    assert bpi.main(argv, run=FakeRunner(), which=lambda n: None) == 0
    assert capsys.readouterr().out.splitlines()[-2] == f"image: {URL}:iris-{COMMIT}"


def test_uncommitted_changes_are_refused_unless_allowed(context, capsys):
    runner = FakeRunner(dirty=" M model/predict.py\n")
    assert bpi.main(_argv(context, "--dry-run"), run=runner, which=lambda n: None) == 1
    assert "uncommitted changes" in capsys.readouterr().err
    assert bpi.main(_argv(context, "--dry-run", "--allow-dirty"), run=runner, which=lambda n: None) == 0
    assert "-dirty-" in capsys.readouterr().out.splitlines()[-1]


def test_a_failed_docker_step_stops_and_fails(context, ecr, capsys):
    _token_response(ecr)
    runner = FakeRunner(docker_status=1)
    assert bpi.main(_argv(context), ecr_client=ecr.client, run=runner, which=lambda n: "/usr/bin/docker") == 1
    assert [c[1] for c, _ in runner.calls if c[0] == "/usr/bin/docker"] == ["build"]
    assert "docker build failed" in capsys.readouterr().err


def test_missing_dockerfile_and_bad_repository_are_refused(tmp_path, capsys):
    assert bpi.main(_argv(tmp_path, "--dry-run"), run=FakeRunner(), which=lambda n: None) == 1
    assert "no Dockerfile" in capsys.readouterr().err
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    argv = ["--model", "iris", "--context", str(tmp_path), "--repository-url", f"{URL}:v1", "--dry-run"]
    assert bpi.main(argv, run=FakeRunner(), which=lambda n: None) == 1
    assert "not an ECR repository URL" in capsys.readouterr().err


def test_example_dockerfile_builds_the_legacy_model_image():
    example = bpi.ROOT / "examples" / "legacy_batch_inference"
    dockerfile = (example / "image" / "Dockerfile").read_text()
    for source in ("image/requirements.txt", "image/train.py", "model/predict.py"):
        assert source in dockerfile and (example / source).is_file()
    assert 'ENTRYPOINT ["python3", "/opt/program/predict.py"]' in dockerfile
