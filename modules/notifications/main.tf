# EventBridge cannot publish to a topic encrypted with the AWS managed key alias/aws/sns, whose policy cannot be
# changed; it needs a customer managed key whose policy lets events.amazonaws.com use it (Amazon SNS Developer Guide,
# "Key management", compatibility between event sources from AWS services and encrypted topics:
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
resource "aws_kms_key" "this" {
  count               = var.create_kms_key ? 1 : 0
  description         = "Encrypts the ${var.name} SNS topic; lets the topic's publishing services use it."
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.kms.json
  tags                = var.tags
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A key policy; "*" is the key itself and the account root must administer it (AWS KMS default key policy).
  #checkov:skip=CKV_AWS_111:A key policy; "*" is the key itself, and the service statement allows only GenerateDataKey*/Decrypt.
  #checkov:skip=CKV_AWS_356:A key policy's Resource is always "*", meaning the key the policy is attached to.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${var.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = length(var.publisher_service_principals) > 0 ? [true] : []
    content {
      sid       = "ServicesEncryptForTheTopic"
      actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = var.publisher_service_principals
      }
    }
  }

  # CloudWatch alarm actions to an encrypted topic need the key too (kms:Decrypt, kms:GenerateDataKey*), on behalf
  # of the alarms only: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
  dynamic "statement" {
    for_each = length(var.alarm_arns) > 0 ? [true] : []
    content {
      sid       = "CloudWatchAlarmsEncryptForTheTopic"
      actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = ["cloudwatch.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }
      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = var.alarm_arns
      }
    }
  }
}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_id
  tags              = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "AccountPublishes"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${var.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = length(var.publisher_service_principals) > 0 ? [true] : []
    content {
      sid       = "ServicesPublish"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.this.arn]
      principals {
        type        = "Service"
        identifiers = var.publisher_service_principals
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }
      dynamic "condition" {
        for_each = length(var.publisher_source_arns) > 0 ? [true] : []
        content {
          test     = "ArnLike"
          variable = "aws:SourceArn"
          values   = var.publisher_source_arns
        }
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.alarm_arns) > 0 ? [true] : []
    content {
      sid       = "CloudWatchAlarmsPublish"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.this.arn]
      principals {
        type        = "Service"
        identifiers = ["cloudwatch.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }
      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = var.alarm_arns
      }
    }
  }
}

data "aws_partition" "current" {}

data "aws_region" "current" {}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_sns_topic_subscription" "email" {
  # Keyed by the caller's names, not by the addresses: an address may be unknown until apply.
  for_each  = var.email_addresses
  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}
