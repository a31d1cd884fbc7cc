resource "aws_cloudwatch_event_rule" "this" {
  for_each            = var.schedules
  name                = "${var.name_prefix}-${each.key}"
  description         = each.value.description
  schedule_expression = each.value.schedule_expression
  is_enabled          = each.value.enabled
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  for_each  = var.schedules
  rule      = aws_cloudwatch_event_rule.this[each.key].name
  target_id = "state-machine"
  arn       = var.state_machine_arn
  role_arn  = aws_iam_role.this.arn
  input     = each.value.input

  retry_policy {
    maximum_event_age_in_seconds = var.maximum_event_age_seconds
    maximum_retry_attempts       = var.maximum_retry_attempts
  }

  dynamic "dead_letter_config" {
    for_each = var.create_dead_letter_queue ? [true] : []
    content {
      arn = aws_sqs_queue.dead_letter[0].arn
    }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name_prefix}-schedule"
  description        = "Lets the ${var.name_prefix} schedule rules start the state machine."
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "start" {
  statement {
    sid       = "StartTheStateMachine"
    actions   = ["states:StartExecution"]
    resources = [var.state_machine_arn]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "start-execution"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.start.json
}

resource "aws_sqs_queue" "dead_letter" {
  #checkov:skip=CKV_AWS_27:EventBridge cannot deliver to a queue encrypted with the AWS managed key; encrypted with kms_key_arn when given.
  count                     = var.create_dead_letter_queue ? 1 : 0
  name                      = "${var.name_prefix}-schedule-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

data "aws_iam_policy_document" "dead_letter" {
  count = var.create_dead_letter_queue ? 1 : 0

  statement {
    sid       = "EventBridgeDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter[0].arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in aws_cloudwatch_event_rule.this : r.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  count     = var.create_dead_letter_queue ? 1 : 0
  queue_url = aws_sqs_queue.dead_letter[0].id
  policy    = data.aws_iam_policy_document.dead_letter[0].json
}
