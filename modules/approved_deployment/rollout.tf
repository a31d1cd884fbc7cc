# Deployment guardrails (blue/green with canary or linear traffic shifting, auto-rollback on CloudWatch alarms) for
# the approved model's UpdateEndpoint: validated and shaped into the API's DeploymentConfig by modules/endpoint_rollout,
# which also creates the default rollback alarms on request. The endpoint name only feeds the alarms' dimensions.
module "endpoint_rollout" {
  source = "../endpoint_rollout"

  config               = var.endpoint_deployment_config
  config_variable      = "endpoint_deployment_config"
  root_config_variable = "approved_deployment_endpoint_deployment_config"
  endpoints = {
    approved = {
      endpoint_name     = local.cd_endpoint_name
      instance_count    = var.endpoint_instance_count
      alarm_name_prefix = local.cd_prefix
    }
  }
  endpoint_wait_timeout_seconds = var.endpoint_wait_timeout_seconds
  wait_variable                 = "endpoint_wait_timeout_seconds (in the root module: approved_deployment_endpoint_wait_timeout_seconds)"
  account_id                    = local.account_id
  region                        = local.region
  partition                     = local.partition
  tags                          = var.tags
}
