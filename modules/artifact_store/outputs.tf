output "bucket_name" {
  description = "Name of the artifact bucket."
  # The configured name (known at plan), read from the resource so that users wait for the bucket to exist.
  value = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the artifact bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "The KMS key that uploads must use, or null for S3's default encryption."
  value       = var.kms_key_arn
}
