output "topic_arn" {
  description = "ARN of the SNS topic."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the SNS topic."
  value       = aws_sns_topic.this.name
}

output "kms_key_arn" {
  description = "ARN of the KMS key the module created for the topic (null when create_kms_key is false)."
  value       = try(aws_kms_key.this[0].arn, null)
}
