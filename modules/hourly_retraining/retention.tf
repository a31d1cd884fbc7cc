# Retention: after a successful deployment (the endpoint InService on the new config), the retention function
# (lambda_src/retraining/retention.py) deletes the model's superseded endpoint configs, then the models no remaining
# config names, keeping the serving config and the retain_previous_models newest older ones. It touches only names of
# the workflow's "<prefix>-<model>-rt-<32 hex>" shape that carry the workflow's execution tag, and fails closed. It
# runs as its own role, so that the metrics and gate functions cannot delete anything: one inline policy per model,
# with the deletes scoped to that model's name pattern (the same "?" pattern as the state machine's policies).

locals {
  retention_function = {
    retention = {
      function_name = "${local.workflow_name}-retention"
      handler       = "retention.handler"
      description   = "Deletes the superseded models and endpoint configs of a ${var.name_prefix} retraining model; fails closed."
      timeout       = 300
      memory_size   = 256
    }
  }
  retention_function_arn = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.retention_function.retention.function_name}"
  retention_role_name    = "${var.name_prefix}-rt-retention-lambda"
  retention_role_arn     = var.create_lambda_role ? try(module.retention_iam[0].lambda_role_arn, null) : var.lambda_role_arn
  sagemaker_arn          = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}"
}

module "retention_iam" {
  source = "../iam"
  count  = var.create_lambda_role && length(local.models) > 0 ? 1 : 0

  name_prefix               = "${var.name_prefix}-rt-retention"
  sagemaker_resource_prefix = local.resource_prefix
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  tags                      = var.tags

  create_sagemaker_role     = false
  create_state_machine_role = false
  create_lambda_role        = true
  lambda_function_names     = [local.retention_function.retention.function_name]
  lambda_sagemaker_read     = false
  lambda_vpc_access         = local.lambda_vpc
  lambda_subnet_ids         = var.lambda_subnet_ids
  lambda_security_group_ids = var.lambda_security_group_ids
  lambda_policy_statements = [{
    # ListModels and ListEndpointConfigs have no resource types in the Service Authorization Reference for SageMaker
    # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html; "Except for the
    # ListTags API, resource-level restrictions are not available on List- calls",
    # https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html): AWS requires "*".
    # They return names and creation times only; the function filters them by the model's name pattern.
    sid       = "ListModelsAndEndpointConfigs"
    actions   = ["sagemaker:ListModels", "sagemaker:ListEndpointConfigs"]
    resources = ["*"]
  }]
}

data "aws_iam_policy_document" "retention" {
  for_each = { for k in keys(local.models) : k => k if var.create_lambda_role }

  statement {
    sid       = "ReadEndpoint"
    actions   = ["sagemaker:DescribeEndpoint"]
    resources = ["${local.sagemaker_arn}:endpoint/${lower(local.models[each.key].endpoint_name)}"]
  }

  # DescribeEndpointConfig, ListTags and the deletes take the endpoint-config and model resources; SageMaker ARNs
  # carry names in lower case, and the workflow's names are lower case already.
  statement {
    sid     = "PruneOwnEndpointConfigs"
    actions = ["sagemaker:DescribeEndpointConfig", "sagemaker:ListTags", "sagemaker:DeleteEndpointConfig"]
    resources = [
      "${local.sagemaker_arn}:endpoint-config/${local.models[each.key].prefix}${module.conventions.name_suffix_pattern["rt"]}",
    ]
  }

  statement {
    sid       = "PruneOwnModels"
    actions   = ["sagemaker:ListTags", "sagemaker:DeleteModel"]
    resources = ["${local.sagemaker_arn}:model/${local.models[each.key].prefix}${module.conventions.name_suffix_pattern["rt"]}"]
  }
}

resource "aws_iam_role_policy" "retention" {
  for_each = { for k in keys(local.models) : k => k if var.create_lambda_role }

  name   = "retention-${each.key}"
  role   = local.retention_role_name
  policy = data.aws_iam_policy_document.retention[each.key].json

  depends_on = [module.retention_iam]
}

module "retention_function" {
  source = "../lambda_function"
  count  = length(local.models) > 0 ? 1 : 0

  functions          = local.retention_function
  package_path       = "${path.module}/../../lambda_src/packages/retraining.zip"
  runtime            = var.lambda_runtime
  role_arn           = local.retention_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  vpc_subnet_ids         = var.lambda_subnet_ids
  vpc_security_group_ids = var.lambda_security_group_ids

  depends_on = [aws_iam_role_policy.retention, module.retention_iam]
}
