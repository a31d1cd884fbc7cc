"""`make demo`: the hourly retraining example, applied to a local AWS emulator, started once, torn down.

Steps (each printed as it runs):
  1. start moto server (the local AWS) on a free loopback port;
  2. copy examples/hourly_retraining to a temporary folder and point its provider at the emulator
     (an *_override.tf file, as a user would for LocalStack or moto);
  3. terraform init (offline mirror) and apply, streaming Terraform's progress;
  4. print what was created and the outputs;
  5. start one execution with exactly the input the hourly rule sends, and print its status;
  6. terraform destroy, and stop the emulator.

Options: --keep leaves the emulator running and the workspace in place until Enter is pressed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from python_terraform import IsFlagged, IsNotFlagged, Terraform

from scripts import emulator
from scripts.tfworkspace import REPO, TERRAFORM, copy_module, terraform_env

EXAMPLE = REPO / "examples" / "hourly_retraining"
# The offline aws provider 3.39 validates runtimes against its own list, which ends at python3.8.
DEMO_VARS = {"lambda_runtime": "python3.8", "artifact_bucket_force_destroy": True}


def step(n: int, total: int, text: str) -> None:
    print(f"\n[{n}/{total}] {text}", flush=True)


class TerraformRunner:
    """python-terraform drives the CLI; its output streams to the terminal so long steps show progress."""

    def __init__(self, workdir: Path):
        self.tf = Terraform(working_dir=str(workdir), terraform_bin_path=str(TERRAFORM))
        self.env = terraform_env()

    def run(self, cmd: str, *args: str, quiet: bool = False, **options: object) -> str:
        """Run a Terraform command; stream its output unless quiet (then return it, and show it on failure)."""
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)
        try:
            code, out, err = self.tf.cmd(cmd, *args, capture_output=quiet, **options)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        if code != 0:
            if quiet:
                print(out, err, sep="\n", file=sys.stderr)
            raise SystemExit(f"demo: terraform {cmd} failed (exit {code}); see the messages above.")
        return out or ""

    def output(self) -> dict:
        code, out, err = self.tf.cmd("output", json=IsFlagged, no_color=IsFlagged)
        if code != 0:
            raise SystemExit(f"demo: terraform output failed: {err}")
        return {k: v["value"] for k, v in json.loads(out).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="wait for Enter before tearing down")
    args = parser.parse_args(argv)
    total = 6
    started = time.monotonic()

    step(1, total, "Starting the local AWS emulator (moto server)")
    with emulator.running() as emu, tempfile.TemporaryDirectory(prefix="sfn-ml-demo-") as tmp:
        print(f"  moto server listening on {emu.endpoint}")

        step(2, total, f"Copying {EXAMPLE.relative_to(REPO)} and pointing its provider at the emulator")
        workdir = copy_module(EXAMPLE, Path(tmp) / "hourly_retraining")
        emu.write_override(workdir)
        tf = TerraformRunner(workdir)
        print(f"  workspace: {workdir}")

        step(3, total, "terraform init (offline provider mirror) and apply")
        tf.run("init", input=False, no_color=IsFlagged, quiet=True)
        plan = tf.run("plan", input=False, no_color=IsFlagged, out="tfplan", var=DEMO_VARS, quiet=True)
        print("  " + next((line for line in plan.splitlines() if line.startswith("Plan:")), "Plan: (no summary)"))
        tf.run("apply", "tfplan", input=False, no_color=IsFlagged)
        try:
            step(4, total, "What was created")
            outputs = tf.output()
            for key in sorted(outputs):
                print(f"  {key:<24} {outputs[key]}")
            sfn = emu.client("stepfunctions")
            events = emu.client("events")
            rule = events.describe_rule(Name=outputs["schedule_rule_name"])
            print(f"  schedule rule {rule['Name']}: {rule['ScheduleExpression']}, {rule['State']}")
            machine = sfn.describe_state_machine(stateMachineArn=outputs["state_machine_arn"])
            states = json.loads(machine["definition"])["States"]
            print(f"  state machine {machine['name']}: {len(states)} states, role {machine['roleArn']}")

            step(5, total, "Starting one execution with the input the hourly rule sends")
            target = events.list_targets_by_rule(Rule=outputs["schedule_rule_name"])["Targets"][0]
            assert target["Input"] == outputs["schedule_input"], "the rule's input differs from the output"
            execution = sfn.start_execution(stateMachineArn=outputs["state_machine_arn"], input=target["Input"])
            status = sfn.describe_execution(executionArn=execution["executionArn"])["status"]
            print(f"  input  {target['Input']}")
            print(f"  execution {execution['executionArn'].rsplit(':', 1)[-1]}: {status}")
            print(
                "  (moto records the execution; running the whole workflow on the emulator needs its Step Functions"
                " executor and the extensions in scripts/, see README)"
            )
            if args.keep:
                input("\n  --keep: the emulator is up; press Enter to tear down. ")
        finally:
            step(6, total, "terraform destroy")
            tf.run(
                "destroy",
                input=False,
                auto_approve=IsFlagged,
                force=IsNotFlagged,
                no_color=IsFlagged,
                var=DEMO_VARS,
            )
    print(f"\ndemo: done in {time.monotonic() - started:.0f} s; the emulator is stopped and nothing is left behind.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
