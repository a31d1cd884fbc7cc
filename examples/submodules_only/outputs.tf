output "state_machine_arns" {
  description = "The retraining state machine of each model, by model key."
  value       = module.retraining.state_machine_arns
}

output "bucket_name" {
  description = "The team's bucket, where each model's data goes under <name_prefix>/retraining/<model>/data/."
  value       = module.bucket.bucket_name
}

output "topic_arn" {
  description = "The team's notifications topic."
  value       = module.topic.topic_arn
}
