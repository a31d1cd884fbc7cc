# ---------------------------------------------------------------------------------------------------------------------
# Alerts that the workflow cannot send itself: a processing job that failed or was stopped (also outside a run), and
# an execution that failed, timed out or was aborted (child executions of the Map included), through
# modules/event_alerts. The topic's policy must let events.amazonaws.com publish on behalf of these rules (output
# notification_rule_arns), and an encrypted topic needs a customer managed key whose policy lets EventBridge use it.
# ---------------------------------------------------------------------------------------------------------------------
locals {
  alerts_name_prefix = "${var.name_prefix}-bi"
  alert_rules = merge(
    !var.create_job_alerts ? {} : {
      processing-job-failed = {
        description = "SageMaker Processing jobs of ${var.name_prefix} that failed or were stopped."
        pattern = {
          source        = ["aws.sagemaker"]
          "detail-type" = ["SageMaker Processing Job State Change"]
          detail = {
            ProcessingJobStatus = ["Failed", "Stopped"]
            ProcessingJobName   = [{ prefix = "${local.resource_prefix}-bi-" }]
          }
        }
        input_paths    = { job = "$.detail.ProcessingJobName", status = "$.detail.ProcessingJobStatus", reason = "$.detail.FailureReason" }
        input_template = "\"[${var.name_prefix}] SageMaker Processing job <job> is <status>: <reason>\""
      }
    },
    !var.create_execution_alerts ? {} : {
      execution-failed = {
        description = "Executions of the ${var.name_prefix} batch inference state machine (and of its Map's children) that failed unnotified, timed out or were aborted."
        pattern = {
          source        = ["aws.states"]
          "detail-type" = ["Step Functions Execution Status Change"]
          # Failures the workflow notified itself (modules/conventions' notified_errors) are left out: one notice
          # per failure.
          detail = {
            stateMachineArn = [local.state_machine_arn, { prefix = "${local.state_machine_arn}/" }]
            "$or"           = module.conventions.execution_alert_status_patterns["bi"]
          }
        }
        input_paths    = { name = "$.detail.name", status = "$.detail.status", execution = "$.detail.executionArn" }
        input_template = "\"[${var.name_prefix}] Batch inference execution <name> ended <status>: <execution>\""
      }
    },
  )
  # Built from names, so known at plan (the topic policy needs them as aws:SourceArn).
  notification_rule_arns = [for k in sort(keys(local.alert_rules)) : "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.alerts_name_prefix}-${k}"]
}

# One call per rule: the rules' event patterns differ in shape, and a map(object) variable holds one shape.
module "job_alerts" {
  source = "../event_alerts"
  count  = var.create_job_alerts ? 1 : 0

  name_prefix = local.alerts_name_prefix
  rules       = { processing-job-failed = local.alert_rules["processing-job-failed"] }
  topic_arn   = var.notifications_topic_arn
  tags        = var.tags
}

module "execution_alerts" {
  source = "../event_alerts"
  count  = var.create_execution_alerts ? 1 : 0

  name_prefix = local.alerts_name_prefix
  rules       = { execution-failed = local.alert_rules["execution-failed"] }
  topic_arn   = var.notifications_topic_arn
  tags        = var.tags
}
