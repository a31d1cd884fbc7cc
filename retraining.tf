# The hourly retraining workflow (modules/hourly_retraining), on when retraining_models is not empty: per model a
# schedule -> (Glue ETL) -> training (.sync) -> metrics -> gate -> deployment to its endpoint.

locals {
  # The keys of the map are known at plan even when its values (image URIs, channels) are not.
  create_retraining = length(var.retraining_models) > 0

  # At most 500 polls per endpoint wait (the execution history limit, see modules/hourly_retraining/checks.tf); a
  # validation cannot compare two variables, so the check is here, naming the root's variables.
  check_retraining_endpoint_polls = ceil(var.retraining_endpoint_wait_timeout_seconds / var.retraining_endpoint_poll_seconds) <= 500 ? true : tobool(
    "The retraining_endpoint_wait_timeout_seconds must be at most 500 times retraining_endpoint_poll_seconds (at most 500 polls per wait: an execution history holds 25,000 events and each poll costs 33 across the three endpoint waits)."
  )
}

module "hourly_retraining" {
  source = "./modules/hourly_retraining"
  count  = local.create_retraining ? 1 : 0

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
  alarm_kinds             = var.retraining_alarm_kinds
  create_dashboard        = var.create_dashboards

  # One lock table for every workflow of this module that deploys to an endpoint (lock.tf).
  create_lock_table = false
  lock_table_name   = local.lock_table_name
  # The approved deployment takes the same endpoint locks: the roles may describe its executions (the holder).
  lock_peer_state_machine_names = local.create_approved_deployment ? [module.approved_deployment[0].state_machine_name] : []

  models                        = var.retraining_models
  create_ecr_repository         = var.retraining_create_ecr_repository
  endpoint_wait_timeout_seconds = var.retraining_endpoint_wait_timeout_seconds
  endpoint_poll_seconds         = var.retraining_endpoint_poll_seconds
  endpoint_deployment_config    = var.retraining_endpoint_deployment_config
  retain_previous_models        = var.retraining_retain_previous_models
  create_sagemaker_role         = var.retraining_create_sagemaker_role
  sagemaker_role_arn            = var.retraining_sagemaker_role_arn
  create_state_machine_role     = var.retraining_create_state_machine_role
  state_machine_role_arn        = var.retraining_state_machine_role_arn
  create_lambda_role            = var.retraining_create_lambda_role
  lambda_role_arn               = var.retraining_lambda_role_arn

  # Private networking (variables.tf): the same VPC settings for every workflow.
  sagemaker_subnet_ids                                = var.sagemaker_subnet_ids
  sagemaker_security_group_ids                        = var.sagemaker_security_group_ids
  sagemaker_enable_network_isolation                  = var.sagemaker_enable_network_isolation
  sagemaker_enable_inter_container_traffic_encryption = var.sagemaker_enable_inter_container_traffic_encryption
  lambda_subnet_ids                                   = var.lambda_subnet_ids
  lambda_security_group_ids                           = var.lambda_security_group_ids
}
