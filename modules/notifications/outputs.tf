# Known at plan (built from the name, region and account), so the definitions that publish here are reviewable at
# plan; depends_on keeps their creation behind the topic's.
output "topic_arn" {
  description = "ARN of the SNS topic (known at plan)."
  value       = "arn:${data.aws_partition.current.partition}:sns:${data.aws_region.current.name}:${var.account_id}:${var.name}"
  depends_on  = [aws_sns_topic.this]
}

output "topic_name" {
  description = "Name of the SNS topic (known at plan)."
  value       = var.name
  depends_on  = [aws_sns_topic.this]
}

output "kms_key_arn" {
  description = "ARN of the KMS key the module created for the topic (null when create_kms_key is false)."
  value       = try(aws_kms_key.this[0].arn, null)
}
