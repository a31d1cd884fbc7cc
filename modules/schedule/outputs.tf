output "rule_names" {
  description = "Names of the schedule rules, by the keys of var.schedules."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.name }
}

output "rule_arns" {
  description = "ARNs of the schedule rules, by the keys of var.schedules."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.arn }
}

output "inputs" {
  description = "The constant input each rule sends, by the keys of var.schedules."
  value       = { for k, t in aws_cloudwatch_event_target.this : k => t.input }
}

output "role_arn" {
  description = "ARN of the role EventBridge assumes to start executions."
  value       = aws_iam_role.this.arn
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue, or null when it is not created."
  value       = try(aws_sqs_queue.dead_letter[0].arn, null)
}
