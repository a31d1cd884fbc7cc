# The approved-deployment workflow (CI/CD): commit -> image (CodeBuild) -> state machine: validate the input ->
# train (.sync) -> model -> batch transform of the test set (.sync) -> human approval (signed, expiring, single-use
# links; waitForTaskToken) -> endpoint config -> create or update the endpoint -> wait until InService -> notify.
# docs/approved_deployment.md describes the workflow, the approval's security model and the limits.

data "aws_caller_identity" "current" {
  count = var.account_id == null ? 1 : 0
}

data "aws_region" "current" {}

data "aws_partition" "current" {}

module "conventions" {
  source = "../conventions"
}

locals {
  account_id = var.account_id != null ? var.account_id : data.aws_caller_identity.current[0].account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # SageMaker ARNs carry names in lower case; the IAM policies are scoped to this prefix.
  sagemaker_prefix = lower(var.name_prefix)
  # The shared bucket: its ARN follows from its name, so the policies are known at plan.
  bucket_arn = "arn:${local.partition}:s3:::${var.artifact_bucket_name}"
  kms        = var.kms_key_arn == null ? {} : { KmsKeyId = var.kms_key_arn }

  # The shared conventions (modules/conventions): SageMaker name shape and IAM patterns, execution tag, retries.
  sagemaker_name_hash = module.conventions.sagemaker_name_hash
  name_suffix_pattern = module.conventions.name_suffix_pattern
  execution_tag       = module.conventions.execution_tag
  retry               = module.conventions.retry
  catch_all           = module.conventions.catch_all
  lock_retry          = module.conventions.lock_retry

  # Every create_* decision is a flag the caller sets (known at plan), never a null test of an ARN or a name that
  # may come from a resource created in the same apply.
  # The pipeline (CodeBuild + CodePipeline) needs a repository to build from; without one, start the state
  # machine yourself with {"commit_id": ..., "image_uri": ...}.
  create_cd_pipeline      = var.create_pipeline
  create_cd_connection    = local.create_cd_pipeline && var.source_type == "codestar_connection" && var.create_connection
  create_cd_source_events = local.create_cd_pipeline && var.source_type == "codecommit"
  create_inference_api    = var.create_inference_api

  cd_prefix             = "${var.name_prefix}-cd"
  cd_state_machine_name = "${var.name_prefix}-approved-deployment"
  cd_state_machine_arn  = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.cd_state_machine_name}"
  cd_endpoint_name      = coalesce(var.endpoint_name, "${var.name_prefix}-approved")
  cd_endpoint_arn       = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint/${lower(local.cd_endpoint_name)}"
  cd_data_prefix        = "${local.sagemaker_prefix}/approved-deployment"
  # The image repository: created ("<prefix>-approved", in lower case) or the caller's, whose name and ARN follow from
  # its URL (<account>.dkr.ecr.<region>.<dns suffix>/<name>).
  created_ecr_repository_name = "${local.sagemaker_prefix}-approved"
  cd_ecr_repository_url       = var.create_ecr_repository ? "${local.account_id}.dkr.ecr.${local.region}.${data.aws_partition.current.dns_suffix}/${local.created_ecr_repository_name}" : (local.check_ecr_repository ? var.ecr_repository_url : null)
  cd_ecr_repository_parts = var.create_ecr_repository ? [local.account_id, local.region, local.created_ecr_repository_name] : regex(
    "^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.[a-z0-9.]+/(.+)$", coalesce(var.ecr_repository_url, "000000000000.dkr.ecr.none.amazonaws.com/none")
  )
  cd_ecr_repository_name = local.cd_ecr_repository_parts[2]
  cd_ecr_repository_arn  = "arn:${local.partition}:ecr:${local.cd_ecr_repository_parts[1]}:${local.cd_ecr_repository_parts[0]}:repository/${local.cd_ecr_repository_name}"

  # Approval: the approvers' topic, the request records, the signing key (a secret the Lambda fills on first use).
  approvals_topic_name   = "${var.name_prefix}-approvals"
  approvals_topic_arn    = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.approvals_topic_name}"
  approvals_table_name   = "${local.cd_prefix}-approvals"
  approvals_table_arn    = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.approvals_table_name}"
  approval_key_name      = "${local.cd_prefix}-approval-signing-key"
  approval_key_arn_match = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${local.approval_key_name}-??????"
  approval_api_name      = "${local.cd_prefix}-api"

  # Functions, one package per role: the workflow's own (input check, approval request), the internet-facing
  # responder (the only one that may send task results), the inference API (the only one that may invoke).
  cd_functions = {
    input = {
      function_name = "${local.cd_prefix}-input"
      handler       = "deployment_input.handler"
      description   = "Validates the commit and image of a ${var.name_prefix} approved-deployment execution; fails closed."
      timeout       = 30
      memory_size   = 256
    }
    request = {
      function_name = "${local.cd_prefix}-approval-request"
      handler       = "approval_request.handler"
      description   = "Mails signed, expiring Approve/Reject links for a ${var.name_prefix} candidate model."
      timeout       = 60
      memory_size   = 256
    }
  }
  cd_responder_function = {
    responder = {
      function_name = "${local.cd_prefix}-approval-responder"
      handler       = "approval_responder.handler"
      description   = "Confirmation page (GET) and decision (POST) of the ${var.name_prefix} approval links."
      timeout       = 15
      memory_size   = 256
    }
  }
  cd_inference_function = {
    inference = {
      function_name = "${local.cd_prefix}-inference"
      handler       = "inference.handler"
      description   = "Inference API of the ${var.name_prefix} approved endpoint: POST {\"data\": \"<csv row>\"}."
      timeout       = 30
      memory_size   = 256
    }
  }
  cd_function_arns = { for k, f in local.cd_functions : k => "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${f.function_name}" }

  cd_kms_statements = var.kms_key_arn == null ? [] : [{
    sid       = "UseKmsKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }]

  cd_training_channels = var.training_channels != null ? var.training_channels : {
    train      = "s3://${var.artifact_bucket_name}/${local.cd_data_prefix}/data/train/"
    validation = "s3://${var.artifact_bucket_name}/${local.cd_data_prefix}/data/validation/"
  }
  cd_test_data_uri = coalesce(var.test_data_uri, "s3://${var.artifact_bucket_name}/${local.cd_data_prefix}/data/test/")
  # Per attempt: "<prefix>-ad-<32 hex digits>", at most 62 characters, the fixed shape the IAM policies allow (see
  # name_expression in locals.tf); the commit is in the sfn-ml:commit tag.
  cd_name_expression = "States.Format('{}-ad-{}', '${local.sagemaker_prefix}', ${local.sagemaker_name_hash})"
  cd_output_uri      = "s3://${var.artifact_bucket_name}/${local.cd_data_prefix}/models/"
  cd_transform_uri   = "s3://${var.artifact_bucket_name}/${local.cd_data_prefix}/transform/"
  cd_execution_tags = [
    local.execution_tag,
    { Key = "sfn-ml:commit", "Value.$" = "$.deployment.commit_id" },
  ]

  approved_deployment_template_vars = {
    partition                 = local.partition
    name_prefix               = var.name_prefix
    endpoint_name             = local.cd_endpoint_name
    execution_timeout_seconds = local.execution_timeout_seconds
    input_function_arn        = local.cd_function_arns["input"]
    request_function_arn      = local.cd_function_arns["request"]
    repository_url            = local.cd_ecr_repository_url
    sagemaker_name_prefix     = local.sagemaker_prefix
    name_expression           = local.cd_name_expression
    sagemaker_role_arn        = module.workflow_iam.sagemaker_role_arn
    hyperparameters           = var.hyperparameters
    input_data_config = [for name, uri in local.cd_training_channels : {
      ChannelName = name
      ContentType = var.content_type
      DataSource  = { S3DataSource = { S3DataType = "S3Prefix", S3Uri = uri, S3DataDistributionType = "FullyReplicated" } }
    }]
    output_data_config = merge({ S3OutputPath = local.cd_output_uri }, local.kms)
    resource_config = merge(
      { InstanceType = var.training_instance_type, InstanceCount = var.training_instance_count, VolumeSizeInGB = var.training_volume_size_gb },
      var.kms_key_arn == null ? {} : { VolumeKmsKeyId = var.kms_key_arn },
    )
    training_max_runtime_seconds = var.training_max_runtime_seconds
    training_network             = local.training_network
    model_network                = local.model_network
    execution_tags               = local.cd_execution_tags
    transform_input = {
      DataSource      = { S3DataSource = { S3DataType = "S3Prefix", S3Uri = local.cd_test_data_uri } }
      ContentType     = var.content_type
      SplitType       = "Line"
      CompressionType = "None"
    }
    # One output folder per execution, under the workflow's prefix (the SageMaker role may write only there).
    transform_output = merge({
      "S3OutputPath.$" = "States.Format('${local.cd_transform_uri}{}/', $$.Execution.Name)"
      AssembleWith     = "Line"
      Accept           = var.content_type
    }, local.kms)
    transform_resources = merge(
      { InstanceType = var.transform_instance_type, InstanceCount = var.transform_instance_count },
      var.kms_key_arn == null ? {} : { VolumeKmsKeyId = var.kms_key_arn },
    )
    transform_timeout_seconds = var.transform_timeout_seconds
    approval_timeout_seconds  = var.approval_timeout_seconds
    endpoint_config_parameters = merge({
      "EndpointConfigName.$" = local.cd_name_expression
      ProductionVariants = [{
        VariantName          = "AllTraffic"
        "ModelName.$"        = "$.model.ModelName"
        InitialInstanceCount = var.endpoint_instance_count
        InstanceType         = var.endpoint_instance_type
        InitialVariantWeight = 1
      }]
      Tags = concat(local.cd_execution_tags, [
        { Key = "sfn-ml:approved-by", "Value.$" = "$.approval.decided_by" },
        { Key = "sfn-ml:approved-at", "Value.$" = "$.approval.decided_at" },
      ])
    }, local.kms)
    sns_topic_arn         = var.notifications_topic_arn
    endpoint_poll_seconds = var.endpoint_poll_seconds
    endpoint_max_polls    = local.endpoint_max_polls
    # Waiting for the endpoint's lock: at most 100 looks (about 25 history events each, beside the endpoint waits).
    lock_max_polls                = min(local.endpoint_max_polls, 100)
    endpoint_wait_timeout_seconds = var.endpoint_wait_timeout_seconds
    retry                         = local.retry
    catch_all                     = local.catch_all
    lock_table_name               = local.lock_table_name
    lock_retry                    = local.lock_retry
    retention_function_arn        = local.retention_function_arn
    retention_name_prefix         = local.retention_name_prefix
    retain_previous_models        = var.retain_previous_models
  }
  # The workflow's own states plus the shared create-or-update-the-endpoint-and-wait states.
  approved_deployment_main = jsondecode(templatefile("${path.module}/../../definitions/approved_deployment.asl.json.tftpl", local.approved_deployment_template_vars))
  approved_deployment_definition = jsonencode(merge(local.approved_deployment_main, {
    States = merge(local.approved_deployment_main.States, jsondecode(templatefile(
      "${path.module}/../../definitions/deploy_endpoint.states.json.tftpl",
      merge(local.approved_deployment_template_vars, { config_label = "approved", deployment_config = module.endpoint_rollout.deployment_configs["approved"] }),
    )))
  }))
}

# ---------------------------------------------------------------------------------------------------------------------
# Image repository, roles, functions, state machine
# ---------------------------------------------------------------------------------------------------------------------
module "ecr_repository" {
  source = "../ecr_repository"
  count  = var.create_ecr_repository ? 1 : 0

  name        = local.cd_ecr_repository_name
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}

module "workflow_iam" {
  source = "../iam"

  name_prefix               = local.cd_prefix
  sagemaker_resource_prefix = local.sagemaker_prefix
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags

  # Exactly the inputs: the channels and the test set (any bucket), the model and transform outputs, the workflow's
  # repository (the input check accepts images from it only), the KMS key; names "<prefix>-ad-<32 hex>".
  create_sagemaker_role         = var.create_sagemaker_role
  sagemaker_role_arn            = var.create_sagemaker_role ? null : (local.check_sagemaker_role ? var.sagemaker_role_arn : null)
  sagemaker_s3_read_uris        = concat(values(local.cd_training_channels), [local.cd_test_data_uri])
  sagemaker_s3_write_uris       = [local.cd_output_uri, local.cd_transform_uri]
  sagemaker_ecr_repository_arns = [local.cd_ecr_repository_arn]
  sagemaker_name_suffix_pattern = local.name_suffix_pattern["ad"]
  # VPC mode (network.tf): the network interfaces of the training job and the model in the given subnets.
  sagemaker_vpc_access         = local.sagemaker_vpc
  sagemaker_subnet_ids         = var.sagemaker_subnet_ids
  sagemaker_security_group_ids = var.sagemaker_security_group_ids

  # The input check and the approval request: publish to the approvers' topic, record the request, read (and on
  # first use create) the signing key. They cannot send task results: only the responder can.
  create_lambda_role    = true
  lambda_function_names = [for f in values(local.cd_functions) : f.function_name]
  lambda_sagemaker_read = false
  lambda_policy_statements = concat([
    {
      sid       = "PublishApprovalRequests"
      actions   = ["sns:Publish"]
      resources = [local.approvals_topic_arn]
    },
    {
      sid       = "RecordApprovalRequests"
      actions   = ["dynamodb:PutItem"]
      resources = [local.approvals_table_arn]
    },
    {
      sid       = "SigningKeyReadAndFirstWrite"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
      resources = [local.approval_key_arn_match]
    },
  ], local.cd_kms_statements)
  # VPC mode (network.tf): the functions' network interfaces in the given subnets.
  lambda_vpc_access         = local.lambda_vpc
  lambda_subnet_ids         = var.lambda_subnet_ids
  lambda_security_group_ids = var.lambda_security_group_ids

  create_state_machine_role = true
  # The endpoint lock's holder may be one of its own executions or a peer's (the retraining of the same endpoint).
  state_machine_name            = local.cd_state_machine_name
  lock_peer_state_machine_names = var.lock_peer_state_machine_names
  sagemaker_job_types           = ["training", "transform"]
  sagemaker_deploys_models      = true
  endpoint_names                = [local.cd_endpoint_name]
  lambda_function_arns          = concat(values(local.cd_function_arns), [local.retention_function_arn])
  sns_topic_arns                = [var.notifications_topic_arn]
  lock_table_arns               = [local.lock_table_arn]
  rollback_alarm_arns           = module.endpoint_rollout.rollback_alarm_arns["approved"]
}

module "responder_iam" {
  source = "../iam"

  name_prefix               = "${local.cd_prefix}-approval"
  sagemaker_resource_prefix = local.sagemaker_prefix
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  tags                      = var.tags

  create_sagemaker_role     = false
  create_state_machine_role = false
  create_lambda_role        = true
  lambda_function_names     = [local.cd_responder_function["responder"].function_name]
  lambda_sagemaker_read     = false
  lambda_vpc_access         = local.lambda_vpc
  lambda_subnet_ids         = var.lambda_subnet_ids
  lambda_security_group_ids = var.lambda_security_group_ids
  lambda_policy_statements = concat([
    {
      sid = "ReportApprovalDecisions"
      # SendTaskSuccess and SendTaskFailure have no resource types and no condition keys (Service Authorization
      # Reference, AWS Step Functions): "*" is as far as AWS lets them be scoped. The task token names the task;
      # only this function, behind the signature check, has the permission.
      actions   = ["states:SendTaskSuccess", "states:SendTaskFailure"]
      resources = ["*"]
    },
    {
      sid       = "ClaimApprovalRequests"
      actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
      resources = [local.approvals_table_arn]
    },
    {
      sid       = "SigningKeyRead"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [local.approval_key_arn_match]
    },
  ], local.cd_kms_statements)
}

module "inference_iam" {
  source = "../iam"
  count  = local.create_inference_api ? 1 : 0

  name_prefix               = "${local.cd_prefix}-inference"
  sagemaker_resource_prefix = local.sagemaker_prefix
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  tags                      = var.tags

  create_sagemaker_role     = false
  create_state_machine_role = false
  create_lambda_role        = true
  lambda_function_names     = [local.cd_inference_function["inference"].function_name]
  lambda_sagemaker_read     = false
  lambda_vpc_access         = local.lambda_vpc
  lambda_subnet_ids         = var.lambda_subnet_ids
  lambda_security_group_ids = var.lambda_security_group_ids
  lambda_policy_statements = [{
    sid       = "InvokeTheApprovedEndpoint"
    actions   = ["sagemaker:InvokeEndpoint"]
    resources = [local.cd_endpoint_arn]
  }]
}

module "functions" {
  source = "../lambda_function"

  functions          = local.cd_functions
  package_path       = "${path.module}/../../lambda_src/packages/approval.zip"
  runtime            = var.lambda_runtime
  role_arn           = module.workflow_iam.lambda_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  vpc_subnet_ids         = var.lambda_subnet_ids
  vpc_security_group_ids = var.lambda_security_group_ids
  environment = {
    APPROVAL_URL       = "${aws_apigatewayv2_api.this.api_endpoint}/approval"
    APPROVAL_TOPIC_ARN = local.approvals_topic_arn
    APPROVAL_TABLE     = local.approvals_table_name
    SIGNING_KEY_SECRET = local.approval_key_name
    NAME_PREFIX        = var.name_prefix
  }
}

module "responder_function" {
  source = "../lambda_function"

  functions          = local.cd_responder_function
  package_path       = "${path.module}/../../lambda_src/packages/approval.zip"
  runtime            = var.lambda_runtime
  role_arn           = module.responder_iam.lambda_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  vpc_subnet_ids         = var.lambda_subnet_ids
  vpc_security_group_ids = var.lambda_security_group_ids
  environment = {
    APPROVAL_TABLE     = local.approvals_table_name
    SIGNING_KEY_SECRET = local.approval_key_name
  }
}

module "inference_function" {
  source = "../lambda_function"
  count  = local.create_inference_api ? 1 : 0

  functions          = local.cd_inference_function
  package_path       = "${path.module}/../../lambda_src/packages/inference_api.zip"
  runtime            = var.lambda_runtime
  role_arn           = module.inference_iam[0].lambda_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  vpc_subnet_ids         = var.lambda_subnet_ids
  vpc_security_group_ids = var.lambda_security_group_ids
  environment = {
    ENDPOINT_NAME = local.cd_endpoint_name
    CONTENT_TYPE  = var.content_type
  }
}

module "state_machine" {
  source = "../state_machine"

  name               = local.cd_state_machine_name
  definition         = local.approved_deployment_definition
  role_arn           = module.workflow_iam.state_machine_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  # Step Functions checks the role's permissions (the .sync managed rules) when it creates the machine, and the
  # definition names the functions and the topic by ARN.
  depends_on = [module.workflow_iam, module.functions, module.ecr_repository, module.endpoint_lock]
}

# ---------------------------------------------------------------------------------------------------------------------
# Approval: approvers' topic, request records, signing key
# ---------------------------------------------------------------------------------------------------------------------
module "approvals_topic" {
  source = "../notifications"

  name            = local.approvals_topic_name
  account_id      = local.account_id
  kms_key_id      = coalesce(var.kms_key_arn, "alias/aws/sns")
  email_addresses = var.approval_emails
  create_kms_key  = false # only the approval Lambda publishes here, no EventBridge rule
  tags            = var.tags
}

resource "aws_dynamodb_table" "approvals" {
  #checkov:skip=CKV_AWS_119:Encrypted with kms_key_arn when the caller gives one; DynamoDB encrypts every table at rest with an AWS owned key otherwise.
  name         = local.approvals_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "request_id"
  tags         = var.tags

  attribute {
    name = "request_id"
    type = "S"
  }

  # Records (who decided what, when) are deleted 90 days after their link expired (lambda_src/approval).
  ttl {
    attribute_name = "expires_ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  dynamic "server_side_encryption" {
    for_each = var.kms_key_arn == null ? [] : [true]
    content {
      enabled     = true
      kms_key_arn = var.kms_key_arn
    }
  }
}

# The signing key: a secret without a value. Terraform cannot generate randomness offline (no random provider) and
# must not keep the key in its state; the approval request function generates 32 random bytes on first use and
# stores them with a conditional write (PutSecretValue with a fixed ClientRequestToken), see approval_core.py.
resource "aws_secretsmanager_secret" "approval_signing_key" {
  #checkov:skip=CKV2_AWS_57:Rotation would invalidate the links of pending approvals; rotate by hand with put-secret-value (docs/approved_deployment.md), the responder also accepts AWSPREVIOUS.
  #checkov:skip=CKV_AWS_149:Encrypted with kms_key_arn when the caller gives one; Secrets Manager encrypts with its AWS managed key otherwise.
  name        = local.approval_key_name
  description = "HMAC key that signs the ${var.name_prefix} approval links; created by the approval request function on first use."
  kms_key_id  = var.kms_key_arn
  # The key only signs links that expire with their approval; deleting it at once lets the name be reused.
  recovery_window_in_days = 0
  tags                    = var.tags
}

# ---------------------------------------------------------------------------------------------------------------------
# HTTP API: the approval links (GET shows, POST decides) and, optionally, the inference route
# ---------------------------------------------------------------------------------------------------------------------
resource "aws_apigatewayv2_api" "this" {
  name          = local.approval_api_name
  description   = "Approval links of the ${var.name_prefix} approved deployments${local.create_inference_api ? " and the inference API" : ""}."
  protocol_type = "HTTP"
  tags          = var.tags
}

resource "aws_cloudwatch_log_group" "approval_api" {
  #checkov:skip=CKV_AWS_158:Encrypted with kms_key_arn when the caller gives one; CloudWatch Logs encrypts log data at rest otherwise.
  name              = "/aws/apigateway/${local.approval_api_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_integration" "approval" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.responder_function.function_arns["responder"]
  payload_format_version = "2.0"
  timeout_milliseconds   = 20000
}

resource "aws_apigatewayv2_route" "approval" {
  #checkov:skip=CKV_AWS_309:The approval links are opened from a mail by a browser, which cannot sign requests; each link carries an HMAC signature, an expiry and works once (checked by the responder).
  for_each           = toset(["GET /approval", "POST /approval"])
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.key
  authorization_type = "NONE"
  target             = "integrations/${aws_apigatewayv2_integration.approval.id}"
}

resource "aws_apigatewayv2_integration" "inference" {
  count                  = local.create_inference_api ? 1 : 0
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.inference_function[0].function_arns["inference"]
  payload_format_version = "2.0"
  timeout_milliseconds   = 29000
}

resource "aws_apigatewayv2_route" "inference" {
  #checkov:skip=CKV_AWS_309:AWS_IAM by default; NONE only when the caller sets inference_api_authorization = "NONE" for a public demo, as the original solution did.
  count              = local.create_inference_api ? 1 : 0
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "POST /predict"
  authorization_type = var.inference_api_authorization
  target             = "integrations/${aws_apigatewayv2_integration.inference[0].id}"
}

resource "aws_apigatewayv2_stage" "approval" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true
  tags        = var.tags

  # No query strings in the access log: the approval links carry the task token and the signature there.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.approval_api.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      requestTime    = "$context.requestTime"
      sourceIp       = "$context.identity.sourceIp"
      userAgent      = "$context.identity.userAgent"
      routeKey       = "$context.routeKey"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      integrationErr = "$context.integrationErrorMessage"
    })
  }

  default_route_settings {
    detailed_metrics_enabled = true
    throttling_burst_limit   = var.inference_api_throttling_burst_limit
    throttling_rate_limit    = var.inference_api_throttling_rate_limit
  }

  # People click approval links: a low limit keeps the public routes from being used to hammer the responder.
  dynamic "route_settings" {
    for_each = toset(["GET /approval", "POST /approval"])
    content {
      route_key                = route_settings.key
      detailed_metrics_enabled = true
      throttling_burst_limit   = 10
      throttling_rate_limit    = 5
    }
  }

  depends_on = [aws_apigatewayv2_route.approval, aws_apigatewayv2_route.inference]
}

resource "aws_lambda_permission" "approval_api" {
  statement_id  = "AllowApprovalRoutes"
  action        = "lambda:InvokeFunction"
  function_name = module.responder_function.function_names["responder"]
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*/approval"
}

resource "aws_lambda_permission" "inference_api" {
  count         = local.create_inference_api ? 1 : 0
  statement_id  = "AllowInferenceRoute"
  action        = "lambda:InvokeFunction"
  function_name = module.inference_function[0].function_names["inference"]
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*/predict"
}

# ---------------------------------------------------------------------------------------------------------------------
# Image pipeline: source (CodeStar connection or CodeCommit) -> CodeBuild (buildspec/approved_deployment.yml) ->
# Step Functions invoke action (starts the state machine with the build's execution_input.json).
# ---------------------------------------------------------------------------------------------------------------------
locals {
  cd_pipeline_name       = local.cd_prefix
  cd_pipeline_arn        = "arn:${local.partition}:codepipeline:${local.region}:${local.account_id}:${local.cd_pipeline_name}"
  cd_build_project_name  = "${local.cd_prefix}-image"
  cd_build_project_arn   = "arn:${local.partition}:codebuild:${local.region}:${local.account_id}:project/${local.cd_build_project_name}"
  cd_build_log_group     = "/aws/codebuild/${local.cd_build_project_name}"
  cd_build_log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.cd_build_log_group}"
  # CodePipeline keeps artifacts under <first 20 characters of the pipeline name>/ in the artifact store.
  cd_pipeline_artifacts_arn = "${local.bucket_arn}/${substr(local.cd_pipeline_name, 0, 20)}/*"
  cd_codecommit_arn         = "arn:${local.partition}:codecommit:${local.region}:${local.account_id}:${coalesce(var.repository, "none")}"
  # Connections made by AWS CodeConnections (the service's name since 2024) have codeconnections ARNs and actions.
  cd_connection_service = !local.create_cd_connection && length(regexall("^arn:[a-z-]+:codeconnections:", coalesce(var.connection_arn, "none"))) > 0 ? "codeconnections" : "codestar-connections"
  cd_any_connection_arn = "arn:${local.partition}:${local.cd_connection_service}:${local.region}:${local.account_id}:connection/*"
  cd_connection_arn     = local.create_cd_connection ? try(aws_codestarconnections_connection.approved_deployment[0].arn, null) : (local.check_connection ? var.connection_arn : null)

  # The platform's buildspec, rendered with the repository and paths (the model repository cannot change it).
  approved_deployment_buildspec = local.create_cd_pipeline ? templatefile("${path.module}/../../buildspec/approved_deployment.yml", {
    repository_uri  = local.cd_ecr_repository_url
    repository_name = local.cd_ecr_repository_name
    dockerfile      = var.dockerfile
    build_context   = var.build_context
  }) : null

  cd_source_actions = {
    # GitHub, Bitbucket (and, with a connection you created, GitHub Enterprise Server or GitLab) through AWS
    # CodeStar Connections: the connection starts PENDING and an account admin completes it once in the console.
    codestar_connection = {
      provider = "CodeStarSourceConnection"
      configuration = {
        ConnectionArn        = local.cd_connection_arn
        FullRepositoryId     = coalesce(var.repository, "none")
        BranchName           = var.branch
        OutputArtifactFormat = "CODE_ZIP"
        DetectChanges        = "true"
      }
    }
    # CodeCommit, started by an EventBridge rule on the branch (not by polling).
    codecommit = {
      provider = "CodeCommit"
      configuration = {
        RepositoryName       = coalesce(var.repository, "none")
        BranchName           = var.branch
        OutputArtifactFormat = "CODE_ZIP"
        PollForSourceChanges = "false"
      }
    }
  }
}

resource "aws_codestarconnections_connection" "approved_deployment" {
  count         = local.create_cd_connection ? 1 : 0
  name          = local.cd_prefix
  provider_type = var.connection_provider
  tags          = var.tags
}

resource "aws_cloudwatch_log_group" "codebuild" {
  #checkov:skip=CKV_AWS_158:Encrypted with kms_key_arn when the caller gives one; CloudWatch Logs encrypts log data at rest otherwise.
  count             = local.create_cd_pipeline ? 1 : 0
  name              = local.cd_build_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "codebuild_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["codebuild.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "codebuild" {
  count              = local.create_cd_pipeline ? 1 : 0
  name               = "${local.cd_prefix}-codebuild"
  description        = "Builds the ${var.name_prefix} model image and pushes it to its one ECR repository."
  assume_role_policy = data.aws_iam_policy_document.codebuild_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "codebuild" {
  statement {
    sid       = "BuildLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.cd_build_log_group_arn}:*"]
  }

  statement {
    sid = "EcrLogin"
    # ecr:GetAuthorizationToken has no resource-level permissions: AWS requires "*".
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushToTheWorkflowRepository"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
      "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages",
    ]
    resources = [local.cd_ecr_repository_arn]
  }

  statement {
    sid       = "PipelineArtifacts"
    actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
    resources = [local.cd_pipeline_artifacts_arn]
  }

  statement {
    sid       = "ArtifactBucket"
    actions   = ["s3:GetBucketAcl", "s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [true]
    content {
      sid       = "UseKmsKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "codebuild" {
  count  = local.create_cd_pipeline ? 1 : 0
  name   = "build-and-push-image"
  role   = aws_iam_role.codebuild[0].id
  policy = data.aws_iam_policy_document.codebuild.json
}

resource "aws_codebuild_project" "approved_deployment" {
  #checkov:skip=CKV_AWS_316:docker build needs privileged mode; the build runs only the platform's buildspec (inlined below), not one from the model repository.
  #checkov:skip=CKV_AWS_147:Encrypted with kms_key_arn when the caller gives one; CodeBuild uses the AWS managed key for S3 otherwise.
  count          = local.create_cd_pipeline ? 1 : 0
  name           = local.cd_build_project_name
  description    = "Builds the ${var.name_prefix} model image, tags it with the commit id and pushes it to ${local.cd_ecr_repository_name}."
  service_role   = aws_iam_role.codebuild[0].arn
  build_timeout  = var.build_timeout_minutes
  encryption_key = var.kms_key_arn
  tags           = var.tags

  artifacts {
    type = "CODEPIPELINE"
  }

  source {
    type      = "CODEPIPELINE"
    buildspec = local.approved_deployment_buildspec
  }

  environment {
    type            = "LINUX_CONTAINER"
    compute_type    = var.build_compute_type
    image           = var.build_image
    privileged_mode = true
  }

  logs_config {
    cloudwatch_logs {
      group_name = aws_cloudwatch_log_group.codebuild[0].name
    }
  }
}

data "aws_iam_policy_document" "codepipeline_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["codepipeline.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "codepipeline" {
  count              = local.create_cd_pipeline ? 1 : 0
  name               = "${local.cd_prefix}-codepipeline"
  description        = "Runs the ${var.name_prefix} approved-deployment pipeline: source, image build, state machine start."
  assume_role_policy = data.aws_iam_policy_document.codepipeline_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "codepipeline" {
  statement {
    sid       = "PipelineArtifacts"
    actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
    resources = [local.cd_pipeline_artifacts_arn]
  }

  statement {
    sid       = "ArtifactBucket"
    actions   = ["s3:GetBucketVersioning", "s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  dynamic "statement" {
    for_each = var.source_type == "codestar_connection" ? [true] : []
    content {
      sid = "UseTheConnectionForTheRepository"
      # A connection the module creates gets its ARN (with a random id) only at apply; the statement stays known
      # at plan by naming the account's connections and pinning the repository with the condition key.
      actions   = ["${local.cd_connection_service}:UseConnection"]
      resources = [var.create_connection ? local.cd_any_connection_arn : coalesce(var.connection_arn, local.cd_any_connection_arn)]
      condition {
        test     = "StringEquals"
        variable = "${local.cd_connection_service}:FullRepositoryId"
        values   = [coalesce(var.repository, "none")]
      }
    }
  }

  dynamic "statement" {
    for_each = var.source_type == "codecommit" ? [true] : []
    content {
      sid       = "ReadTheRepository"
      actions   = ["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:UploadArchive", "codecommit:GetUploadArchiveStatus", "codecommit:CancelUploadArchive"]
      resources = [local.cd_codecommit_arn]
    }
  }

  statement {
    sid       = "BuildTheImage"
    actions   = ["codebuild:StartBuild", "codebuild:BatchGetBuilds"]
    resources = [local.cd_build_project_arn]
  }

  # The Step Functions invoke action starts the execution and follows it to its end.
  statement {
    sid       = "StartTheDeployment"
    actions   = ["states:StartExecution", "states:DescribeStateMachine"]
    resources = [local.cd_state_machine_arn]
  }

  statement {
    sid       = "FollowTheDeployment"
    actions   = ["states:DescribeExecution"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.cd_state_machine_name}:*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [true]
    content {
      sid       = "UseKmsKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "codepipeline" {
  count  = local.create_cd_pipeline ? 1 : 0
  name   = "run-approved-deployment-pipeline"
  role   = aws_iam_role.codepipeline[0].id
  policy = data.aws_iam_policy_document.codepipeline.json
}

resource "aws_codepipeline" "approved_deployment" {
  #checkov:skip=CKV_AWS_219:Artifacts are encrypted with kms_key_arn when the caller gives one; with the artifact bucket's default encryption (SSE-S3) otherwise.
  count    = local.create_cd_pipeline ? 1 : 0
  name     = local.cd_pipeline_name
  role_arn = aws_iam_role.codepipeline[0].arn
  tags     = var.tags

  artifact_store {
    location = var.artifact_bucket_name
    type     = "S3"

    dynamic "encryption_key" {
      for_each = var.kms_key_arn == null ? [] : [true]
      content {
        id   = var.kms_key_arn
        type = "KMS"
      }
    }
  }

  stage {
    name = "Source"
    action {
      name             = "Source"
      category         = "Source"
      owner            = "AWS"
      provider         = local.cd_source_actions[var.source_type].provider
      version          = "1"
      namespace        = "SourceVariables"
      output_artifacts = ["source"]
      configuration    = local.cd_source_actions[var.source_type].configuration
    }
  }

  stage {
    name = "BuildImage"
    action {
      name             = "BuildImage"
      category         = "Build"
      owner            = "AWS"
      provider         = "CodeBuild"
      version          = "1"
      namespace        = "BuildVariables"
      input_artifacts  = ["source"]
      output_artifacts = ["execution_input"]
      configuration = {
        ProjectName = aws_codebuild_project.approved_deployment[0].name
        EnvironmentVariables = jsonencode([
          { name = "COMMIT_ID", value = "#{SourceVariables.CommitId}", type = "PLAINTEXT" },
        ])
      }
    }
  }

  stage {
    name = "Deploy"
    action {
      name            = "TrainTestApproveDeploy"
      category        = "Invoke"
      owner           = "AWS"
      provider        = "StepFunctions"
      version         = "1"
      input_artifacts = ["execution_input"]
      configuration = {
        StateMachineArn     = local.cd_state_machine_arn
        ExecutionNamePrefix = "pipeline"
        InputType           = "FilePath"
        Input               = "execution_input.json"
      }
    }
  }

  # The state machine is named by its constructed ARN (known at plan): it must exist before the pipeline runs.
  depends_on = [aws_iam_role_policy.codepipeline, module.state_machine]
}

# CodeCommit sources: a push to the branch starts the pipeline (CodePipeline's recommended change detection).
data "aws_iam_policy_document" "source_events_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "source_events" {
  count              = local.create_cd_source_events ? 1 : 0
  name               = "${local.cd_prefix}-source-events"
  description        = "Lets EventBridge start the ${var.name_prefix} approved-deployment pipeline on a push."
  assume_role_policy = data.aws_iam_policy_document.source_events_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "source_events" {
  statement {
    sid       = "StartThePipeline"
    actions   = ["codepipeline:StartPipelineExecution"]
    resources = [local.cd_pipeline_arn]
  }
}

resource "aws_iam_role_policy" "source_events" {
  count  = local.create_cd_source_events ? 1 : 0
  name   = "start-pipeline"
  role   = aws_iam_role.source_events[0].id
  policy = data.aws_iam_policy_document.source_events.json
}

resource "aws_cloudwatch_event_rule" "source_push" {
  count       = local.create_cd_source_events ? 1 : 0
  name        = "${local.cd_prefix}-source-push"
  description = "A push to ${coalesce(var.repository, "none")}:${var.branch} starts the ${var.name_prefix} approved-deployment pipeline."
  tags        = var.tags
  event_pattern = jsonencode({
    source        = ["aws.codecommit"]
    "detail-type" = ["CodeCommit Repository State Change"]
    resources     = [local.cd_codecommit_arn]
    detail = {
      event         = ["referenceCreated", "referenceUpdated"]
      referenceType = ["branch"]
      referenceName = [var.branch]
    }
  })
}

resource "aws_cloudwatch_event_target" "source_push" {
  count     = local.create_cd_source_events ? 1 : 0
  rule      = aws_cloudwatch_event_rule.source_push[0].name
  target_id = "pipeline"
  arn       = aws_codepipeline.approved_deployment[0].arn
  role_arn  = aws_iam_role.source_events[0].arn
}

# ---------------------------------------------------------------------------------------------------------------------
# Endpoint lock: the table of modules/endpoint_lock, created here or shared (the root module passes its one table so
# that retraining and approved deployment exclude each other on one endpoint). It also records the build each
# endpoint serves: an older commit approved later is refused instead of replacing a newer one.
# ---------------------------------------------------------------------------------------------------------------------
locals {
  lock_table_name = var.create_lock_table ? "${var.name_prefix}-ad-endpoint-locks" : (local.check_lock_table ? var.lock_table_name : null)
  lock_table_arn  = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.lock_table_name}"

  # Terraform 1.0.3 has no preconditions: an invalid combination of inputs fails planning here, with a message that
  # names the variables. Each condition is known at plan for every input a caller types; for a value that comes
  # from a resource created in the same apply it is decided at apply. The values built from the checked inputs go
  # through their check, so that a bad combination gives its one message, not errors of a null further on.
  check_lock_table = var.create_lock_table || var.lock_table_name != null ? true : tobool(
    "The lock_table_name must be set when create_lock_table is false."
  )
  check_sagemaker_role = var.create_sagemaker_role || var.sagemaker_role_arn != null ? true : tobool(
    "The sagemaker_role_arn must be set when create_sagemaker_role is false (in the root module: approved_deployment_sagemaker_role_arn, approved_deployment_create_sagemaker_role)."
  )
  check_ecr_repository = var.create_ecr_repository || var.ecr_repository_url != null ? true : tobool(
    "The ecr_repository_url must be set when create_ecr_repository is false (in the root module: approved_deployment_ecr_repository_url, approved_deployment_create_ecr_repository)."
  )
  check_pipeline_repository = var.create_pipeline == (var.repository != null) ? true : tobool(
    "The repository must be set when create_pipeline is true (the pipeline builds from it), and create_pipeline must be true when repository is set (without a pipeline, start the state machine yourself); in the root module: approved_deployment_repository, approved_deployment_create_pipeline."
  )
  check_connection = !local.create_cd_pipeline || var.source_type != "codestar_connection" || var.create_connection || var.connection_arn != null ? true : tobool(
    "The connection_arn must be set when create_connection is false and source_type is \"codestar_connection\" (in the root module: approved_deployment_connection_arn, approved_deployment_create_connection, approved_deployment_source_type)."
  )

  # Execution history: AWS keeps at most 25,000 events per execution; each poll of an endpoint wait loop costs 33
  # events across the three waits (see the root module's locals.tf), so at most 500 polls per wait.
  endpoint_polls     = ceil(var.endpoint_wait_timeout_seconds / var.endpoint_poll_seconds)
  endpoint_max_polls = local.check_endpoint_polls ? local.endpoint_polls : 0
  check_endpoint_polls = local.endpoint_polls <= 500 ? true : tobool(
    "The endpoint_wait_timeout_seconds must be at most 500 times endpoint_poll_seconds (at most 500 polls per wait: an execution history holds 25,000 events and each poll costs 33 across the three endpoint waits); raise endpoint_poll_seconds or lower endpoint_wait_timeout_seconds (in the root module: approved_deployment_endpoint_wait_timeout_seconds, approved_deployment_endpoint_poll_seconds)."
  )
  # The state machine's TimeoutSeconds (at most 99999999) bounds the whole run, the approval wait included.
  execution_timeout_seconds = var.training_max_runtime_seconds + var.transform_timeout_seconds + var.approval_timeout_seconds + 3 * var.endpoint_wait_timeout_seconds + 7200
}

module "endpoint_lock" {
  source = "../endpoint_lock"
  count  = var.create_lock_table ? 1 : 0

  name        = local.lock_table_name
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}

# ---------------------------------------------------------------------------------------------------------------------
# Nothing fails silently: executions that fail outside a Catch (States.Runtime), time out or are aborted never reach
# the workflow's own NotifyFailure state; this rule sends them to the notifications topic (modules/event_alerts).
# ---------------------------------------------------------------------------------------------------------------------
locals {
  execution_alerts_prefix = "${var.name_prefix}-ad"
  execution_alert_rules = var.create_execution_alerts ? {
    execution-alerts = {
      description = "Executions of the ${var.name_prefix} approved-deployment state machine that failed, timed out or were aborted."
      pattern = {
        source        = ["aws.states"]
        "detail-type" = ["Step Functions Execution Status Change"]
        detail = {
          stateMachineArn = [local.cd_state_machine_arn]
          # Leaves out the error names of runs that notified their outcome themselves (modules/conventions).
          "$or" = module.conventions.execution_alert_status_patterns["ad"]
        }
      }
      input_paths = {
        name      = "$.detail.name"
        status    = "$.detail.status"
        execution = "$.detail.executionArn"
      }
      # Only values that cannot hold a quote: error and cause (free text, possibly absent) could break the JSON
      # string, and a message EventBridge cannot build is never delivered. The execution's history has them.
      input_template = "\"[${var.name_prefix}] Execution <name> ended <status>, see its history: <execution>\""
    }
  } : {}
  # Built from names (known at plan): the topic policy's aws:SourceArn condition needs them.
  notification_rule_arns = [for k in keys(local.execution_alert_rules) : "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.execution_alerts_prefix}-${k}"]
}

module "execution_alerts" {
  source = "../event_alerts"

  name_prefix = local.execution_alerts_prefix
  rules       = local.execution_alert_rules
  topic_arn   = var.notifications_topic_arn
  tags        = var.tags
}
