# Name and ARN follow from the input name, so a consuming workspace knows them at plan (its policies and state
# machine definitions stay reviewable); depends_on keeps whatever reads them behind the bucket's creation.
output "bucket_name" {
  description = "Name of the artifact bucket (known at plan)."
  value       = var.bucket_name
  depends_on  = [aws_s3_bucket.this]
}

output "bucket_arn" {
  description = "ARN of the artifact bucket (known at plan)."
  value       = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  depends_on  = [aws_s3_bucket.this]
}

output "kms_key_arn" {
  description = "The KMS key that uploads must use, or null for S3's default encryption."
  value       = var.kms_key_arn
}
