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

output "retraining_retention_function_name" {
  description = "Name of the retraining retention function (deletes superseded models and endpoint configs), or null."
  value       = try(module.hourly_retraining[0].retention_function_name, null)
}

output "retraining_retention_log_group_name" {
  description = "CloudWatch log group of the retraining retention function, or null."
  value       = try(module.hourly_retraining[0].retention_log_group_name, null)
}

# --- Legacy batch inference ---
output "batch_inference_state_machine_arn" {
  description = "ARN of the batch inference state machine, or null when the workflow is not created. Start it with {} for every model of the shared schedule, or {\"model\": \"<name>\"} for one model."
  value       = try(module.batch_inference[0].state_machine_arn, null)
}

output "batch_inference_state_machine_name" {
  description = "Name of the batch inference state machine, or null when the workflow is not created."
  value       = try(module.batch_inference[0].state_machine_name, null)
}

output "batch_inference_state_machine_role_arn" {
  description = "ARN of the batch inference state machine's role, or null."
  value       = try(module.batch_inference[0].state_machine_role_arn, null)
}

output "batch_inference_state_machine_role_name" {
  description = "Name of the batch inference state machine's role, or null."
  value       = try(module.batch_inference[0].state_machine_role_name, null)
}

output "batch_inference_sagemaker_role_arn" {
  description = "ARN of the SageMaker execution role the batch inference jobs run as, or null."
  value       = try(module.batch_inference[0].sagemaker_role_arn, null)
}

output "batch_inference_sagemaker_role_name" {
  description = "Name of the SageMaker execution role the batch inference jobs run as, or null."
  value       = try(module.batch_inference[0].sagemaker_role_name, null)
}

output "batch_inference_log_group_name" {
  description = "CloudWatch log group of the batch inference state machine, or null."
  value       = try(module.batch_inference[0].log_group_name, null)
}

output "batch_inference_ecr_repository_arn" {
  description = "ARN of the created repository for the models' inference images, or null."
  value       = try(module.batch_inference[0].ecr_repository_arn, null)
}

output "batch_inference_ecr_repository_url" {
  description = "URL of the created repository for the models' inference images (push `<url>:<model>-<commit>` and set the model's image_tag), or null."
  value       = try(module.batch_inference[0].ecr_repository_url, null)
}

output "batch_inference_data_uri" {
  description = "S3 URI under which the workflow keeps the models' code (models/), default inputs and outputs (data/<model>/input/, data/<model>/output/) and per-run intermediate data (runs/), or null."
  value       = try(module.batch_inference[0].data_uri, null)
}

output "batch_inference_manifest_uri" {
  description = "S3 URI of the manifest the shared schedule fans out over, or null."
  value       = try(module.batch_inference[0].manifest_uri, null)
}

output "batch_inference_models" {
  description = "Per model: where its code, input and output are, the image of its inference step, its schedule rule (null when it runs on the shared schedule) and the execution input that runs it alone."
  value       = try(module.batch_inference[0].models, {})
}

output "batch_inference_schedule_rule_names" {
  description = "Names of the batch inference schedule rules: all_models (the shared schedule) and one per model with its own schedule."
  value       = try(module.batch_inference[0].schedule_rule_names, {})
}

output "batch_inference_alert_rule_names" {
  description = "Names of the EventBridge rules that send failed processing jobs and executions to the notifications topic."
  value       = try(module.batch_inference[0].alert_rule_names, [])
}

# --- Approved deployment (modules/approved_deployment) ---
output "approved_deployment_state_machine_arn" {
  description = "ARN of the approved-deployment state machine, or null when the workflow is not created. Start it with {\"commit_id\": \"<git commit>\"} (and optionally \"image_uri\")."
  value       = one(module.approved_deployment[*].state_machine_arn)
}

output "approved_deployment_state_machine_name" {
  description = "Name of the approved-deployment state machine, or null."
  value       = one(module.approved_deployment[*].state_machine_name)
}

output "approved_deployment_ecr_repository_url" {
  description = "URL of the approved-deployment image repository (images are tagged with their commit id), or null."
  value       = one(module.approved_deployment[*].ecr_repository_url)
}

output "approved_deployment_ecr_repository_arn" {
  description = "ARN of the approved-deployment image repository, or null."
  value       = one(module.approved_deployment[*].ecr_repository_arn)
}

output "approved_deployment_endpoint_name" {
  description = "Name of the SageMaker endpoint the approved-deployment workflow creates or updates, or null."
  value       = one(module.approved_deployment[*].endpoint_name)
}

output "approved_deployment_data_uri" {
  description = "S3 URI under which the approved-deployment data (data/train/, data/validation/, data/test/), model artifacts (models/) and test-set predictions (transform/<execution>/) live, or null."
  value       = one(module.approved_deployment[*].data_uri)
}

output "approved_deployment_sagemaker_role_arn" {
  description = "ARN of the SageMaker execution role the approved-deployment jobs and models run as, or null."
  value       = one(module.approved_deployment[*].sagemaker_role_arn)
}

output "approved_deployment_state_machine_role_arn" {
  description = "ARN of the approved-deployment state machine's role, or null."
  value       = one(module.approved_deployment[*].state_machine_role_arn)
}

output "approved_deployment_role_arns" {
  description = "ARNs of the approved-deployment roles by purpose (sagemaker, state_machine, functions, responder, retention, inference, codebuild, codepipeline, source_events; null for a role not created), or null when the workflow is not created."
  value       = one(module.approved_deployment[*].role_arns)
}

output "approved_deployment_role_names" {
  description = "Names of the approved-deployment roles, by the keys of approved_deployment_role_arns, or null."
  value       = one(module.approved_deployment[*].role_names)
}

output "approved_deployment_function_names" {
  description = "Names of the approved-deployment Lambda functions by purpose (input, request, responder, retention, inference), or null."
  value       = one(module.approved_deployment[*].function_names)
}

output "approved_deployment_function_arns" {
  description = "ARNs of the approved-deployment Lambda functions, by the keys of approved_deployment_function_names, or null."
  value       = one(module.approved_deployment[*].function_arns)
}

output "approved_deployment_log_group_names" {
  description = "Names of the approved-deployment log groups (state_machine, api, codebuild, function_<key>), or null."
  value       = one(module.approved_deployment[*].log_group_names)
}

output "approved_deployment_api_id" {
  description = "Id of the HTTP API that serves the approval links and the optional inference route, or null."
  value       = one(module.approved_deployment[*].api_id)
}

output "approved_deployment_approval_api_endpoint" {
  description = "Base URL of the HTTP API that serves the approval links (GET/POST /approval) and the optional inference route, or null."
  value       = one(module.approved_deployment[*].api_endpoint)
}

output "approved_deployment_approvals_topic_arn" {
  description = "ARN of the SNS topic that carries approval requests (signed links) to the approvers, or null."
  value       = one(module.approved_deployment[*].approvals_topic_arn)
}

output "approved_deployment_approvals_table_name" {
  description = "DynamoDB table that records every approval request and its decision (who, when, from where), or null."
  value       = one(module.approved_deployment[*].approvals_table_name)
}

output "approved_deployment_approval_signing_key_secret_arn" {
  description = "ARN of the Secrets Manager secret that holds the links' HMAC key (filled by the approval request function on first use), or null."
  value       = one(module.approved_deployment[*].approval_signing_key_secret_arn)
}

output "approved_deployment_pipeline_name" {
  description = "Name of the CodePipeline that builds the image and starts the workflow, or null when approved_deployment_create_pipeline is false."
  value       = one(module.approved_deployment[*].pipeline_name)
}

output "approved_deployment_codebuild_project_name" {
  description = "Name of the CodeBuild project that builds and pushes the image, or null."
  value       = one(module.approved_deployment[*].codebuild_project_name)
}

output "approved_deployment_connection_arn" {
  description = "ARN of the CodeStar connection the pipeline uses (created PENDING by the module: complete the handshake once in the console), or null."
  value       = one(module.approved_deployment[*].connection_arn)
}

output "approved_deployment_inference_api_url" {
  description = "URL of the inference route (POST {\"data\": \"<csv row>\"}), or null when approved_deployment_create_inference_api is false."
  value       = one(module.approved_deployment[*].inference_api_url)
}

output "redrive_policy_json" {
  description = "IAM policy document for the people or tools that redrive failed, aborted or timed-out executions of the created workflows (states:RedriveExecution on their executions); null when no workflow is created."
  value       = try(data.aws_iam_policy_document.redrive[0].json, null)
}

output "alarm_arns" {
  description = "ARNs of every workflow's CloudWatch alarms that notify the topic."
  value       = local.alarm_arns
}
