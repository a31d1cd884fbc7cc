# CloudWatch alarms on the state machine and the schedule's dead-letter queue, and the workflow's dashboard
# (modules/workflow_monitoring). No Lambda functions and no endpoint in this workflow.
module "monitoring" {
  source = "../workflow_monitoring"
  count  = var.create_alarms || var.create_dashboard ? 1 : 0

  name_prefix                     = "${var.name_prefix}-bi"
  topic_arn                       = var.notifications_topic_arn
  account_id                      = local.account_id
  region                          = local.region
  partition                       = local.partition
  tags                            = var.tags
  create_state_machine_alarms     = var.create_alarms && contains(var.alarm_kinds, "executions")
  create_lambda_alarms            = var.create_alarms && contains(var.alarm_kinds, "lambda_errors")
  create_dead_letter_queue_alarms = var.create_alarms && contains(var.alarm_kinds, "dead_letter_queue")
  create_dashboard                = var.create_dashboard
  state_machines                  = { batch-inference = local.state_machine_arn }
  state_machine_names             = { batch-inference = local.state_machine_name }
  # The schedule module (and its queue) exists when a schedule does; the same known condition.
  dead_letter_queue_names = var.schedule_expression != null || length(local.own_schedules) > 0 ? { schedule = "${var.name_prefix}-bi-schedule-dlq" } : {}
}
