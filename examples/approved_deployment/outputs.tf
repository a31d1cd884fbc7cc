output "state_machine_arn" {
  description = "ARN of the approved-deployment state machine (start it by hand with {\"commit_id\": \"<git commit>\"})."
  value       = module.ml_workflows.approved_deployment_state_machine_arn
}

output "pipeline_name" {
  description = "The CodePipeline that builds each commit's image and starts the workflow."
  value       = module.ml_workflows.approved_deployment_pipeline_name
}

output "connection_arn" {
  description = "The CodeStar connection to complete once in the console (Developer Tools > Settings > Connections)."
  value       = module.ml_workflows.approved_deployment_connection_arn
}

output "ecr_repository_url" {
  description = "Repository of the images, tagged with their commit id."
  value       = module.ml_workflows.approved_deployment_ecr_repository_url
}

output "data_uri" {
  description = "Where to put data/train/, data/validation/ and data/test/; the test-set predictions land in transform/."
  value       = module.ml_workflows.approved_deployment_data_uri
}

output "approval_api_endpoint" {
  description = "Base URL of the approval links and of the inference route (/predict)."
  value       = module.ml_workflows.approved_deployment_approval_api_endpoint
}

output "inference_api_url" {
  description = "POST {\"data\": \"4.5,1.3,0.3,0.3\"} here (SigV4-signed) to get {\"result\": ...}."
  value       = module.ml_workflows.approved_deployment_inference_api_url
}

output "endpoint_name" {
  description = "The endpoint approved models are deployed to."
  value       = module.ml_workflows.approved_deployment_endpoint_name
}

output "approvals_topic_arn" {
  description = "Topic of the approval requests (signed Approve/Reject links): subscribe the approvers here."
  value       = module.ml_workflows.approved_deployment_approvals_topic_arn
}

output "notifications_topic_arn" {
  description = "Topic of the workflow's notifications: deployed, rejected, expired, failed."
  value       = module.ml_workflows.notifications_topic_arn
}
