# Names and ARNs that follow from names are built from them (known at plan); roles, functions and the API come from
# the resources (their ARNs and ids are known at apply).

locals {
  role_arns = {
    sagemaker     = module.workflow_iam.sagemaker_role_arn
    state_machine = module.workflow_iam.state_machine_role_arn
    functions     = module.workflow_iam.lambda_role_arn
    responder     = module.responder_iam.lambda_role_arn
    retention     = module.retention_iam.lambda_role_arn
    inference     = try(module.inference_iam[0].lambda_role_arn, null)
    codebuild     = try(aws_iam_role.codebuild[0].arn, null)
    codepipeline  = try(aws_iam_role.codepipeline[0].arn, null)
    source_events = try(aws_iam_role.source_events[0].arn, null)
  }
  function_names = merge(
    module.functions.function_names,
    module.responder_function.function_names,
    module.retention_function.function_names,
    try(module.inference_function[0].function_names, {}),
  )
  function_arns = merge(
    module.functions.function_arns,
    module.responder_function.function_arns,
    module.retention_function.function_arns,
    try(module.inference_function[0].function_arns, {}),
  )
}

output "state_machine_arn" {
  description = "ARN of the approved-deployment state machine. Start it with {\"commit_id\": \"<git commit>\"} (and optionally \"image_uri\")."
  value       = local.cd_state_machine_arn
}

output "state_machine_name" {
  description = "Name of the approved-deployment state machine."
  value       = local.cd_state_machine_name
}

output "state_machine_log_group_name" {
  description = "Name of the state machine's CloudWatch log group."
  value       = module.state_machine.log_group_name
}

output "role_arns" {
  description = "ARNs of the workflow's roles by purpose: sagemaker (created or given), state_machine, functions (input check, approval request), responder, retention, inference, codebuild, codepipeline, source_events; null for a role not created."
  value       = local.role_arns
}

output "role_names" {
  description = "Names of the workflow's roles, by the keys of role_arns; null for a role not created."
  value       = { for k, arn in local.role_arns : k => arn == null ? null : regex("[^/]+$", arn) }
}

output "sagemaker_role_arn" {
  description = "ARN of the SageMaker execution role the jobs and models run as (created or given)."
  value       = module.workflow_iam.sagemaker_role_arn
}

output "state_machine_role_arn" {
  description = "ARN of the state machine's role."
  value       = module.workflow_iam.state_machine_role_arn
}

output "function_names" {
  description = "Names of the Lambda functions by purpose: input, request, responder, retention and (with create_inference_api) inference."
  value       = local.function_names
}

output "function_arns" {
  description = "ARNs of the Lambda functions, by the keys of function_names."
  value       = local.function_arns
}

output "log_group_names" {
  description = "Names of the CloudWatch log groups: state_machine, api (the HTTP API's access log), codebuild (null without a pipeline) and one per function (function_<key>)."
  value = merge(
    {
      state_machine = module.state_machine.log_group_name
      api           = aws_cloudwatch_log_group.approval_api.name
      codebuild     = try(aws_cloudwatch_log_group.codebuild[0].name, null)
    },
    { for k, n in local.function_names : "function_${k}" => "/aws/lambda/${n}" },
  )
}

output "ecr_repository_arn" {
  description = "ARN of the image repository (created or given)."
  value       = local.cd_ecr_repository_arn
}

output "ecr_repository_url" {
  description = "URL of the image repository (created or given); images are tagged with their commit id."
  value       = local.cd_ecr_repository_url
}

output "endpoint_name" {
  description = "Name of the SageMaker endpoint the workflow creates or updates."
  value       = local.cd_endpoint_name
}

output "data_uri" {
  description = "S3 URI under which the data (data/train/, data/validation/, data/test/), model artifacts (models/) and test-set predictions (transform/<execution>/) live."
  value       = "s3://${var.artifact_bucket_name}/${local.cd_data_prefix}/"
}

output "api_id" {
  description = "Id of the HTTP API that serves the approval links and the optional inference route."
  value       = aws_apigatewayv2_api.this.id
}

output "api_endpoint" {
  description = "Base URL of the HTTP API that serves the approval links (GET/POST /approval) and the optional inference route."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "inference_api_url" {
  description = "URL of the inference route (POST {\"data\": \"<csv row>\"}), or null when create_inference_api is false."
  value       = local.create_inference_api ? "${aws_apigatewayv2_api.this.api_endpoint}/predict" : null
}

output "approvals_topic_arn" {
  description = "ARN of the SNS topic that carries approval requests (signed links) to the approvers."
  value       = local.approvals_topic_arn
}

output "approvals_table_name" {
  description = "DynamoDB table that records every approval request and its decision (who, when, from where)."
  value       = local.approvals_table_name
}

output "approval_signing_key_secret_arn" {
  description = "ARN of the Secrets Manager secret that holds the links' HMAC key (filled by the approval request function on first use)."
  value       = aws_secretsmanager_secret.approval_signing_key.arn
}

output "pipeline_name" {
  description = "Name of the CodePipeline that builds the image and starts the workflow, or null when create_pipeline is false."
  value       = local.create_cd_pipeline ? local.cd_pipeline_name : null
}

output "codebuild_project_name" {
  description = "Name of the CodeBuild project that builds and pushes the image, or null when create_pipeline is false."
  value       = local.create_cd_pipeline ? local.cd_build_project_name : null
}

output "connection_arn" {
  description = "ARN of the CodeStar connection the pipeline uses (created PENDING when create_connection is true: complete the handshake once in the console), or null."
  value       = local.create_cd_pipeline && var.source_type == "codestar_connection" ? local.cd_connection_arn : null
}

output "lock_table_name" {
  description = "Name of the endpoint lock table the workflow uses (created or given)."
  value       = local.lock_table_name
}

output "notification_rule_arns" {
  description = "ARNs of every EventBridge rule of this module that publishes to the notifications topic (built from names, so known at plan): the topic policy's aws:SourceArn."
  value       = local.notification_rule_arns
}

output "execution_alert_rule_names" {
  description = "Names of the execution alert rules (empty when create_execution_alerts is false)."
  value       = values(module.execution_alerts.rule_names)
}

output "alarm_arns" {
  description = "ARNs of the CloudWatch alarms that notify the topic (built from names, so known at plan): the topic policy's aws:SourceArn for cloudwatch.amazonaws.com."
  value       = try(module.monitoring[0].alarm_arns, [])
}

output "dashboard_name" {
  description = "Name of the workflow's CloudWatch dashboard, or null."
  value       = try(module.monitoring[0].dashboard_name, null)
}
