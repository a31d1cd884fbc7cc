# CloudWatch alarms (to the topic) and a dashboard for one workflow. Every count and for_each depends only on
# flags and on the caller's static keys, never on ARNs or names, which may be unknown until apply.
# Metrics: Step Functions AWS/States by StateMachineArn
# (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html), Lambda AWS/Lambda Errors by
# FunctionName, SQS AWS/SQS ApproximateNumberOfMessagesVisible by QueueName, SageMaker AWS/SageMaker Invocations and
# Invocation5XXErrors by EndpointName and VariantName. Missing data (no executions) is not breaching.

locals {
  execution_metrics = {
    failed    = "ExecutionsFailed"
    timed-out = "ExecutionsTimedOut"
    aborted   = "ExecutionsAborted"
    throttled = "ExecutionThrottled"
  }

  state_machine_alarms = var.create_state_machine_alarms ? merge([for k, arn in var.state_machines : {
    for m, metric in local.execution_metrics : "${k}-${m}" => {
      namespace   = "AWS/States"
      metric      = metric
      dimensions  = { StateMachineArn = arn }
      description = "${metric} of state machine ${k} (${var.name_prefix}) is above 0."
    }
  }]...) : {}

  lambda_alarms = var.create_lambda_alarms ? { for k, name in var.lambda_function_names : "${k}-errors" => {
    namespace   = "AWS/Lambda"
    metric      = "Errors"
    dimensions  = { FunctionName = name }
    description = "Lambda function ${k} (${var.name_prefix}) reported errors."
  } } : {}

  queue_alarms = var.create_dead_letter_queue_alarms ? { for k, name in var.dead_letter_queue_names : "${k}-dead-letters" => {
    namespace   = "AWS/SQS"
    metric      = "ApproximateNumberOfMessagesVisible"
    dimensions  = { QueueName = name }
    description = "Dead-letter queue ${k} (${var.name_prefix}) holds schedule events EventBridge could not deliver."
  } } : {}

  alarms = merge(local.state_machine_alarms, local.lambda_alarms, local.queue_alarms)

  alarm_names = { for k in keys(local.alarms) : k => "${var.name_prefix}-${k}" }
  alarm_arns  = { for k, n in local.alarm_names : k => "arn:${var.partition}:cloudwatch:${var.region}:${var.account_id}:alarm:${n}" }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = local.alarm_names[each.key]
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.namespace == "AWS/SQS" ? "Maximum" : "Sum"
  period              = var.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]
  tags                = var.tags
}

locals {
  sm_keys = sort(keys(var.state_machines))
  widgets = concat(
    [for i, k in local.sm_keys : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Executions of ${k}"
        region  = var.region
        stat    = "Sum"
        period  = 3600
        view    = "timeSeries"
        stacked = false
        metrics = [for m in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionThrottled"] :
        ["AWS/States", m, "StateMachineArn", var.state_machines[k]]]
      }
    }],
    [for k in local.sm_keys : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Execution time of ${k} (ms)"
        region  = var.region
        period  = 3600
        view    = "timeSeries"
        stacked = false
        metrics = [for s in ["Average", "Maximum"] : ["AWS/States", "ExecutionTime", "StateMachineArn", var.state_machines[k], { stat = s }]]
      }
    }],
    var.gate_metrics_namespace == null ? [] : [for k in local.sm_keys : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Gated metric of ${k} and its threshold"
        region  = var.region
        stat    = "Maximum"
        period  = 3600
        view    = "timeSeries"
        stacked = false
        metrics = [for m in ["GatedMetricValue", "GateThreshold"] : [var.gate_metrics_namespace, m, "StateMachine", lookup(var.state_machine_names, k, k)]]
      }
    }],
    [for k in sort(keys(var.endpoint_names)) : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Endpoint ${k}: invocations and 5XX errors"
        region  = var.region
        stat    = "Sum"
        period  = 300
        view    = "timeSeries"
        stacked = false
        metrics = [for m in ["Invocations", "Invocation5XXErrors"] : ["AWS/SageMaker", m, "EndpointName", var.endpoint_names[k], "VariantName", "AllTraffic"]]
      }
    }],
    length(var.lambda_function_names) == 0 ? [] : [{
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Lambda errors"
        region  = var.region
        stat    = "Sum"
        period  = 3600
        view    = "timeSeries"
        stacked = false
        metrics = [for k in sort(keys(var.lambda_function_names)) : ["AWS/Lambda", "Errors", "FunctionName", var.lambda_function_names[k]]]
      }
    }],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = var.name_prefix
  dashboard_body = jsonencode({ widgets = local.widgets })
}
