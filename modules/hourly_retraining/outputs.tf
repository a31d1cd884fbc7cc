output "state_machine_arns" {
  description = "ARNs of the models' state machines, by model key."
  value       = { for k, m in module.state_machine : k => m.arn }
}

output "state_machine_names" {
  description = "Names of the models' state machines (`<name_prefix>-<model>-retraining`), by model key; known at plan."
  value       = { for k, m in local.models : k => m.state_machine }
}

output "state_machine_log_group_names" {
  description = "CloudWatch log groups of the state machines' execution histories, by model key."
  value       = { for k, m in module.state_machine : k => m.log_group_name }
}

output "schedule_rule_names" {
  description = "Names of the EventBridge rules that start each model's retraining, by model key."
  value       = { for k, s in module.schedule : k => s.rule_names["hourly"] }
}

output "schedule_inputs" {
  description = "The constant input each model's schedule rule sends to every execution it starts, by model key."
  value       = { for k, s in module.schedule : k => s.inputs["hourly"] }
}

output "schedule_role_arns" {
  description = "ARNs of the roles EventBridge assumes to start each model's retraining, by model key."
  value       = { for k, s in module.schedule : k => s.role_arn }
}

output "schedule_dead_letter_queue_arns" {
  description = "ARNs of the SQS queues that keep schedule events EventBridge could not deliver, by model key."
  value       = { for k, s in module.schedule : k => s.dead_letter_queue_arn }
}

output "data_uris" {
  description = "S3 URI under which each model's default training channels (data/train/, data/validation/) and its artifacts (models/) live, by model key."
  value       = { for k, m in local.models : k => "s3://${local.bucket_name}/${m.data_prefix}/" }
}

output "training_image_uris" {
  description = "Image each model's training job runs, by model key."
  value       = { for k, m in local.models : k => m.training_image }
}

output "endpoint_names" {
  description = "Name of the SageMaker endpoint each model's workflow creates or updates, by model key."
  value       = { for k, m in local.models : k => m.endpoint_name }
}

output "sagemaker_role_arns" {
  description = "ARN of the SageMaker execution role each model's jobs and models run as (created or passed in), by model key."
  value       = local.sagemaker_role_arns
}

output "state_machine_role_arns" {
  description = "ARN of each model's state machine role (created or passed in), by model key."
  value       = local.state_machine_role_arns
}

output "lambda_role_arn" {
  description = "ARN of the metrics and gate functions' role (created or passed in), or null when there is no model."
  value       = length(local.models) > 0 ? local.lambda_role_arn : null
}

output "lambda_function_arns" {
  description = "ARNs of the shared Lambda functions: metrics and gate."
  value       = try(module.functions[0].function_arns, {})
}

output "lambda_function_names" {
  description = "Names of the shared Lambda functions: metrics and gate."
  value       = try(module.functions[0].function_names, {})
}

output "lambda_log_group_names" {
  description = "CloudWatch log groups of the shared Lambda functions."
  value       = try(module.functions[0].log_group_names, {})
}

output "retention_function_name" {
  description = "Name of the retention function (deletes superseded models and endpoint configs), or null when there is no model."
  value       = length(local.models) > 0 ? local.retention_function.retention.function_name : null
}

output "retention_function_arn" {
  description = "ARN of the retention function (known at plan), or null when there is no model."
  value       = length(local.models) > 0 ? local.retention_function_arn : null
}

output "retention_log_group_name" {
  description = "CloudWatch log group of the retention function, or null when there is no model."
  value       = length(local.models) > 0 ? "/aws/lambda/${local.retention_function.retention.function_name}" : null
}

output "retention_role_arn" {
  description = "ARN of the retention function's role (created, or lambda_role_arn), or null when there is no model."
  value       = length(local.models) > 0 ? local.retention_role_arn : null
}

output "ecr_repository_arn" {
  description = "ARN of the created training image repository (known at plan), or null when create_ecr_repository is false."
  value       = var.create_ecr_repository ? "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${local.ecr_repository_name}" : null
  depends_on  = [module.ecr_repository]
}

output "ecr_repository_url" {
  description = "URL of the created training image repository, or null when create_ecr_repository is false."
  value       = var.create_ecr_repository ? "${local.account_id}.dkr.ecr.${local.region}.${local.dns_suffix}/${local.ecr_repository_name}" : null
  depends_on  = [module.ecr_repository]
}

output "lock_table_name" {
  description = "Name of the endpoint lock table (created or passed in)."
  value       = local.lock_table_name
}

output "notification_rule_arns" {
  description = "ARNs of the EventBridge rules of this submodule that publish to the topic (built from names, so known at plan): the topic policy's aws:SourceArn."
  value       = var.create_execution_alerts ? [for k in keys(local.models) : "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name_prefix}-rt-${k}-executions"] : []
}

output "execution_alert_rule_names" {
  description = "Names of the EventBridge rules that notify failed, timed-out and aborted executions, by model key."
  value       = var.create_execution_alerts ? { for k in keys(local.models) : k => "${var.name_prefix}-rt-${k}-executions" } : {}
}

output "alarm_arns" {
  description = "ARNs of the CloudWatch alarms that notify the topic (built from names, so known at plan): the topic policy's aws:SourceArn for cloudwatch.amazonaws.com."
  value       = try(module.monitoring[0].alarm_arns, [])
}

output "dashboard_name" {
  description = "Name of the workflow's CloudWatch dashboard, or null."
  value       = try(module.monitoring[0].dashboard_name, null)
}

output "metrics_namespace" {
  description = "CloudWatch namespace of the gate's custom metrics (GatedMetricValue, GateThreshold, GateDeploy by StateMachine)."
  value       = local.metrics_namespace
}
