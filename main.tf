data "aws_caller_identity" "current" {
  count = var.account_id == null ? 1 : 0
}

data "aws_region" "current" {}

data "aws_partition" "current" {}

module "artifact_store" {
  source = "./modules/artifact_store"
  count  = var.create_artifact_bucket ? 1 : 0

  bucket_name   = local.bucket_name
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.artifact_bucket_force_destroy
  tags          = var.tags
}

module "notifications" {
  source = "./modules/notifications"

  name            = local.notifications_topic_name
  account_id      = local.account_id
  create_kms_key  = var.create_notifications_kms_key
  kms_key_id      = coalesce(var.kms_key_arn, "alias/aws/sns")
  email_addresses = var.notification_emails
  tags            = var.tags

  # EventBridge rules publish here: every workflow submodule's alerts (execution_alerts.tf), each allowed only on
  # behalf of its rule.
  publisher_service_principals = length(local.notification_rule_arns) > 0 ? ["events.amazonaws.com"] : []
  publisher_source_arns        = local.notification_rule_arns

  # CloudWatch alarms (modules/workflow_monitoring) publish here too, each on behalf of its alarm.
  alarm_arns = local.alarm_arns
}

locals {
  # Every workflow's CloudWatch alarms that notify the topic (ARNs built from names, known at plan).
  alarm_arns = concat(
    flatten(module.hourly_retraining[*].alarm_arns),
    flatten(module.batch_inference[*].alarm_arns),
    flatten(module.approved_deployment[*].alarm_arns),
  )
}

# What an operator needs to redrive a failed, aborted or timed-out execution (RedriveExecution is authorized on the
# execution ARN; a redriven execution keeps its ARN, definition and role, so the workflows' roles need nothing more):
# https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html
data "aws_iam_policy_document" "redrive" {
  count = length(local.state_machine_names) > 0 ? 1 : 0

  statement {
    sid       = "RedriveWorkflowExecutions"
    actions   = ["states:RedriveExecution", "states:DescribeExecution", "states:GetExecutionHistory"]
    resources = [for n in local.state_machine_names : "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${n}:*"]
  }
}

locals {
  state_machine_names = concat(
    flatten([for m in module.hourly_retraining : values(m.state_machine_names)]),
    module.batch_inference[*].state_machine_name,
    module.approved_deployment[*].state_machine_name,
  )
}
