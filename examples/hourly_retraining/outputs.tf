output "state_machine_arn" {
  description = "ARN of the churn model's retraining state machine."
  value       = module.ml_workflows.retraining_state_machine_arns["churn"]
}

output "schedule_rule_name" {
  description = "Name of the churn model's hourly schedule rule."
  value       = module.ml_workflows.retraining_schedule_rule_names["churn"]
}

output "schedule_input" {
  description = "The input every scheduled execution receives."
  value       = module.ml_workflows.retraining_schedule_inputs["churn"]
}

output "artifact_bucket_name" {
  description = "Bucket holding training data and model artifacts."
  value       = module.ml_workflows.artifact_bucket_name
}

output "retraining_data_uri" {
  description = "Where to put the churn model's train/ and validation/ data."
  value       = module.ml_workflows.retraining_data_uris["churn"]
}

output "ecr_repository_url" {
  description = "Where to push the training image."
  value       = module.ml_workflows.retraining_ecr_repository_url
}

output "notifications_topic_arn" {
  description = "Topic of the workflow's notifications."
  value       = module.ml_workflows.notifications_topic_arn
}

output "endpoint_name" {
  description = "The endpoint the churn model's workflow deploys to."
  value       = module.ml_workflows.retraining_endpoint_names["churn"]
}
