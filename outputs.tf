output "artifact_bucket_name" {
  description = "Name of the artifact bucket (created or passed in)."
  value       = local.bucket_name
}

output "artifact_bucket_arn" {
  description = "ARN of the artifact bucket."
  value       = local.bucket_arn
}

output "notifications_topic_arn" {
  description = "ARN of the SNS topic that carries success, rejection and failure notifications."
  value       = local.notifications_topic_arn
  depends_on  = [module.notifications]
}

output "retraining_state_machine_arn" {
  description = "ARN of the retraining state machine, or null when the workflow is not created."
  value       = try(module.retraining_state_machine[0].arn, null)
}

output "retraining_state_machine_name" {
  description = "Name of the retraining state machine, or null when the workflow is not created."
  value       = try(module.retraining_state_machine[0].name, null)
}

output "retraining_schedule_rule_name" {
  description = "Name of the EventBridge rule that starts the retraining, or null when the workflow is not created."
  value       = try(module.retraining_schedule[0].rule_names["hourly"], null)
}

output "retraining_schedule_input" {
  description = "The constant input the schedule rule sends to every execution it starts."
  value       = try(module.retraining_schedule[0].inputs["hourly"], null)
}

output "retraining_schedule_dead_letter_queue_arn" {
  description = "ARN of the SQS queue that keeps schedule events EventBridge could not deliver."
  value       = try(module.retraining_schedule[0].dead_letter_queue_arn, null)
}

output "retraining_data_uri" {
  description = "S3 URI under which the default training channels (train/, validation/) and the model artifacts (models/) live."
  value       = "s3://${local.bucket_name}/${local.retraining_data_prefix}/"
}

output "training_image_uri" {
  description = "Image the training job runs."
  value       = local.create_retraining ? local.training_image_uri : null
}

output "ecr_repository_url" {
  description = "URL of the created training image repository, or null."
  value       = try(module.ecr_repository[0].repository_url, null)
}

output "endpoint_name" {
  description = "Name of the SageMaker endpoint the retraining workflow creates or updates."
  value       = local.endpoint_name
}

output "sagemaker_role_arn" {
  description = "ARN of the SageMaker execution role the jobs and models run as."
  value       = try(module.iam[0].sagemaker_role_arn, var.sagemaker_role_arn)
}

output "retraining_state_machine_role_arn" {
  description = "ARN of the retraining state machine's role."
  value       = try(coalesce(var.state_machine_role_arn, module.iam[0].state_machine_role_arn), null)
}

output "retraining_lambda_role_arn" {
  description = "ARN of the retraining Lambda functions' role."
  value       = try(coalesce(var.lambda_role_arn, module.iam[0].lambda_role_arn), null)
}

output "retraining_schedule_role_arn" {
  description = "ARN of the role EventBridge assumes to start the retraining."
  value       = try(module.retraining_schedule[0].role_arn, null)
}

output "retraining_lambda_function_arns" {
  description = "ARNs of the retraining Lambda functions: metrics and gate."
  value       = try(module.retraining_functions[0].function_arns, {})
}
