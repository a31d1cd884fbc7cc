output "state_machine_arn" {
  description = "ARN of the retraining state machine."
  value       = module.ml_workflows.retraining_state_machine_arn
}

output "schedule_rule_name" {
  description = "Name of the hourly schedule rule."
  value       = module.ml_workflows.retraining_schedule_rule_name
}

output "schedule_input" {
  description = "The input every scheduled execution receives."
  value       = module.ml_workflows.retraining_schedule_input
}

output "artifact_bucket_name" {
  description = "Bucket holding training data and model artifacts."
  value       = module.ml_workflows.artifact_bucket_name
}

output "retraining_data_uri" {
  description = "Where to put the train/ and validation/ data."
  value       = module.ml_workflows.retraining_data_uri
}

output "ecr_repository_url" {
  description = "Where to push the training image."
  value       = module.ml_workflows.ecr_repository_url
}

output "notifications_topic_arn" {
  description = "Topic of the workflow's notifications."
  value       = module.ml_workflows.notifications_topic_arn
}

output "endpoint_name" {
  description = "The endpoint the workflow deploys to."
  value       = module.ml_workflows.endpoint_name
}
