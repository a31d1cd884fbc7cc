resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Encrypted with kms_key_arn when the caller gives one; CloudWatch Logs encrypts log data at rest otherwise.
  for_each          = var.functions
  name              = "/aws/lambda/${each.value.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions, which retries and catches failures; a DLQ only serves asynchronous invocations.
  #checkov:skip=CKV_AWS_117:In a VPC only when the caller gives vpc_subnet_ids: the functions call AWS APIs only, which in a VPC needs NAT or endpoints the caller owns.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the state machine (one execution at a time); a reservation would take from the account pool.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the organisation owns; packages are reproducible and checked in tests.
  #checkov:skip=CKV_AWS_173:Environment variables hold no secrets; encrypted with kms_key_arn when the caller gives one.
  for_each         = var.functions
  function_name    = each.value.function_name
  description      = each.value.description
  role             = var.role_arn
  runtime          = var.runtime
  handler          = each.value.handler
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  timeout          = each.value.timeout
  memory_size      = each.value.memory_size
  kms_key_arn      = var.kms_key_arn
  tags             = var.tags

  dynamic "environment" {
    for_each = length(var.environment) > 0 ? [true] : []
    content {
      variables = var.environment
    }
  }

  # Only with subnets: the block's presence depends on the list's length, never on the IDs (known or not at plan).
  dynamic "vpc_config" {
    for_each = length(var.vpc_subnet_ids) > 0 ? [true] : []
    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  tracing_config {
    mode = "Active"
  }

  # The log group must exist first, so that Lambda does not create one without retention.
  depends_on = [aws_cloudwatch_log_group.this]
}
