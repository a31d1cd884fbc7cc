# Retention: after a successful deployment (the endpoint InService on the approved config), the retention function
# (lambda_src/retraining/retention.py, the retraining's package) deletes the workflow's superseded endpoint configs
# and the models they named, keeping the serving config and the retain_previous_models newest older ones. A model no
# config names is left alone (it may be a candidate waiting for its approver); a rejected, expired or superseded
# candidate's model is deleted by its own run (the function's discard_candidate action, only if that execution's tag
# is on it). It touches only names of the workflow's "<prefix>-ad-<32 hex>" shape that carry its execution tag, and
# fails closed. It runs as its own role, so that the input check and the approval functions cannot delete anything;
# the deletes are scoped to the workflow's name pattern (the same "?" pattern as the state machine's policies).

locals {
  retention_function = {
    retention = {
      function_name = "${local.cd_prefix}-retention"
      handler       = "retention.handler"
      description   = "Deletes the superseded models and endpoint configs and the discarded candidates' models of the ${var.name_prefix} approved deployment; fails closed."
      timeout       = 300
      memory_size   = 256
    }
  }
  retention_function_arn = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.retention_function.retention.function_name}"
  # The names the workflow builds (cd_name_expression): "<lower(name_prefix)>-ad-" and 32 hex digits.
  retention_name_prefix = "${local.sagemaker_prefix}-ad-"
  sagemaker_arn         = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}"
}

module "retention_iam" {
  source = "../iam"

  name_prefix               = "${local.cd_prefix}-retention"
  sagemaker_resource_prefix = local.sagemaker_prefix
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
  lambda_policy_statements = [
    {
      # ListModels and ListEndpointConfigs have no resource types in the Service Authorization Reference for
      # SageMaker (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html;
      # "Except for the ListTags API, resource-level restrictions are not available on List- calls",
      # https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html): AWS requires "*".
      # They return names and creation times only; the function filters them by the workflow's name pattern.
      sid       = "ListModelsAndEndpointConfigs"
      actions   = ["sagemaker:ListModels", "sagemaker:ListEndpointConfigs"]
      resources = ["*"]
    },
    {
      sid       = "ReadEndpoint"
      actions   = ["sagemaker:DescribeEndpoint"]
      resources = [local.cd_endpoint_arn]
    },
    {
      # DescribeEndpointConfig, DescribeModel, ListTags and the deletes take the endpoint-config and model resources;
      # SageMaker ARNs carry names in lower case, and the workflow's names are lower case already.
      sid       = "PruneOwnEndpointConfigs"
      actions   = ["sagemaker:DescribeEndpointConfig", "sagemaker:ListTags", "sagemaker:DeleteEndpointConfig"]
      resources = ["${local.sagemaker_arn}:endpoint-config/${local.sagemaker_prefix}${local.name_suffix_pattern["ad"]}"]
    },
    {
      sid       = "PruneOwnModels"
      actions   = ["sagemaker:DescribeModel", "sagemaker:ListTags", "sagemaker:DeleteModel"]
      resources = ["${local.sagemaker_arn}:model/${local.sagemaker_prefix}${local.name_suffix_pattern["ad"]}"]
    },
  ]
}

module "retention_function" {
  source = "../lambda_function"

  functions          = local.retention_function
  package_path       = "${path.module}/../../lambda_src/packages/retraining.zip"
  runtime            = var.lambda_runtime
  role_arn           = module.retention_iam.lambda_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  vpc_subnet_ids         = var.lambda_subnet_ids
  vpc_security_group_ids = var.lambda_security_group_ids
}
