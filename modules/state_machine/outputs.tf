output "arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "log_group_name" {
  description = "CloudWatch log group of the execution history."
  value       = aws_cloudwatch_log_group.this.name
}
