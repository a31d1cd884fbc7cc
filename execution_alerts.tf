# ---------------------------------------------------------------------------------------------------------------------
# Nothing fails silently: an execution that fails outside a Catch (States.Runtime, States.DataLimitExceeded are not
# matched by States.ALL), times out (the state machine's TimeoutSeconds) or is aborted never reaches the workflow's
# own NotifyFailure state. Step Functions emits "Step Functions Execution Status Change" events to EventBridge for
# every status change (Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge":
# https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html); this rule sends FAILED,
# TIMED_OUT and ABORTED ones of the module's approved-deployment machine to the notifications topic.
# A run that failed inside a Catch notifies twice (its own message, then this one): better twice than never.
# The batch inference machine has its own rule (batch_inference.tf), which also covers its Map's child executions;
# each retraining model's machine has its own (modules/hourly_retraining).
# ---------------------------------------------------------------------------------------------------------------------
locals {
  execution_alert_machine_arns = compact([
    local.create_approved_deployment ? local.cd_state_machine_arn : "",
  ])
  create_execution_alerts = var.create_execution_alerts && length(local.execution_alert_machine_arns) > 0
  execution_alerts_name   = "${var.name_prefix}-execution-alerts"

  # Every EventBridge rule that targets the notifications topic; its policy lets events.amazonaws.com publish
  # only on behalf of these (aws:SourceArn). Built from names, so known at plan.
  notification_rule_arns = concat(
    local.create_execution_alerts ? ["arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.execution_alerts_name}"] : [],
    [for k in keys(local.batch_inference_alerts) : "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name_prefix}-bi-${k}"],
    local.create_retraining ? module.hourly_retraining[0].notification_rule_arns : [],
  )
}

resource "aws_cloudwatch_event_rule" "execution_alerts" {
  count       = local.create_execution_alerts ? 1 : 0
  name        = local.execution_alerts_name
  description = "Executions of the ${var.name_prefix} state machines that failed, timed out or were aborted."
  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      status          = ["FAILED", "TIMED_OUT", "ABORTED"]
      stateMachineArn = local.execution_alert_machine_arns
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "execution_alerts" {
  count     = local.create_execution_alerts ? 1 : 0
  rule      = aws_cloudwatch_event_rule.execution_alerts[0].name
  target_id = "notifications"
  arn       = local.notifications_topic_arn

  input_transformer {
    input_paths = {
      name      = "$.detail.name"
      status    = "$.detail.status"
      execution = "$.detail.executionArn"
    }
    # Only values that cannot hold a quote: error and cause (free text, possibly absent) could break the JSON
    # string, and a message EventBridge cannot build is never delivered. The execution's history has them.
    input_template = "\"[${var.name_prefix}] Execution <name> ended <status>, see its history: <execution>\""
  }

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }

  depends_on = [module.notifications]
}
