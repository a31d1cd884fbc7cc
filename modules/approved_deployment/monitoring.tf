# CloudWatch alarms on the state machine and the functions' errors, and the workflow's dashboard
# (modules/workflow_monitoring). This workflow has no schedule, hence no dead-letter queue.
module "monitoring" {
  source = "../workflow_monitoring"
  count  = var.create_alarms || var.create_dashboard ? 1 : 0

  name_prefix                     = local.cd_prefix
  topic_arn                       = var.notifications_topic_arn
  account_id                      = local.account_id
  region                          = local.region
  partition                       = local.partition
  tags                            = var.tags
  create_state_machine_alarms     = var.create_alarms && contains(var.alarm_kinds, "executions")
  create_lambda_alarms            = var.create_alarms && contains(var.alarm_kinds, "lambda_errors")
  create_dead_letter_queue_alarms = var.create_alarms && contains(var.alarm_kinds, "dead_letter_queue")
  create_dashboard                = var.create_dashboard
  state_machines                  = { approved-deployment = local.cd_state_machine_arn }
  state_machine_names             = { approved-deployment = local.cd_state_machine_name }
  lambda_function_names = merge(
    { for k, f in merge(local.cd_functions, local.cd_responder_function, local.retention_function) : k => f.function_name },
    { for k, f in local.cd_inference_function : k => f.function_name if local.create_inference_api },
  )
  endpoint_names = { approved = local.cd_endpoint_name }
}
