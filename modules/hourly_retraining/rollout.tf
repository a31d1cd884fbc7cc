# Deployment guardrails (blue/green with canary or linear traffic shifting, auto-rollback on CloudWatch alarms) for
# each model's UpdateEndpoint: validated and shaped into the API's DeploymentConfig by modules/endpoint_rollout, which
# also creates the default rollback alarms on request. The keys are the models' static keys; the endpoint names only
# feed the alarms' dimensions.
module "endpoint_rollout" {
  source = "../endpoint_rollout"

  config               = var.endpoint_deployment_config
  config_variable      = "endpoint_deployment_config"
  root_config_variable = "retraining_endpoint_deployment_config"
  endpoints = { for k, m in local.models : k => {
    endpoint_name     = m.endpoint_name
    instance_count    = try(tonumber(m.ep_count), 1)
    alarm_name_prefix = "${m.prefix}-rt"
  } }
  endpoint_wait_timeout_seconds = var.endpoint_wait_timeout_seconds
  wait_variable                 = "endpoint_wait_timeout_seconds (in the root module: retraining_endpoint_wait_timeout_seconds)"
  account_id                    = local.account_id
  region                        = local.region
  partition                     = local.partition
  tags                          = var.tags
}
