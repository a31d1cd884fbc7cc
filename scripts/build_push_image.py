#!/usr/bin/env python3
"""Build a legacy model's inference image, tag it with the git commit, log in to ECR and push it.

    python scripts/build_push_image.py --model iris \\
        --context examples/legacy_batch_inference \\
        --dockerfile examples/legacy_batch_inference/image/Dockerfile \\
        --repository-url "$(terraform output -raw batch_inference_ecr_repository_url)"

    ... --dry-run    # print the docker commands; run nothing and call no AWS API

The tag is "<model>-<12-character commit>", so that the image names the code it was built from; the repository's
tags are immutable, so a rebuild of the same commit is refused by ECR rather than silently replaced. A working tree
with uncommitted changes is refused unless --allow-dirty, which adds "-dirty-<UTC time>" to the tag.
Set the printed image_tag on the model in batch_inference_models. The login password comes from
ecr:GetAuthorizationToken
(boto3, the usual AWS credential chain) and reaches docker on stdin, never on its command line.
Docker must be on PATH to build and push: without it the script says so and exits with status 2.
"""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODEL_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
REPOSITORY_URL = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.(?P<suffix>amazonaws\.com(?:\.cn)?)"
    r"/(?P<name>[a-z0-9]+(?:[._/-][a-z0-9]+)*)$"
)
DOCKER_MISSING = (
    "docker was not found on PATH. Building and pushing the image needs Docker "
    "(https://docs.docker.com/get-docker/): run this on a machine that has it, or use --dry-run to print the "
    "commands it would run."
)

Runner = Callable[..., subprocess.CompletedProcess]


class BuildError(Exception):
    """A problem the user can fix; main() prints it and exits with status 1."""


class DockerNotFound(BuildError):
    """docker is not on PATH (exit status 2)."""


@dataclass(frozen=True)
class Repository:
    account: str
    region: str
    name: str
    dns_suffix: str = "amazonaws.com"

    @property
    def registry(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.{self.dns_suffix}"

    @property
    def url(self) -> str:
        return f"{self.registry}/{self.name}"


def repository_url(account: str, region: str, name: str, dns_suffix: str = "amazonaws.com") -> str:
    """The URL of an ECR repository, as `terraform output batch_inference_ecr_repository_url` prints it."""
    return parse_repository_url(Repository(account, region, name, dns_suffix).url).url


def parse_repository_url(url: str) -> Repository:
    match = REPOSITORY_URL.match(url.strip())
    if not match:
        raise BuildError(
            f"{url!r} is not an ECR repository URL such as "
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/legacy-batch-inference (no tag)"
        )
    return Repository(match["account"], match["region"], match["name"], match["suffix"])


def git_commit(repo_dir: Path, run: Runner = subprocess.run) -> str:
    """The 12-character abbreviation of HEAD's commit."""
    done = run(["git", "rev-parse", "--short=12", "HEAD"], cwd=repo_dir, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"cannot read the git commit of {repo_dir}: {done.stderr.strip()}")
    return done.stdout.strip()


def git_is_dirty(repo_dir: Path, run: Runner = subprocess.run) -> bool:
    done = run(["git", "status", "--porcelain"], cwd=repo_dir, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"cannot read the git status of {repo_dir}: {done.stderr.strip()}")
    return bool(done.stdout.strip())


def image_tag(model: str, commit: str, dirty: bool = False, now: datetime | None = None) -> str:
    """ "<model>-<commit>", plus "-dirty-<UTC time>" for a build of uncommitted changes."""
    if not MODEL_NAME.match(model) or len(model) > 63:
        raise BuildError(f"model {model!r} is not a batch_inference_models key (1-63 letters, digits and hyphens)")
    tag = f"{model}-{commit}"
    if dirty:
        tag += "-dirty-" + (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    if not IMAGE_TAG.match(tag):
        raise BuildError(f"{tag!r} is not a valid image tag")
    return tag


def ecr_credentials(ecr_client: Any, account: str) -> tuple[str, str, str]:
    """(user name, password, registry endpoint) for `docker login`, from ecr:GetAuthorizationToken."""
    data = ecr_client.get_authorization_token(registryIds=[account])["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    return user, password, data["proxyEndpoint"]


def docker_commands(
    docker: str,
    image: str,
    context: Path,
    dockerfile: Path,
    registry: str,
    commit: str,
    user: str = "AWS",
    platform: str = "linux/amd64",
) -> dict[str, list[str]]:
    """The docker command lines, by step. The login reads the password from stdin."""
    return {
        "build": [
            docker,
            "build",
            "--platform",
            platform,
            "--file",
            str(dockerfile),
            "--tag",
            image,
            "--label",
            f"org.opencontainers.image.revision={commit}",
            str(context),
        ],
        "login": [docker, "login", "--username", user, "--password-stdin", registry],
        "push": [docker, "push", image],
    }


def find_docker(which: Callable[[str], str | None] = shutil.which) -> str:
    docker = which("docker")
    if not docker:
        raise DockerNotFound(DOCKER_MISSING)
    return docker


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the model's key in batch_inference_models, e.g. iris")
    parser.add_argument("--context", type=Path, required=True, help="docker build context directory")
    parser.add_argument("--dockerfile", type=Path, help="Dockerfile (default: <context>/Dockerfile)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--repository-url", help="output batch_inference_ecr_repository_url of the module")
    target.add_argument("--repository", help="repository name; with --account-id and --region")
    parser.add_argument("--account-id", help="AWS account of --repository")
    parser.add_argument("--region", help="AWS region of --repository")
    parser.add_argument("--platform", default="linux/amd64", help="image platform (default: linux/amd64)")
    parser.add_argument("--git-dir", type=Path, default=ROOT, help="repository whose commit tags the image")
    parser.add_argument("--allow-dirty", action="store_true", help="build uncommitted changes (tag gets -dirty-)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands; run nothing, call no AWS")
    args = parser.parse_args(argv)
    if args.repository and not (args.account_id and args.region):
        parser.error("--repository needs --account-id and --region")
    return args


def main(
    argv: list[str] | None = None,
    *,
    ecr_client: Any = None,
    run: Runner = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
) -> int:
    args = parse_args(argv)
    try:
        url = args.repository_url or repository_url(args.account_id, args.region, args.repository)
        repo = parse_repository_url(url)
        commit = git_commit(args.git_dir, run)
        dirty = git_is_dirty(args.git_dir, run)
        if dirty and not args.allow_dirty:
            raise BuildError(
                f"{args.git_dir} has uncommitted changes: commit them, so that the tag names the code in the image, "
                "or pass --allow-dirty"
            )
        tag = image_tag(args.model, commit, dirty)
        image = f"{repo.url}:{tag}"
        dockerfile = args.dockerfile or args.context / "Dockerfile"
        if not dockerfile.is_file():
            raise BuildError(f"no Dockerfile at {dockerfile}")

        if args.dry_run:
            steps = docker_commands(
                "docker", image, args.context, dockerfile, repo.registry, commit, platform=args.platform
            )
            steps["login"][-1] = f"https://{repo.registry}"
            for name, argv_ in steps.items():
                note = "  # password from ecr:GetAuthorizationToken on stdin" if name == "login" else ""
                print(" ".join(argv_) + note)
        else:
            docker = find_docker(which)
            if ecr_client is None:
                import boto3

                ecr_client = boto3.client("ecr", region_name=repo.region)
            user, password, endpoint = ecr_credentials(ecr_client, repo.account)
            steps = docker_commands(docker, image, args.context, dockerfile, endpoint, commit, user, args.platform)
            for name, command in steps.items():
                print(f"build_push_image: {name}: {' '.join(command)}", file=sys.stderr)
                done = run(command, input=password if name == "login" else None, text=True)
                if done.returncode != 0:
                    raise BuildError(f"docker {name} failed (exit status {done.returncode})")
    except DockerNotFound as e:
        print(f"build_push_image: {e}", file=sys.stderr)
        return 2
    except BuildError as e:
        print(f"build_push_image: {e}", file=sys.stderr)
        return 1
    print(f"image: {image}")
    print(f"image_tag: {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
