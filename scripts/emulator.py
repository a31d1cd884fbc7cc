"""The local AWS emulator: moto server on a loopback port, and the provider settings that point Terraform at it.

Used by `make demo` (scripts/demo.py) and by the apply tests. moto answers every AWS API the module's resources
use; the provider settings below keep the aws provider from reaching for the real AWS (see the README).
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION}

# Provider endpoint keys of hashicorp/aws 3.39 that the module's resources and data sources (and the tests' consumer
# fixtures) call.
ENDPOINT_KEYS = (
    "cloudwatch",
    "cloudwatchevents",
    "cloudwatchlogs",
    "ecr",
    "glue",
    "iam",
    "kms",
    "lambda",
    "s3",
    "sagemaker",
    "sns",
    "sqs",
    "ssm",
    "secretsmanager",
    "stepfunctions",
    "sts",
    "apigateway",
    "codebuild",
    "codepipeline",
    "dynamodb",
    "ec2",  # consumer fixtures create the VPC, subnets and security groups they pass to the module
)

OVERRIDE_FILE = "zz_local_emulator_override.tf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Emulator:
    endpoint: str
    server: object

    def provider_override(self) -> str:
        """An `*_override.tf` provider block that sends every AWS call of the provider to the emulator."""
        endpoints = "\n".join(f'    {k:<16} = "{self.endpoint}"' for k in ENDPOINT_KEYS)
        return (
            "# Written by scripts/emulator.py: point the aws provider at the local emulator. Not for real use.\n"
            'provider "aws" {\n'
            f'  region                      = "{REGION}"\n'
            '  access_key                  = "test"\n'
            '  secret_key                  = "test"\n'
            "  skip_credentials_validation = true\n"
            "  skip_requesting_account_id  = true\n"
            "  skip_metadata_api_check     = true\n"
            "  skip_get_ec2_platforms      = true\n"
            "  skip_region_validation      = true\n"
            "  s3_force_path_style         = true\n"
            "  endpoints {\n"
            f"{endpoints}\n"
            "  }\n"
            "}\n"
        )

    def write_override(self, tfdir: Path) -> Path:
        path = Path(tfdir) / OVERRIDE_FILE
        path.write_text(self.provider_override())
        return path

    def configure(self, config: dict) -> None:
        """POST to moto's configuration API, e.g. {"stepfunctions": {"execute_state_machine": True}}."""
        req = urllib.request.Request(  # noqa: S310 - an http:// URL on loopback that we built
            f"{self.endpoint}/moto-api/config",
            data=json.dumps(config).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback URL we built
            resp.read()

    def install_extensions(self, **options) -> None:
        """Turn on moto's Step Functions executor and the hooks of scripts/moto_extensions.py for this emulator.

        Call it before creating state machines; options as moto_extensions.install (e.g.
        endpoint_transition_seconds). moto_extensions.uninstall() removes them.
        """
        from scripts import moto_extensions

        moto_extensions.install(self.endpoint, **options)

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",  # noqa: S106 - the emulator's dummy credentials
        )


@contextmanager
def running(port: int | None = None) -> Iterator[Emulator]:
    """Run moto server on 127.0.0.1 for the duration of the block."""
    import logging

    from moto.server import ThreadedMotoServer

    # One access-log line per AWS call drowns Terraform's progress; keep only errors.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield Emulator(endpoint=f"http://127.0.0.1:{port}", server=server)
    finally:
        server.stop()
