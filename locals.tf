locals {
  account_id = var.account_id != null ? var.account_id : data.aws_caller_identity.current[0].account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # SageMaker ARNs carry names in lower case; the IAM policies are scoped to this prefix.
  resource_prefix = lower(var.name_prefix)

  bucket_name = var.create_artifact_bucket ? coalesce(var.artifact_bucket_name, "${local.resource_prefix}-${local.account_id}-${local.region}") : var.artifact_bucket_name
  bucket_arn  = "arn:${local.partition}:s3:::${local.bucket_name}"

  notifications_topic_name = "${var.name_prefix}-notifications"
  notifications_topic_arn  = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.notifications_topic_name}"
}

# Terraform 1.0.3 has no preconditions: an invalid combination of inputs fails planning here, with a message that
# names the variables ("Invalid function argument ... cannot convert "<message>" to bool").
locals {
  check_bucket_name = var.create_artifact_bucket || var.artifact_bucket_name != null ? true : tobool(
    "The artifact_bucket_name must be set when create_artifact_bucket is false."
  )
}
