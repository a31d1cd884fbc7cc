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

# --- Hourly retraining (modules/hourly_retraining): maps by model key, empty when retraining_models is empty ---
output "retraining_state_machine_arns" {
  description = "ARNs of the retraining state machines, by model key."
  value       = try(module.hourly_retraining[0].state_machine_arns, {})
}

output "retraining_state_machine_names" {
  description = "Names of the retraining state machines (`<name_prefix>-<model>-retraining`), by model key."
  value       = try(module.hourly_retraining[0].state_machine_names, {})
}

output "retraining_state_machine_log_group_names" {
  description = "CloudWatch log groups of the retraining state machines' execution histories, by model key."
  value       = try(module.hourly_retraining[0].state_machine_log_group_names, {})
}

output "retraining_schedule_rule_names" {
  description = "Names of the EventBridge rules that start each model's retraining, by model key."
  value       = try(module.hourly_retraining[0].schedule_rule_names, {})
}

output "retraining_schedule_inputs" {
  description = "The constant input each model's schedule rule sends to every execution it starts, by model key."
  value       = try(module.hourly_retraining[0].schedule_inputs, {})
}

output "retraining_schedule_dead_letter_queue_arns" {
  description = "ARNs of the SQS queues that keep schedule events EventBridge could not deliver, by model key."
  value       = try(module.hourly_retraining[0].schedule_dead_letter_queue_arns, {})
}

output "retraining_schedule_role_arns" {
  description = "ARNs of the roles EventBridge assumes to start each model's retraining, by model key."
  value       = try(module.hourly_retraining[0].schedule_role_arns, {})
}

output "retraining_data_uris" {
  description = "S3 URI under which each model's default training channels (data/train/, data/validation/) and its artifacts (models/) live, by model key."
  value       = try(module.hourly_retraining[0].data_uris, {})
}

output "retraining_training_image_uris" {
  description = "Image each model's training job runs, by model key."
  value       = try(module.hourly_retraining[0].training_image_uris, {})
}

output "retraining_ecr_repository_url" {
  description = "URL of the created training image repository, or null when retraining_create_ecr_repository is false."
  value       = try(module.hourly_retraining[0].ecr_repository_url, null)
}

output "retraining_ecr_repository_arn" {
  description = "ARN of the created training image repository, or null."
  value       = try(module.hourly_retraining[0].ecr_repository_arn, null)
}

output "retraining_endpoint_names" {
  description = "Name of the SageMaker endpoint each model's retraining creates or updates, by model key."
  value       = try(module.hourly_retraining[0].endpoint_names, {})
}

output "retraining_sagemaker_role_arns" {
  description = "ARN of the SageMaker execution role each model's jobs and models run as, by model key."
  value       = try(module.hourly_retraining[0].sagemaker_role_arns, {})
}

output "retraining_state_machine_role_arns" {
  description = "ARN of each retraining state machine's role, by model key."
  value       = try(module.hourly_retraining[0].state_machine_role_arns, {})
}

output "retraining_lambda_role_arn" {
  description = "ARN of the retraining metrics and gate functions' role, or null."
  value       = try(module.hourly_retraining[0].lambda_role_arn, null)
}

output "retraining_lambda_function_arns" {
  description = "ARNs of the retraining Lambda functions: metrics and gate."
  value       = try(module.hourly_retraining[0].lambda_function_arns, {})
}

output "retraining_lambda_function_names" {
  description = "Names of the retraining Lambda functions: metrics and gate."
  value       = try(module.hourly_retraining[0].lambda_function_names, {})
}

output "retraining_lambda_log_group_names" {
  description = "CloudWatch log groups of the retraining Lambda functions."
  value       = try(module.hourly_retraining[0].lambda_log_group_names, {})
}

# --- Legacy batch inference ---
output "batch_inference_state_machine_arn" {
  description = "ARN of the batch inference state machine, or null when the workflow is not created. Start it with {} for every model of the shared schedule, or {\"model\": \"<name>\"} for one model."
  value       = try(module.batch_inference_state_machine[0].arn, null)
}

output "batch_inference_state_machine_name" {
  description = "Name of the batch inference state machine, or null when the workflow is not created."
  value       = try(module.batch_inference_state_machine[0].name, null)
}

output "batch_inference_state_machine_role_arn" {
  description = "ARN of the batch inference state machine's role, or null."
  value       = try(module.batch_inference_iam[0].state_machine_role_arn, null)
}

output "batch_inference_sagemaker_role_arn" {
  description = "ARN of the SageMaker execution role the batch inference jobs run as, or null."
  value       = try(module.batch_inference_iam[0].sagemaker_role_arn, null)
}

output "batch_inference_ecr_repository_url" {
  description = "URL of the created repository for the models' inference images (push `<url>:<model>-<commit>` and set the model's image_tag), or null."
  value       = try(module.batch_inference_ecr_repository[0].repository_url, null)
}

output "batch_inference_data_uri" {
  description = "S3 URI under which the workflow keeps the models' code (models/), default inputs and outputs (data/<model>/input/, data/<model>/output/) and per-run intermediate data (runs/)."
  value       = local.create_batch_inference ? local.batch_data_uri : null
}

output "batch_inference_manifest_uri" {
  description = "S3 URI of the manifest the shared schedule fans out over, or null."
  value       = local.create_batch_inference ? "s3://${local.bucket_name}/${local.batch_manifest_key}" : null
}

output "batch_inference_models" {
  description = "Per model: where its code, input and output are, the image of its inference step, its schedule rule (null when it runs on the shared schedule) and the execution input that runs it alone."
  value = { for k, i in local.batch_items : k => {
    code_uri           = i.code_uri
    input_uri          = i.input_uri
    output_uri         = i.output_uri
    image_uri          = i.inference.app_specification.ImageUri
    schedule_rule_name = try(module.batch_inference_schedule[0].rule_names[k], null)
    execution_input    = local.batch_execution_input[k]
  } }
}

output "batch_inference_schedule_rule_names" {
  description = "Names of the batch inference schedule rules: all_models (the shared schedule) and one per model with its own schedule."
  value       = try(module.batch_inference_schedule[0].rule_names, {})
}

output "batch_inference_alert_rule_names" {
  description = "Names of the EventBridge rules that send failed processing jobs and executions to the notifications topic."
  value       = [for r in aws_cloudwatch_event_rule.batch_inference_alerts : r.name]
}

# --- Approved deployment ---
output "approved_deployment_state_machine_arn" {
  description = "ARN of the approved-deployment state machine, or null when the workflow is not created. Start it with {\"commit_id\": \"<git commit>\"} (and optionally \"image_uri\")."
  value       = try(module.approved_deployment_state_machine[0].arn, null)
}

output "approved_deployment_state_machine_name" {
  description = "Name of the approved-deployment state machine, or null."
  value       = try(module.approved_deployment_state_machine[0].name, null)
}

output "approved_deployment_ecr_repository_url" {
  description = "URL of the approved-deployment image repository (images are tagged with their commit id), or null."
  value       = try(module.approved_deployment_ecr[0].repository_url, null)
}

output "approved_deployment_endpoint_name" {
  description = "Name of the SageMaker endpoint the approved-deployment workflow creates or updates, or null."
  value       = local.create_approved_deployment ? local.cd_endpoint_name : null
}

output "approved_deployment_data_uri" {
  description = "S3 URI under which the approved-deployment data (data/train/, data/validation/, data/test/), model artifacts (models/) and test-set predictions (transform/<execution>/) live, or null."
  value       = local.create_approved_deployment ? "s3://${local.bucket_name}/${local.cd_data_prefix}/" : null
}

output "approved_deployment_sagemaker_role_arn" {
  description = "ARN of the SageMaker execution role the approved-deployment jobs and models run as, or null."
  value       = try(module.approved_deployment_iam[0].sagemaker_role_arn, null)
}

output "approved_deployment_state_machine_role_arn" {
  description = "ARN of the approved-deployment state machine's role, or null."
  value       = try(module.approved_deployment_iam[0].state_machine_role_arn, null)
}

output "approval_api_endpoint" {
  description = "Base URL of the HTTP API that serves the approval links (GET/POST /approval) and the optional inference route, or null."
  value       = try(aws_apigatewayv2_api.approval[0].api_endpoint, null)
}

output "approvals_topic_arn" {
  description = "ARN of the SNS topic that carries approval requests (signed links) to the approvers, or null."
  value       = try(module.approval_notifications[0].topic_arn, null)
}

output "approvals_table_name" {
  description = "DynamoDB table that records every approval request and its decision (who, when, from where), or null."
  value       = try(aws_dynamodb_table.approvals[0].name, null)
}

output "approval_signing_key_secret_arn" {
  description = "ARN of the Secrets Manager secret that holds the links' HMAC key (filled by the approval request function on first use), or null."
  value       = try(aws_secretsmanager_secret.approval_signing_key[0].arn, null)
}

output "approved_deployment_pipeline_name" {
  description = "Name of the CodePipeline that builds the image and starts the workflow, or null when no repository is configured."
  value       = try(aws_codepipeline.approved_deployment[0].name, null)
}

output "approved_deployment_codebuild_project_name" {
  description = "Name of the CodeBuild project that builds and pushes the image, or null."
  value       = try(aws_codebuild_project.approved_deployment[0].name, null)
}

output "approved_deployment_connection_arn" {
  description = "ARN of the CodeStar connection the pipeline uses (created PENDING by the module: complete the handshake once in the console), or null."
  value       = local.create_cd_pipeline && var.approved_deployment_source_type == "codestar_connection" ? local.cd_connection_arn : null
}

output "inference_api_url" {
  description = "URL of the inference route (POST {\"data\": \"<csv row>\"}), or null when create_inference_api is false."
  value       = local.create_inference_api ? "${aws_apigatewayv2_api.approval[0].api_endpoint}/predict" : null
}

output "redrive_policy_json" {
  description = "IAM policy document for the people or tools that redrive failed, aborted or timed-out executions of the created workflows (states:RedriveExecution on their executions); null when no workflow is created."
  value       = try(data.aws_iam_policy_document.redrive[0].json, null)
}
