# EventBridge rules that send matching events (a state machine's executions that failed, timed out or were
# aborted; SageMaker jobs that failed) to the notifications topic, with a message built by an input transformer.
# Step Functions emits "Step Functions Execution Status Change" events for every status change ("Automating Step
# Functions event delivery with EventBridge", https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html).
# The topic's policy must let events.amazonaws.com publish on behalf of these rules (output rule_arns; the
# notifications module takes them as publisher_source_arns), and an encrypted topic needs a customer managed key whose
# policy lets EventBridge use it.

locals {
  rule_names = { for k in keys(var.rules) : k => "${var.name_prefix}-${k}" }
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each      = var.rules
  name          = local.rule_names[each.key]
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  for_each  = var.rules
  rule      = aws_cloudwatch_event_rule.this[each.key].name
  target_id = "notifications"
  arn       = var.topic_arn

  input_transformer {
    input_paths = each.value.input_paths
    # Only values that cannot hold a quote belong in the template: a message EventBridge cannot build as JSON is
    # never delivered.
    input_template = each.value.input_template
  }

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }
}
