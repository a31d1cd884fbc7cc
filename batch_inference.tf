# The legacy batch inference workflow (modules/legacy_batch_inference): on when batch_inference_models is not empty.
# The root passes the shared platform: the artifact bucket (by name, read from the bucket module so that the
# scripts wait for the bucket), the notifications topic (its ARN built from its name) and the KMS key.
# See docs/legacy_batch_inference.md for the design, the limits and a usage block.

locals {
  # The map's keys are known at plan even when its values are not (an image URI of the caller's own repository).
  create_batch_inference = length(var.batch_inference_models) > 0
}

module "batch_inference" {
  source = "./modules/legacy_batch_inference"
  count  = local.create_batch_inference ? 1 : 0

  name_prefix             = var.name_prefix
  account_id              = local.account_id
  tags                    = var.tags
  artifact_bucket_name    = var.create_artifact_bucket ? module.artifact_store[0].bucket_name : local.bucket_name
  notifications_topic_arn = local.notifications_topic_arn
  kms_key_arn             = var.kms_key_arn
  log_retention_days      = var.log_retention_days
  create_execution_alerts = var.create_execution_alerts
  create_alarms           = var.create_alarms
  alarm_kinds             = var.batch_inference_alarm_kinds
  create_dashboard        = var.create_dashboards

  models                       = var.batch_inference_models
  max_concurrency              = var.batch_inference_max_concurrency
  tolerated_failure_percentage = var.batch_inference_tolerated_failure_percentage
  schedule_expression          = var.batch_inference_schedule_expression
  schedule_enabled             = var.batch_inference_schedule_enabled
  create_ecr_repository        = var.batch_inference_create_ecr_repository
  sklearn_image_uri            = var.batch_inference_sklearn_image_uri
  instance_type                = var.batch_inference_instance_type
  volume_size_gb               = var.batch_inference_volume_size_gb
  max_runtime_seconds          = var.batch_inference_max_runtime_seconds
  create_sagemaker_role        = var.batch_inference_create_sagemaker_role
  sagemaker_role_arn           = var.batch_inference_sagemaker_role_arn

  # Private networking (variables.tf): the same VPC settings for every workflow.
  sagemaker_subnet_ids                                = var.sagemaker_subnet_ids
  sagemaker_security_group_ids                        = var.sagemaker_security_group_ids
  sagemaker_enable_network_isolation                  = var.sagemaker_enable_network_isolation
  sagemaker_enable_inter_container_traffic_encryption = var.sagemaker_enable_inter_container_traffic_encryption
}
