output "state_machine_arn" {
  description = "ARN of the batch inference state machine (known at plan). Start it with {} for every model of the shared schedule, or {\"model\": \"<name>\"} for one model."
  value       = local.state_machine_arn
  depends_on  = [module.state_machine]
}

output "state_machine_name" {
  description = "Name of the batch inference state machine."
  value       = module.state_machine.name
}

output "state_machine_role_arn" {
  description = "ARN of the state machine's role."
  value       = module.iam.state_machine_role_arn
}

output "state_machine_role_name" {
  description = "Name of the state machine's role."
  value       = module.iam.state_machine_role_name
}

output "sagemaker_role_arn" {
  description = "ARN of the SageMaker execution role the jobs run as (created, or sagemaker_role_arn)."
  value       = local.sagemaker_role_arn
}

output "sagemaker_role_name" {
  description = "Name of the SageMaker execution role the jobs run as."
  value       = var.create_sagemaker_role ? "${var.name_prefix}-bi-sagemaker" : try(reverse(split("/", var.sagemaker_role_arn))[0], null)
}

output "log_group_name" {
  description = "CloudWatch log group of the state machine's execution history."
  value       = module.state_machine.log_group_name
}

output "ecr_repository_arn" {
  description = "ARN of the created repository for the models' inference images, or null when create_ecr_repository is false."
  value       = try(module.ecr_repository[0].repository_arn, null)
}

output "ecr_repository_url" {
  description = "URL of the created repository for the models' inference images (push `<url>:<model>-<commit>` and set the model's image_tag), or null."
  value       = try(module.ecr_repository[0].repository_url, null)
}

output "data_uri" {
  description = "S3 URI under which the workflow keeps the models' code (models/), default inputs and outputs (data/<model>/input/, data/<model>/output/) and per-run intermediate data (runs/)."
  value       = local.data_uri
}

output "manifest_uri" {
  description = "S3 URI of the manifest the shared schedule fans out over."
  value       = "s3://${local.bucket_name}/${local.manifest_key}"
}

output "models" {
  description = "Per model: where its code, input and output are, the image of its inference step, its schedule rule (null when it runs on the shared schedule) and the execution input that runs it alone."
  value = { for k, i in local.items : k => {
    code_uri           = i.code_uri
    input_uri          = i.input_uri
    output_uri         = i.output_uri
    image_uri          = i.inference.app_specification.ImageUri
    schedule_rule_name = try(module.schedule[0].rule_names[k], null)
    execution_input    = local.execution_input[k]
  } }
}

output "schedule_rule_names" {
  description = "Names of the schedule rules: all_models (the shared schedule) and one per model with its own schedule."
  value       = try(module.schedule[0].rule_names, {})
}

output "alert_rule_names" {
  description = "Names of the EventBridge rules that send failed processing jobs and executions to the topic."
  value       = sort(concat(values(try(module.job_alerts[0].rule_names, {})), values(try(module.execution_alerts[0].rule_names, {}))))
}

output "notification_rule_arns" {
  description = "ARNs of every EventBridge rule of this submodule that publishes to the topic (built from names, so known at plan): the topic policy's aws:SourceArn."
  value       = local.notification_rule_arns
}

output "alarm_arns" {
  description = "ARNs of the CloudWatch alarms that notify the topic (built from names, so known at plan): the topic policy's aws:SourceArn for cloudwatch.amazonaws.com."
  value       = try(module.monitoring[0].alarm_arns, [])
}

output "dashboard_name" {
  description = "Name of the workflow's CloudWatch dashboard, or null."
  value       = try(module.monitoring[0].dashboard_name, null)
}
