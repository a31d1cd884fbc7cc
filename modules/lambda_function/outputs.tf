output "function_arns" {
  description = "ARNs of the functions, by the keys of var.functions."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "function_names" {
  description = "Names of the functions, by the keys of var.functions."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "log_group_names" {
  description = "CloudWatch log groups of the functions, by the keys of var.functions."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.name }
}
