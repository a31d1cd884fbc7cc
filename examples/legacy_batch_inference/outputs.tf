output "state_machine_arn" {
  description = "ARN of the batch inference state machine: start it with {} for every model of the shared schedule or {\"model\": \"iris\"} for one."
  value       = module.ml_workflows.batch_inference_state_machine_arn
}

output "ecr_repository_url" {
  description = "Where to push the models' inference images."
  value       = module.ml_workflows.batch_inference_ecr_repository_url
}

output "data_uri" {
  description = "Where the workflow keeps the models' code, default inputs and outputs, and per-run data."
  value       = module.ml_workflows.batch_inference_data_uri
}

output "manifest_uri" {
  description = "The manifest the nightly schedule fans out over."
  value       = module.ml_workflows.batch_inference_manifest_uri
}

output "models" {
  description = "Per model: code, input and output locations, image, schedule rule and the input that runs it alone."
  value       = module.ml_workflows.batch_inference_models
}

output "schedule_rule_names" {
  description = "The shared schedule rule (all_models) and the rule of each model with its own schedule."
  value       = module.ml_workflows.batch_inference_schedule_rule_names
}

output "notifications_topic_arn" {
  description = "Topic of the workflow's notifications."
  value       = module.ml_workflows.notifications_topic_arn
}
