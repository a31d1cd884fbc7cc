# The approved-deployment workflow (CI/CD), modules/approved_deployment: commit -> image (CodeBuild) -> state machine:
# validate the input -> train (.sync) -> model -> batch transform of the test set (.sync) -> human approval (signed,
# expiring, single-use links; waitForTaskToken) -> endpoint config -> create or update the endpoint -> wait until
# InService -> notify. docs/approved_deployment.md describes the workflow, the approval's security model and the limits.
# The root passes the shared platform (bucket, notifications topic, KMS key, the one endpoint lock table) and the
# workflow's own approved_deployment_* settings.

locals {
  create_approved_deployment = var.create_approved_deployment_workflow
}

module "approved_deployment" {
  source = "./modules/approved_deployment"
  count  = local.create_approved_deployment ? 1 : 0

  name_prefix             = var.name_prefix
  account_id              = local.account_id
  tags                    = var.tags
  artifact_bucket_name    = local.bucket_name
  notifications_topic_arn = local.notifications_topic_arn
  kms_key_arn             = var.kms_key_arn
  log_retention_days      = var.log_retention_days
  lambda_runtime          = var.lambda_runtime
  create_execution_alerts = var.create_execution_alerts
  create_alarms           = var.create_alarms
  alarm_kinds             = var.approved_deployment_alarm_kinds
  create_dashboard        = var.create_dashboards
  # The root's one lock table: retraining and approved deployment exclude each other on one endpoint.
  create_lock_table = false
  # The retraining takes the same endpoint locks: the role may describe its executions (the holder).
  lock_peer_state_machine_names = local.create_retraining ? values(module.hourly_retraining[0].state_machine_names) : []
  lock_table_name               = module.endpoint_lock[0].table_name

  endpoint_name                        = var.approved_deployment_endpoint_name
  approval_timeout_seconds             = var.approved_deployment_approval_timeout_seconds
  approval_emails                      = var.approved_deployment_approval_emails
  hyperparameters                      = var.approved_deployment_hyperparameters
  training_channels                    = var.approved_deployment_training_channels
  test_data_uri                        = var.approved_deployment_test_data_uri
  content_type                         = var.approved_deployment_content_type
  training_instance_type               = var.approved_deployment_training_instance_type
  training_instance_count              = var.approved_deployment_training_instance_count
  training_volume_size_gb              = var.approved_deployment_training_volume_size_gb
  training_max_runtime_seconds         = var.approved_deployment_training_max_runtime_seconds
  transform_instance_type              = var.approved_deployment_transform_instance_type
  transform_instance_count             = var.approved_deployment_transform_instance_count
  transform_timeout_seconds            = var.approved_deployment_transform_timeout_seconds
  endpoint_instance_type               = var.approved_deployment_endpoint_instance_type
  endpoint_instance_count              = var.approved_deployment_endpoint_instance_count
  endpoint_wait_timeout_seconds        = var.approved_deployment_endpoint_wait_timeout_seconds
  endpoint_poll_seconds                = var.approved_deployment_endpoint_poll_seconds
  endpoint_deployment_config           = var.approved_deployment_endpoint_deployment_config
  retain_previous_models               = var.approved_deployment_retain_previous_models
  create_sagemaker_role                = var.approved_deployment_create_sagemaker_role
  sagemaker_role_arn                   = var.approved_deployment_sagemaker_role_arn
  create_ecr_repository                = var.approved_deployment_create_ecr_repository
  ecr_repository_url                   = var.approved_deployment_ecr_repository_url
  create_pipeline                      = var.approved_deployment_create_pipeline
  repository                           = var.approved_deployment_repository
  source_type                          = var.approved_deployment_source_type
  branch                               = var.approved_deployment_branch
  create_connection                    = var.approved_deployment_create_connection
  connection_arn                       = var.approved_deployment_connection_arn
  connection_provider                  = var.approved_deployment_connection_provider
  dockerfile                           = var.approved_deployment_dockerfile
  build_context                        = var.approved_deployment_build_context
  build_image                          = var.approved_deployment_build_image
  build_compute_type                   = var.approved_deployment_build_compute_type
  build_timeout_minutes                = var.approved_deployment_build_timeout_minutes
  create_inference_api                 = var.approved_deployment_create_inference_api
  inference_api_authorization          = var.approved_deployment_inference_api_authorization
  inference_api_throttling_rate_limit  = var.approved_deployment_inference_api_throttling_rate_limit
  inference_api_throttling_burst_limit = var.approved_deployment_inference_api_throttling_burst_limit

  # Private networking (variables.tf): the same VPC settings for every workflow.
  sagemaker_subnet_ids                                = var.sagemaker_subnet_ids
  sagemaker_security_group_ids                        = var.sagemaker_security_group_ids
  sagemaker_enable_network_isolation                  = var.sagemaker_enable_network_isolation
  sagemaker_enable_inter_container_traffic_encryption = var.sagemaker_enable_inter_container_traffic_encryption
  lambda_subnet_ids                                   = var.lambda_subnet_ids
  lambda_security_group_ids                           = var.lambda_security_group_ids
}
