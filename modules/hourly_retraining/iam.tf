# IAM, per model: its SageMaker execution role and its state machine's role, scoped to that model's images,
# channels, output path, endpoint and "<prefix>-<model>-rt-<32 hex>" names, so that model A's roles cannot touch
# model B's jobs or endpoint. The shared functions' role gets one inline policy per model (reading that model's
# training jobs, endpoint configs and endpoint, and listing its channels), so adding a model adds a policy and changes no other.
# Limit: IAM allows 10,240 characters of inline policies per role in total, about 20 models of two channels per call; beyond that,
# split the models over several calls (name_prefix per call) or pass lambda_role_arn.

module "iam" {
  source   = "../iam"
  for_each = { for k in keys(local.models) : k => k if var.create_sagemaker_role || var.create_state_machine_role }

  name_prefix = "${var.name_prefix}-${each.key}-rt"
  # A prefix too long is refused by checks.tf, naming name_prefix and the key; "x" keeps this module's own
  # validation from repeating it.
  sagemaker_resource_prefix = length(local.models[each.key].prefix) <= 26 ? local.models[each.key].prefix : "x"
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags

  # Exactly the model's inputs: its channels (any bucket), its output path, its training and inference images (any
  # repository, other accounts included), the KMS key; names of the fixed "<prefix>-<model>-rt-<32 hex>" shape.
  create_sagemaker_role         = var.create_sagemaker_role
  sagemaker_role_arn            = var.sagemaker_role_arn
  sagemaker_s3_read_uris        = values(local.channels[each.key])
  sagemaker_s3_write_uris       = [local.output_uris[each.key]]
  sagemaker_image_uris          = distinct([local.models[each.key].training_image, local.models[each.key].inference_image])
  sagemaker_name_suffix_pattern = module.conventions.name_suffix_pattern["rt"]
  # VPC mode (network.tf): the network interfaces of the jobs and models in the given subnets.
  sagemaker_vpc_access         = local.sagemaker_vpc
  sagemaker_subnet_ids         = var.sagemaker_subnet_ids
  sagemaker_security_group_ids = var.sagemaker_security_group_ids

  create_lambda_role = false

  create_state_machine_role = var.create_state_machine_role
  state_machine_name        = local.models[each.key].state_machine
  # The endpoint lock's holder may be a peer's execution (the approved deployment of the same endpoint).
  lock_peer_state_machine_names = var.lock_peer_state_machine_names
  sagemaker_job_types           = ["training"]
  sagemaker_deploys_models      = true
  endpoint_names                = [local.models[each.key].endpoint_name]
  glue_job_names                = local.models[each.key].glue_job_name == null ? [] : [local.models[each.key].glue_job_name]
  lambda_function_arns          = concat(values(local.function_arns), [local.retention_function_arn])
  sns_topic_arns                = [var.notifications_topic_arn]
  lock_table_arns               = [local.lock_table_arn]
  rollback_alarm_arns           = module.endpoint_rollout.rollback_alarm_arns[each.key]
}

# The shared role of the metrics and gate functions: logs and traces here, SageMaker reads per model below.
module "lambda_iam" {
  source = "../iam"
  count  = var.create_lambda_role && length(local.models) > 0 ? 1 : 0

  name_prefix               = "${var.name_prefix}-rt"
  sagemaker_resource_prefix = local.resource_prefix
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  tags                      = var.tags

  create_sagemaker_role     = false
  create_state_machine_role = false
  create_lambda_role        = true
  lambda_function_names     = [for f in values(local.functions) : f.function_name]
  lambda_sagemaker_read     = false
  lambda_vpc_access         = local.lambda_vpc
  lambda_subnet_ids         = var.lambda_subnet_ids
  lambda_security_group_ids = var.lambda_security_group_ids
}

data "aws_iam_policy_document" "lambda_read" {
  for_each = { for k in keys(local.models) : k => k if var.create_lambda_role }

  statement {
    sid     = "ReadSageMaker"
    actions = ["sagemaker:DescribeTrainingJob", "sagemaker:DescribeEndpointConfig", "sagemaker:DescribeEndpoint", "sagemaker:ListTags"]
    resources = [
      "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:training-job/${local.models[each.key].prefix}${module.conventions.name_suffix_pattern["rt"]}",
      "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint-config/${local.models[each.key].prefix}${module.conventions.name_suffix_pattern["rt"]}",
      "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint/${lower(local.models[each.key].endpoint_name)}",
    ]
  }

  # The fingerprint function lists the model's channels: ListBucket is a bucket-level action, limited to the
  # channel's keys by s3:prefix (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html).
  dynamic "statement" {
    for_each = local.models[each.key].skip_unchanged ? local.channels[each.key] : {}
    content {
      sid       = "ListChannel${index(keys(local.channels[each.key]), statement.key)}"
      actions   = ["s3:ListBucket"]
      resources = ["arn:${local.partition}:s3:::${regex("^s3://([^/]+)/?(.*)$", statement.value)[0]}"]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${regex("^s3://([^/]+)/?(.*)$", statement.value)[1]}*"]
      }
    }
  }
}

resource "aws_iam_role_policy" "lambda_read" {
  for_each = { for k in keys(local.models) : k => k if var.create_lambda_role }

  name   = "read-${each.key}"
  role   = "${var.name_prefix}-rt-lambda"
  policy = data.aws_iam_policy_document.lambda_read[each.key].json

  depends_on = [module.lambda_iam]
}

# The gate publishes its decisions as custom metrics. PutMetricData has no resource ARN: the cloudwatch:namespace
# condition key limits it to this workflow's namespace.
data "aws_iam_policy_document" "lambda_metrics" {
  count = var.create_lambda_role && length(local.models) > 0 ? 1 : 0

  statement {
    sid       = "PutGateMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [local.metrics_namespace]
    }
  }
}

resource "aws_iam_role_policy" "lambda_metrics" {
  count = var.create_lambda_role && length(local.models) > 0 ? 1 : 0

  name   = "put-gate-metrics"
  role   = "${var.name_prefix}-rt-lambda"
  policy = data.aws_iam_policy_document.lambda_metrics[0].json

  depends_on = [module.lambda_iam]
}
