# ---------------------------------------------------------------------------------------------------------------------
# SageMaker execution role: what training, processing and transform jobs and hosted models run as.
# ---------------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "sagemaker_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sagemaker" {
  count              = var.create_sagemaker_role ? 1 : 0
  name               = local.sagemaker_role_name
  description        = "Execution role of the ${var.name_prefix} SageMaker jobs and models."
  assume_role_policy = data.aws_iam_policy_document.sagemaker_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "sagemaker" {
  count = var.create_sagemaker_role ? 1 : 0

  dynamic "statement" {
    for_each = var.sagemaker_bucket_arn == null ? [] : [true]
    content {
      sid       = "ArtifactBucketObjects"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
      resources = local.s3_object_arns
    }
  }

  dynamic "statement" {
    for_each = var.sagemaker_bucket_arn == null ? [] : [true]
    content {
      sid       = "ArtifactBucketListing"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = [var.sagemaker_bucket_arn]
    }
  }

  # Data given as S3 URIs: the jobs read every location (S3Prefix channels read every key that starts with the
  # prefix, hence "<prefix>*") and write only the output locations; a hosted model reads its artifact back from there.
  dynamic "statement" {
    for_each = length(local.s3_read_object_arns) == 0 ? [] : [true]
    content {
      sid       = "ReadData"
      actions   = ["s3:GetObject"]
      resources = local.s3_read_object_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.s3_write_object_arns) == 0 ? [] : [true]
    content {
      sid       = "WriteOutputs"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
      resources = local.s3_write_object_arns
    }
  }

  # ListBucket is a bucket-level action: one statement per location, limited to its keys by the s3:prefix condition
  # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html).
  dynamic "statement" {
    for_each = local.s3_locations
    content {
      sid       = "ListData${statement.key}"
      actions   = ["s3:ListBucket"]
      resources = ["${local.arn_prefix}:s3:::${statement.value[0]}"]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${statement.value[1]}*"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(local.ecr_repository_arns) == 0 ? [] : [true]
    content {
      sid       = "PullImages"
      actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
      resources = local.ecr_repository_arns
    }
  }

  statement {
    sid = "EcrLogin"
    # ecr:GetAuthorizationToken has no resource-level permissions: AWS requires "*".
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "JobLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${local.arn_prefix}:logs:${var.region}:${var.account_id}:log-group:/aws/sagemaker/*"]
  }

  statement {
    sid = "JobMetrics"
    # cloudwatch:PutMetricData has no resource-level permissions; it is limited to SageMaker's namespaces.
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*", "aws/sagemaker/*"]
    }
  }

  # Deployment guardrails: "Ensure that your IAM execution role has permission to perform the cloudwatch:DescribeAlarms
  # action on the auto-rollback alarms you specify" ("Auto-Rollback Configuration and Monitoring", SageMaker Developer
  # Guide). Granted on exactly those alarms (a metric alarm can be scoped by ARN; only composite alarms need "*",
  # CloudWatch API Reference, DescribeAlarms), to the execution role (the role the docs name).
  dynamic "statement" {
    for_each = length(var.rollback_alarm_arns) > 0 ? [true] : []
    content {
      sid       = "DescribeRollbackAlarms"
      actions   = ["cloudwatch:DescribeAlarms"]
      resources = var.rollback_alarm_arns
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [true]
    content {
      sid       = "UseKmsKey"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "sagemaker" {
  count  = var.create_sagemaker_role ? 1 : 0
  name   = "sagemaker-jobs"
  role   = aws_iam_role.sagemaker[0].id
  policy = data.aws_iam_policy_document.sagemaker[0].json
}

# ---------------------------------------------------------------------------------------------------------------------
# Lambda role: the workflow's functions (metrics query, gate) read SageMaker and write their logs.
# ---------------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  count              = var.create_lambda_role ? 1 : 0
  name               = "${var.name_prefix}-lambda"
  description        = "Role of the ${var.name_prefix} workflow Lambda functions."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "lambda" {
  count = var.create_lambda_role ? 1 : 0

  # Only with function names: AWS refuses a statement without resources (MalformedPolicyDocument).
  dynamic "statement" {
    for_each = length(var.lambda_function_names) > 0 ? [true] : []
    content {
      sid       = "FunctionLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = [for n in var.lambda_function_names : "${local.arn_prefix}:logs:${var.region}:${var.account_id}:log-group:/aws/lambda/${n}:*"]
    }
  }

  statement {
    sid = "Tracing"
    # X-Ray's write actions have no resource-level permissions: AWS requires "*".
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.lambda_sagemaker_read ? [true] : []
    content {
      sid     = "ReadSageMaker"
      actions = ["sagemaker:DescribeTrainingJob", "sagemaker:DescribeEndpointConfig", "sagemaker:DescribeEndpoint", "sagemaker:ListTags"]
      resources = concat(
        ["${local.sagemaker_arn}:training-job/${local.name_pattern}", "${local.sagemaker_arn}:endpoint-config/${local.name_pattern}"],
        local.endpoint_arns,
      )
    }
  }

  dynamic "statement" {
    for_each = var.lambda_policy_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  count  = var.create_lambda_role ? 1 : 0
  name   = "workflow-functions"
  role   = aws_iam_role.lambda[0].id
  policy = data.aws_iam_policy_document.lambda[0].json
}

# ---------------------------------------------------------------------------------------------------------------------
# State machine role: exactly the integrations the workflow definition uses (see locals.tf).
# ---------------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  count              = var.create_state_machine_role ? 1 : 0
  name               = "${var.name_prefix}-states"
  description        = "Role of the ${var.name_prefix} Step Functions state machine."
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "state_machine" {
  count = var.create_state_machine_role ? 1 : 0

  dynamic "statement" {
    for_each = local.job_integrations
    content {
      sid       = "SageMaker${title(statement.key)}Jobs"
      actions   = statement.value.actions
      resources = ["${local.sagemaker_arn}:${statement.value.arn_type}/${local.name_pattern}"]
    }
  }

  dynamic "statement" {
    for_each = length(local.job_integrations) > 0 ? [true] : []
    content {
      sid       = "SageMakerSyncManagedRules"
      actions   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
      resources = [for i in local.job_integrations : "${local.arn_prefix}:events:${var.region}:${var.account_id}:rule/${i.managed_rule}"]
    }
  }

  dynamic "statement" {
    for_each = length(local.job_integrations) > 0 || var.sagemaker_deploys_models ? [true] : []
    content {
      sid = "SageMakerListTags"
      # Step Functions lists the tags of the jobs (and models and endpoint configs) it tags. ListTags takes the
      # resource types of what it lists (Service Authorization Reference, Amazon SageMaker: training-job,
      # processing-job, transform-job, model, endpoint-config, endpoint...), so it is scoped to the workflow's own.
      actions = ["sagemaker:ListTags"]
      resources = concat(
        [for i in local.job_integrations : "${local.sagemaker_arn}:${i.arn_type}/${local.name_pattern}"],
        var.sagemaker_deploys_models ? ["${local.sagemaker_arn}:model/${local.name_pattern}", "${local.sagemaker_arn}:endpoint-config/${local.name_pattern}"] : [],
        var.sagemaker_deploys_models ? local.endpoint_arns : [],
      )
    }
  }

  dynamic "statement" {
    for_each = var.sagemaker_deploys_models ? [true] : []
    content {
      sid     = "SageMakerDeploy"
      actions = ["sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:AddTags"]
      resources = concat(
        ["${local.sagemaker_arn}:model/${local.name_pattern}", "${local.sagemaker_arn}:endpoint-config/${local.name_pattern}"],
        local.endpoint_arns,
      )
    }
  }

  dynamic "statement" {
    for_each = length(local.job_integrations) > 0 || var.sagemaker_deploys_models ? [true] : []
    content {
      sid       = "PassSageMakerRole"
      actions   = ["iam:PassRole"]
      resources = [local.sagemaker_role_arn]
      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["sagemaker.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.glue_job_names) > 0 ? [true] : []
    content {
      sid       = "GlueJobs"
      actions   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
      resources = [for n in var.glue_job_names : "${local.arn_prefix}:glue:${var.region}:${var.account_id}:job/${n}"]
    }
  }

  dynamic "statement" {
    for_each = length(var.lambda_function_arns) > 0 ? [true] : []
    content {
      sid       = "InvokeFunctions"
      actions   = ["lambda:InvokeFunction"]
      resources = concat(var.lambda_function_arns, [for a in var.lambda_function_arns : "${a}:*"])
    }
  }

  dynamic "statement" {
    for_each = length(var.sns_topic_arns) > 0 ? [true] : []
    content {
      sid       = "Notify"
      actions   = ["sns:Publish"]
      resources = var.sns_topic_arns
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [true]
    content {
      sid = "UseKmsKey"
      # CreateTrainingJob (VolumeKmsKeyId), CreateEndpointConfig (KmsKeyId) and the other jobs let SageMaker
      # use the key through a grant that the caller creates.
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey"]
      resources = [var.kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = var.state_machine_name == null ? [] : [true]
    content {
      sid = "DescribeLockHolder"
      # The concurrency guard asks whether the execution holding the endpoint's lock still runs (DescribeExecution
      # is authorized on the execution ARN, "Actions, resources, and condition keys for AWS Step Functions").
      actions   = ["states:DescribeExecution"]
      resources = [for n in distinct(concat([var.state_machine_name], var.lock_peer_state_machine_names)) : "${local.arn_prefix}:states:${var.region}:${var.account_id}:execution:${n}:*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.lock_table_arns) > 0 ? [true] : []
    content {
      sid       = "EndpointLock"
      actions   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = var.lock_table_arns
    }
  }

  # Deployment guardrails: "Ensure that your IAM execution role has permission to perform the cloudwatch:DescribeAlarms
  # action on the auto-rollback alarms you specify" ("Auto-Rollback Configuration and Monitoring", SageMaker Developer
  # Guide). Granted on exactly those alarms (a metric alarm can be scoped by ARN; only composite alarms need "*",
  # CloudWatch API Reference, DescribeAlarms), to the state machine role too (it calls UpdateEndpoint with the DeploymentConfig; the docs leave open whose
  # credentials SageMaker checks).
  dynamic "statement" {
    for_each = length(var.rollback_alarm_arns) > 0 ? [true] : []
    content {
      sid       = "DescribeRollbackAlarms"
      actions   = ["cloudwatch:DescribeAlarms"]
      resources = var.rollback_alarm_arns
    }
  }

  statement {
    sid = "ExecutionLogsAndTraces"
    # CloudWatch Logs delivery and X-Ray actions have no resource-level permissions: AWS requires "*".
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
      "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine" {
  count  = var.create_state_machine_role ? 1 : 0
  name   = "workflow-integrations"
  role   = aws_iam_role.state_machine[0].id
  policy = data.aws_iam_policy_document.state_machine[0].json
}
