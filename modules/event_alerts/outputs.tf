output "rule_names" {
  description = "Names of the rules, by key (known at plan)."
  value       = local.rule_names
}

output "rule_arns" {
  description = "ARNs of the rules, by key, for the topic policy's aws:SourceArn condition."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.arn }
}
