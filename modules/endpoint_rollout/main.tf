# SageMaker deployment guardrails for the workflows' UpdateEndpoint: the input, validated at plan against the API's
# limits, becomes UpdateEndpoint's DeploymentConfig (BlueGreenUpdatePolicy + AutoRollbackConfiguration), and on request
# this module creates the CloudWatch alarms SageMaker watches to roll a deployment back.
#
# AWS references (SageMaker API Reference):
# - DeploymentConfig / BlueGreenUpdatePolicy: MaximumExecutionTimeoutInSeconds 600-28800, "should be larger than the
#   total waiting time specified in TerminationWaitInSeconds and WaitIntervalInSeconds"; TerminationWaitInSeconds
#   0-3600 (default 0) (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html).
# - TrafficRoutingConfig: Type ALL_AT_ONCE | CANARY | LINEAR; WaitIntervalInSeconds 0-3600, required; CanarySize
#   "must be less than or equal to 50% of the variant's total instance count"; LinearStepSize "must be 10-50% of the
#   variant's total instance count" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html).
# - CapacitySize: Type INSTANCE_COUNT | CAPACITY_PERCENT, Value >= 1
#   (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CapacitySize.html).
# - AutoRollbackConfig: Alarms, 1-10 items (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html);
#   CloudWatch AlarmName 1-255 characters.
# - Alarms: "If any of your alarms trip during the specified monitoring period, SageMaker AI initiates a complete
#   rollback to the old endpoint" ("Auto-Rollback Configuration and Monitoring",
#   https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html); metrics AWS/SageMaker
#   Invocation5XXErrors (Sum) and ModelLatency (microseconds) by EndpointName and VariantName
#   (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html).
#
# - UpdateEndpoint takes DeploymentConfig next to EndpointName and EndpointConfigName (request syntax,
#   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html); the Step Functions optimized
#   integration arn:aws:states:::sagemaker:updateEndpoint is a request-response call of that API with the Task's
#   Parameters as its request ("Create and manage Amazon SageMaker AI jobs with Step Functions", "Passing parameters to
#   a service API"), so the same state carries it. RollingUpdatePolicy (the other DeploymentConfig policy) is not offered.
#
# Terraform 1.0.3 has no optional() attributes, so the config is `any` and its fields are read with try(); an unknown
# field is refused (a typo would otherwise be ignored silently).

locals {
  enabled = var.config != null
  fields = [
    "traffic_routing_type", "size_type", "size_value", "wait_interval_seconds", "maximum_execution_timeout_seconds",
    "termination_wait_seconds", "alarm_names", "create_alarms", "alarm_5xx_threshold", "alarm_latency_threshold_microseconds",
  ]
  given_keys     = try(keys(var.config), [])
  unknown_fields = local.enabled ? sort(setsubtract(local.given_keys, local.fields)) : []

  type          = try(tostring(var.config.traffic_routing_type), null)
  size_type     = try(tostring(var.config.size_type), null)
  size_value    = try(tonumber(var.config.size_value), null)
  wait_interval = try(tonumber(var.config.wait_interval_seconds), null)
  max_execution = try(tonumber(var.config.maximum_execution_timeout_seconds), null)
  termination   = try(var.config.termination_wait_seconds, null) == null ? 0 : try(tonumber(var.config.termination_wait_seconds), null)
  alarm_names   = try(var.config.alarm_names, null) == null ? [] : try([for a in var.config.alarm_names : tostring(a)], null)
  create_alarms = try(var.config.create_alarms, null) == null ? false : try(tobool(var.config.create_alarms), null)
  threshold_5xx = try(var.config.alarm_5xx_threshold, null) == null ? 1 : try(tonumber(var.config.alarm_5xx_threshold), null)
  threshold_lat = try(var.config.alarm_latency_threshold_microseconds, null) == null ? 1000000 : try(tonumber(var.config.alarm_latency_threshold_microseconds), null)
  sized         = contains(["CANARY", "LINEAR"], coalesce(local.type, "-"))

  whole = { for k, v in {
    size_value                        = local.size_value
    wait_interval_seconds             = local.wait_interval
    maximum_execution_timeout_seconds = local.max_execution
    termination_wait_seconds          = local.termination
  } : k => v == null ? false : floor(v) == v }

  n         = var.config_variable
  root_note = var.root_config_variable == null ? "" : " (In the root module, ${var.config_variable} is ${var.root_config_variable}.)"
  errors = local.enabled ? concat(
    [for f in local.unknown_fields : "The ${local.n} has no field ${f}; its fields are ${join(", ", local.fields)}."],
    [
      try(contains(["ALL_AT_ONCE", "CANARY", "LINEAR"], local.type), false) ? "" : "The ${local.n}.traffic_routing_type must be \"ALL_AT_ONCE\", \"CANARY\" or \"LINEAR\" (SageMaker TrafficRoutingConfig.Type).",
      local.sized ? (try(contains(["INSTANCE_COUNT", "CAPACITY_PERCENT"], local.size_type), false) ? "" : "The ${local.n}.size_type must be \"INSTANCE_COUNT\" or \"CAPACITY_PERCENT\" for a CANARY or LINEAR traffic_routing_type (SageMaker CapacitySize.Type).") : "",
      local.sized ? (local.size_value != null && local.whole.size_value && try(local.size_value >= 1, false) ? "" : "The ${local.n}.size_value must be a whole number of at least 1 for a CANARY or LINEAR traffic_routing_type (SageMaker CapacitySize.Value).") : "",
      local.type == "ALL_AT_ONCE" && (try(var.config.size_type, null) != null || try(var.config.size_value, null) != null) ? "The ${local.n}.size_type and size_value must be null for the ALL_AT_ONCE traffic_routing_type: it shifts all traffic in one step and has no canary or step size." : "",
      local.sized && local.size_type == "CAPACITY_PERCENT" && local.size_value != null ? (
        local.type == "CANARY" ? (local.size_value <= 50 ? "" : "The ${local.n}.size_value must be at most 50 (percent) for CANARY: SageMaker allows a canary of at most 50% of the variant's instances.")
        : (local.size_value >= 10 && local.size_value <= 50 ? "" : "The ${local.n}.size_value must be 10-50 (percent) for LINEAR: SageMaker allows linear steps of 10-50% of the variant's instances.")
      ) : "",
      local.wait_interval != null && local.whole.wait_interval_seconds && try(local.wait_interval >= 0 && local.wait_interval <= 3600, false) ? "" : "The ${local.n}.wait_interval_seconds must be a whole number from 0 to 3600 (SageMaker TrafficRoutingConfig.WaitIntervalInSeconds, required: the baking period after each traffic shift, in which the alarms are watched).",
      local.max_execution != null && local.whole.maximum_execution_timeout_seconds && try(local.max_execution >= 600 && local.max_execution <= 28800, false) ? "" : "The ${local.n}.maximum_execution_timeout_seconds must be a whole number from 600 to 28800 (SageMaker BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds); it is required here because the workflow's wait after UpdateEndpoint must cover it.",
      local.termination != null && local.whole.termination_wait_seconds && try(local.termination >= 0 && local.termination <= 3600, false) ? "" : "The ${local.n}.termination_wait_seconds must be a whole number from 0 to 3600, or null for 0 (SageMaker BlueGreenUpdatePolicy.TerminationWaitInSeconds).",
      local.alarm_names != null && try(alltrue([for a in local.alarm_names : length(a) >= 1 && length(a) <= 255]), false) ? "" : "The ${local.n}.alarm_names must be a list of CloudWatch alarm names of 1-255 characters, or null for none.",
      local.create_alarms != null ? "" : "The ${local.n}.create_alarms must be true or false (or null for false).",
      local.threshold_5xx != null && try(local.threshold_5xx >= 1, false) ? "" : "The ${local.n}.alarm_5xx_threshold must be a number of at least 1 (5xx errors per minute), or null for 1.",
      local.threshold_lat != null && try(local.threshold_lat > 0, false) ? "" : "The ${local.n}.alarm_latency_threshold_microseconds must be a positive number (average ModelLatency per minute, in microseconds), or null for 1000000.",
    ],
  ) : []
  check_fields = length(compact(local.errors)) == 0 ? true : tobool("${join(" ", compact(local.errors))}${local.root_note}")

  # Across fields and variables, once every field is valid.
  alarm_count = local.check_fields && local.enabled ? length(local.alarm_names) + (local.create_alarms ? 2 : 0) : 0
  cross_errors = local.check_fields && local.enabled ? concat(
    [
      local.alarm_count <= 10 ? "" : "The ${local.n} names ${local.alarm_count} alarms (alarm_names, plus 2 with create_alarms); SageMaker AutoRollbackConfig takes at most 10.",
      local.max_execution > local.wait_interval + local.termination ? "" : "The ${local.n}.maximum_execution_timeout_seconds must be larger than wait_interval_seconds + termination_wait_seconds (SageMaker: the timeout should be larger than the total waiting time).",
      var.endpoint_wait_timeout_seconds >= local.max_execution + local.termination ? "" : "The ${var.wait_variable} must be at least ${local.n}.maximum_execution_timeout_seconds + termination_wait_seconds (${local.max_execution + local.termination}): the workflow waits that long for the rollout after UpdateEndpoint (and at most 500 polls, so raise the poll seconds too if needed).",
    ],
    [for k, e in var.endpoints : local.sized && local.size_type == "INSTANCE_COUNT" ? (
      local.type == "CANARY" ? (local.size_value * 2 <= e.instance_count ? "" : "The ${local.n}.size_value (${local.size_value} instances) must be at most 50% of the endpoint's instance count (${e.instance_count}, ${k}) for CANARY.")
      : (local.size_value * 10 >= e.instance_count && local.size_value * 2 <= e.instance_count ? "" : "The ${local.n}.size_value (${local.size_value} instances) must be 10-50% of the endpoint's instance count (${e.instance_count}, ${k}) for LINEAR.")
    ) : ""],
  ) : []
  check_cross = length(compact(local.cross_errors)) == 0 ? true : tobool("${join(" ", compact(local.cross_errors))}${local.root_note}")

  created_alarm_names  = { for k, e in var.endpoints : k => local.enabled && local.check_fields && local.create_alarms ? ["${e.alarm_name_prefix}-rollback-5xx", "${e.alarm_name_prefix}-rollback-latency"] : [] }
  rollback_alarm_names = { for k, e in var.endpoints : k => local.enabled && local.check_fields ? distinct(concat(local.created_alarm_names[k], local.alarm_names)) : [] }

  size = local.sized && local.check_fields ? { Type = local.size_type, Value = local.size_value } : null
  traffic_routing = local.enabled && local.check_fields ? merge(
    { Type = local.type, WaitIntervalInSeconds = local.wait_interval },
    local.type == "CANARY" ? { CanarySize = local.size } : {},
    local.type == "LINEAR" ? { LinearStepSize = local.size } : {},
  ) : null
  deployment_configs = { for k, e in var.endpoints : k => local.enabled && local.check_fields && local.check_cross ? merge(
    {
      BlueGreenUpdatePolicy = {
        TrafficRoutingConfiguration      = local.traffic_routing
        MaximumExecutionTimeoutInSeconds = local.max_execution
        TerminationWaitInSeconds         = local.termination
      }
    },
    length(local.rollback_alarm_names[k]) == 0 ? {} : { AutoRollbackConfiguration = { Alarms = [for a in local.rollback_alarm_names[k] : { AlarmName = a }] } },
  ) : null }

  alarms = merge([for k, e in var.endpoints : local.enabled && local.check_fields && local.create_alarms ? {
    "${k}-5xx" = {
      name        = local.created_alarm_names[k][0]
      endpoint    = e.endpoint_name
      metric      = "Invocation5XXErrors"
      statistic   = "Sum"
      threshold   = local.threshold_5xx
      description = "Rolls a blue/green deployment of endpoint ${k} back: at least ${local.threshold_5xx} 5xx errors in a minute on its AllTraffic variant."
    }
    "${k}-latency" = {
      name        = local.created_alarm_names[k][1]
      endpoint    = e.endpoint_name
      metric      = "ModelLatency"
      statistic   = "Average"
      threshold   = local.threshold_lat
      description = "Rolls a blue/green deployment of endpoint ${k} back: average ModelLatency of its AllTraffic variant at or above ${local.threshold_lat} microseconds for a minute."
    }
  } : {}]...)
}

resource "aws_cloudwatch_metric_alarm" "rollback" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  namespace           = "AWS/SageMaker"
  metric_name         = each.value.metric
  dimensions          = { EndpointName = each.value.endpoint, VariantName = "AllTraffic" }
  statistic           = each.value.statistic
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value.threshold
  # No traffic is no evidence against the new fleet.
  treat_missing_data = "notBreaching"
  tags               = var.tags
}
