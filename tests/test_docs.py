"""scripts/gen_docs.py: the HCL reader, the rendered tables, the CLI, and the committed READMEs."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_docs.py"

_spec = importlib.util.spec_from_file_location("gen_docs", SCRIPT)
gen_docs = importlib.util.module_from_spec(_spec)
sys.modules["gen_docs"] = gen_docs
_spec.loader.exec_module(gen_docs)

VARIABLES_TF = r"""# Inputs of the fixture module.
variable "name" {
  description = "Name prefix for every resource."
  type        = string
}

variable "instance" {
  description = "Training instance settings."
  type = object({
    type  = string # the SageMaker instance type
    count = optional(number, 1)
    volume = optional(object({
      size_gb = number
    }))
  })
  default = {
    type  = "ml.m5.large"
    count = 1
  }
}

variable "tags" {
  description = "Tags with \"quotes\", a # hash, a // pair, a back\\slash and ${var.name}."
  type        = map(string)
  default = {
    Project = "ml" // the project
    Team    = "data|science"
  }
}

variable "subnets" {
  description = <<-EOT
    Private subnets for the jobs,
    one per availability zone.

    See the "network" section.
  EOT
  type = list(string)
  default = [
    "subnet-a", # first
    "subnet-b",
  ]
}

/* A block comment that hides a variable:
variable "ghost" {
}
*/
variable "api_key" {
  description = "Key for the model registry."
  type        = string
  sensitive   = true
  default     = null

  validation {
    condition     = var.api_key == null || length(var.api_key) >= 8
    error_message = "The key needs 8 characters or more; a } here is fine."
  }

  validation {
    condition     = can(regex("^[a-z0-9]+$", var.api_key))
    error_message = "Lowercase letters and digits only."
  }
}

variable "template" {
  description = <<EOT
Literal ${jsonencode({ a = "}" })} text.
EOT
  default     = "${var.name}-{x}"
}

variable "untyped" {}
"""

OUTPUTS_TF = r"""output "model_arn" {
  description = "ARN of the model # not a comment"
  value       = aws_sagemaker_model.this.arn
}

output "endpoint_urls" {
  value     = { for k, v in var.endpoints : k => "https://${v}/{id}" }
  sensitive = true
}
"""


def write_module(directory: Path, variables: str = VARIABLES_TF, outputs: str = OUTPUTS_TF) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "variables.tf").write_text(variables)
    (directory / "outputs.tf").write_text(outputs)
    return directory


@pytest.fixture
def variables(tmp_path):
    path = write_module(tmp_path / "mod") / "variables.tf"
    return {v.name: v for v in gen_docs.read_variables(path)}


# --------------------------------------------------------------------------- reader


def test_variables_keep_file_order_and_skip_comments(tmp_path):
    path = write_module(tmp_path / "mod") / "variables.tf"
    names = [v.name for v in gen_docs.read_variables(path)]
    assert names == ["name", "instance", "tags", "subnets", "api_key", "template", "untyped"]


def test_required_means_no_default(variables):
    assert variables["name"].required
    assert variables["name"].default is None
    assert variables["untyped"].required
    assert (variables["untyped"].type, variables["untyped"].description) == ("any", "")
    assert not variables["api_key"].required
    assert variables["api_key"].default == "null"


def test_multiline_object_type_collapses_to_one_line(variables):
    assert variables["instance"].type == (
        "object({ type = string, count = optional(number, 1), volume = optional(object({ size_gb = number })) })"
    )
    assert variables["instance"].default == '{ type = "ml.m5.large", count = 1 }'


def test_map_default_with_comment_and_aligned_equals(variables):
    assert variables["tags"].type == "map(string)"
    assert variables["tags"].default == '{ Project = "ml", Team = "data|science" }'


def test_list_default_drops_trailing_comma(variables):
    assert variables["subnets"].default == '["subnet-a", "subnet-b"]'


def test_escaped_quotes_hash_and_interpolation_in_strings(variables):
    assert variables["tags"].description == ('Tags with "quotes", a # hash, a // pair, a back\\slash and ${var.name}.')
    assert variables["template"].default == '"${var.name}-{x}"'


def test_heredocs_indented_and_plain(variables):
    assert variables["subnets"].description == (
        'Private subnets for the jobs,\none per availability zone.\n\nSee the "network" section.\n'
    )
    assert variables["template"].description == 'Literal ${jsonencode({ a = "}" })} text.\n'


def test_validation_blocks_are_counted_not_read_as_attributes(variables):
    key = variables["api_key"]
    assert key.validations == 2
    assert key.sensitive
    assert key.description == "Key for the model registry."
    assert variables["name"].validations == 0


def test_outputs(tmp_path):
    path = write_module(tmp_path / "mod") / "outputs.tf"
    outputs = gen_docs.read_outputs(path)
    assert [(o.name, o.description, o.sensitive) for o in outputs] == [
        ("model_arn", "ARN of the model # not a comment", False),
        ("endpoint_urls", "", True),
    ]


def test_one_line_blocks_and_other_block_types(tmp_path):
    text = 'locals {\n  a = 1\n}\nvariable "x" { default = 3 }\nvariable "y" { type = bool }\n'
    path = tmp_path / "variables.tf"
    path.write_text(text)
    assert [(v.name, v.default) for v in gen_docs.read_variables(path)] == [("x", "3"), ("y", None)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('variable "x" {\n  description = "open\n}\n', "variables.tf:2: unterminated string"),
        ('variable "x" {\n  type = string\n', "variables.tf:2: missing } at end of file"),
        ('variable "x" {\n  default = [1,\n', "unclosed bracket"),
        ('variable "x" {\n  description = <<EOT\n  text\n}\n', "variables.tf:2: heredoc <<EOT"),
        ('variable "x" {\n  description = var.y\n}\n', "variables.tf:2: expected a string literal"),
        ('/* no end\nvariable "x" {}\n', "variables.tf:1: unterminated /* comment"),
    ],
)
def test_parse_errors_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "variables.tf"
    path.write_text(text)
    with pytest.raises(gen_docs.HclError, match=re.escape(message)):
        gen_docs.read_variables(path)


# --------------------------------------------------------------------------- rendering

EXPECTED_SECTION = """\
<!-- BEGIN_TF_DOCS -->
<!-- Generated by scripts/gen_docs.py from the module's .tf files; edit those, not this section. -->
## Requirements

No requirements.

## Providers

No providers.

## Modules

No modules.

## Resources

No resources.

## Inputs

| Name | Description | Type | Default | Required |
|------|-------------|------|---------|:--------:|
| `bucket` | Bucket for `model` artifacts \\| data. | `string` | n/a | yes |
| `retries` | Retry count.<br><br>Zero disables retries. | `number` | `3` | no |
| `tags` | n/a | `map(string)` | `{ a = "x\\|y" }` | no |

## Outputs

| Name | Description |
|------|-------------|
| `token` | (sensitive) |
<!-- END_TF_DOCS -->"""

SMALL_VARIABLES = """\
variable "bucket" {
  description = "Bucket for `model` artifacts | data."
  type        = string
}

variable "retries" {
  description = <<-EOT
    Retry
    count.

    Zero disables retries.
  EOT
  type        = number
  default     = 3
}

variable "tags" {
  type = map(string)
  default = {
    a = "x|y"
  }
}
"""

SMALL_OUTPUTS = 'output "token" {\n  value     = random_password.this.result\n  sensitive = true\n}\n'


def test_rendered_tables(tmp_path):
    module = write_module(tmp_path / "small", SMALL_VARIABLES, SMALL_OUTPUTS)
    readme = gen_docs.updated_readme(module, None)
    assert readme == f"# small\n\n{EXPECTED_SECTION}\n"


MAIN_TF = """\
terraform {
  required_version = ">= 1.0.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 3.39.0"
    }
    archive = {
      source = "hashicorp/archive"
    }
  }
}

data "aws_region" "current" {}

resource "aws_s3_bucket" "this" {
  bucket = var.bucket
}

module "queue" {
  source = "./modules/queue"
  name   = "x"
}

resource "aws_iam_role" "jobs" {
  name               = "jobs"
  assume_role_policy = "{}"
}
"""


def test_requirements_providers_modules_and_resources_come_from_every_tf_file(tmp_path):
    module = write_module(tmp_path / "full", SMALL_VARIABLES, SMALL_OUTPUTS)
    (module / "main.tf").write_text(MAIN_TF)
    (module / "extra.tf").write_text('resource "aws_sns_topic" "alerts" {\n  name = "a"\n}\n')
    section = gen_docs.render_docs(module)
    assert "| `terraform` | `>= 1.0.3` |\n| `aws` | `>= 3.39.0` |\n| `archive` | any |\n" in section
    assert "| `aws` | `hashicorp/aws` |\n| `archive` | `hashicorp/archive` |\n" in section
    assert "| `queue` | `./modules/queue` |\n" in section
    assert (
        "| `aws_iam_role.jobs` | resource |\n| `aws_s3_bucket.this` | resource |\n"
        "| `aws_sns_topic.alerts` | resource |\n| `data.aws_region.current` | data source |\n"
    ) in section
    assert section.index("## Requirements") < section.index("## Resources") < section.index("## Inputs")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('resource "aws_s3_bucket" {\n}\n', "main.tf:1: resource block needs a type and a name"),
        ('module "m" {\n  name = "x"\n}\n', "main.tf:1: module block needs one name and a source"),
    ],
)
def test_malformed_resource_and_module_blocks_name_file_and_line(tmp_path, text, message):
    module = write_module(tmp_path / "bad", SMALL_VARIABLES, SMALL_OUTPUTS)
    (module / "main.tf").write_text(text)
    with pytest.raises(gen_docs.HclError, match=re.escape(message)):
        gen_docs.render_docs(module)


def test_empty_module_says_so(tmp_path):
    module = write_module(tmp_path / "empty", "# nothing yet\n", "")
    section = gen_docs.render_docs(module)
    assert "No inputs.\n" in section
    assert "No outputs.\n" in section
    assert "No resources.\n" in section


def test_code_spans_with_backticks():
    assert gen_docs.md_code("a`b") == "``a`b``"
    assert gen_docs.md_code("`x`") == "`` `x` ``"


# --------------------------------------------------------------------------- CLI


def test_round_trip_idempotent_and_check(tmp_path, capsys):
    module = write_module(tmp_path / "mod", SMALL_VARIABLES, SMALL_OUTPUTS)
    readme = module / "README.md"
    readme.write_text("# mod\n\nIntro.\n\n<!-- BEGIN_TF_DOCS -->\nold tables\n<!-- END_TF_DOCS -->\n\nFooter.\n")

    assert gen_docs.main(["--check", str(module)]) == 1
    err = capsys.readouterr().err
    assert f"stale: {readme}" in err
    assert "run python scripts/gen_docs.py" in err
    assert "old tables" in readme.read_text()

    assert gen_docs.main([str(module)]) == 0
    assert f"updated {readme}" in capsys.readouterr().out
    first = readme.read_text()
    assert first == f"# mod\n\nIntro.\n\n{EXPECTED_SECTION}\n\nFooter.\n"

    assert gen_docs.main([str(module)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert readme.read_text() == first
    assert gen_docs.main(["--check", str(module)]) == 0

    (module / "variables.tf").write_text(SMALL_VARIABLES + 'variable "extra" {\n  type = bool\n}\n')
    assert gen_docs.main(["--check", str(module)]) == 1
    assert gen_docs.main([str(module)]) == 0
    assert "| `extra` | n/a | `bool` | n/a | yes |" in readme.read_text()
    assert gen_docs.main(["--check", str(module)]) == 0


def test_missing_readme_is_created_and_check_reports_it(tmp_path, capsys):
    module = write_module(tmp_path / "training", SMALL_VARIABLES, SMALL_OUTPUTS)
    assert gen_docs.main(["--check", str(module)]) == 1
    assert "(missing)" in capsys.readouterr().err
    assert gen_docs.main([str(module)]) == 0
    assert "created" in capsys.readouterr().out
    assert (module / "README.md").read_text().startswith("# training\n\n<!-- BEGIN_TF_DOCS -->\n")


@pytest.mark.parametrize(
    "text",
    [
        "# mod\n\nNo markers here.\n",
        "<!-- END_TF_DOCS -->\n<!-- BEGIN_TF_DOCS -->\n",
        "<!-- BEGIN_TF_DOCS -->\n<!-- END_TF_DOCS -->\n<!-- BEGIN_TF_DOCS -->\n<!-- END_TF_DOCS -->\n",
    ],
)
def test_readme_without_proper_markers_is_an_error(tmp_path, capsys, text):
    module = write_module(tmp_path / "mod", SMALL_VARIABLES, SMALL_OUTPUTS)
    (module / "README.md").write_text(text)
    assert gen_docs.main([str(module)]) == 2
    assert "needs one <!-- BEGIN_TF_DOCS --> line" in capsys.readouterr().err
    assert (module / "README.md").read_text() == text


def test_directory_without_terraform_is_an_error(tmp_path, capsys):
    assert gen_docs.main([str(tmp_path)]) == 2
    assert "no variables.tf or outputs.tf" in capsys.readouterr().err


def test_default_module_dirs_are_root_and_modules_with_variables():
    dirs = gen_docs.default_module_dirs()
    assert dirs[0] == ROOT
    assert all((d / "variables.tf").is_file() for d in dirs[1:])
    assert all(d.parent == ROOT / "modules" for d in dirs[1:])


# --------------------------------------------------------------------------- the repository


def test_committed_readmes_are_fresh():
    if not (ROOT / "variables.tf").is_file():
        pytest.skip("the root module's variables.tf does not exist yet")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _version() -> str:
    match = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), flags=re.M)
    assert match, "pyproject.toml has no version"
    return match.group(1)


def test_license_matches_pyproject():
    assert re.search(r'^license = "Apache-2.0"', (ROOT / "pyproject.toml").read_text(), flags=re.M)
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_changelog_releases_the_version_the_docs_use():
    version = _version()
    changelog = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[?v?([0-9]+\.[0-9]+\.[0-9]+)\]?", changelog, flags=re.M)
    assert releases and releases[0] == version, f"CHANGELOG's newest release {releases[:1]} is not {version}"
    docs = [
        ROOT / "README.md",
        *ROOT.glob("docs/*.md"),
        *ROOT.glob("modules/*/README.md"),
        *ROOT.glob("examples/*/*.tf"),
    ]
    refs = {
        (p.relative_to(ROOT).as_posix(), ref) for p in docs for ref in re.findall(r"\?ref=([^\"\s)]+)", p.read_text())
    }
    assert refs, "no usage block names a ?ref="
    assert {ref for _, ref in refs} == {f"v{version}"}, sorted(refs)


def test_the_tag_the_docs_use_exists():
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--git-dir"], capture_output=True, text=True)
    if git.returncode != 0:
        pytest.skip("not a git checkout (a source archive carries no tags)")
    tags = subprocess.run(["git", "-C", str(ROOT), "tag", "--list"], capture_output=True, text=True)
    if not tags.stdout.strip():
        # A clone of one branch without its tags (as CI makes) cannot tell; a maintainer's checkout with tags can.
        pytest.skip("this clone carries no tags")
    tag = subprocess.run(["git", "-C", str(ROOT), "tag", "--list", f"v{_version()}"], capture_output=True, text=True)
    assert tag.stdout.strip() == f"v{_version()}", f"no git tag v{_version()}: tag the release the usage blocks name"


@pytest.mark.parametrize("module", sorted(p.parent.name for p in ROOT.glob("modules/*/variables.tf")))
def test_every_submodule_readme_has_a_usage_block_of_itself(module):
    text = (ROOT / "modules" / module / "README.md").read_text()
    blocks = re.findall(r"```hcl\n(.*?)```", text, flags=re.S)
    assert blocks, f"modules/{module}/README.md has no usage block"
    assert any(f"//modules/{module}?ref=v{_version()}" in b for b in blocks), f"no usage of modules/{module}"
