output "deployment_configs" {
  description = "UpdateEndpoint's DeploymentConfig for each endpoint key (BlueGreenUpdatePolicy, and AutoRollbackConfiguration when there are alarms), or null values when config is null."
  value       = local.check_fields && local.check_cross ? local.deployment_configs : {}
}

output "rollback_alarm_names" {
  description = "The alarms SageMaker watches during a rollout, for each endpoint key: those created here, then config.alarm_names."
  value       = local.rollback_alarm_names
}

output "rollback_alarm_arns" {
  description = "ARNs of the rollback alarms for each endpoint key (the IAM policies allow cloudwatch:DescribeAlarms on exactly these)."
  value       = { for k, names in local.rollback_alarm_names : k => [for a in names : "arn:${var.partition}:cloudwatch:${var.region}:${var.account_id}:alarm:${a}"] }
}

output "created_alarm_arns" {
  description = "ARNs of the alarms this module created, by \"<endpoint key>-5xx\" / \"<endpoint key>-latency\"."
  value       = { for k, a in aws_cloudwatch_metric_alarm.rollback : k => a.arn }
}
