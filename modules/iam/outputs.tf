output "sagemaker_role_arn" {
  description = "ARN of the SageMaker execution role (created or passed in)."
  # Known at plan time; depends on the role so that users of the ARN wait for the role to exist.
  value      = local.sagemaker_role_arn
  depends_on = [aws_iam_role.sagemaker, aws_iam_role_policy.sagemaker, aws_iam_role_policy.sagemaker_vpc]
}

output "lambda_role_arn" {
  description = "ARN of the created Lambda role, or null when create_lambda_role is false."
  value       = try(aws_iam_role.lambda[0].arn, null)
  # Lambda checks at CreateFunction that a function with vpc_config may create network interfaces: the policy first.
  depends_on = [aws_iam_role_policy.lambda_vpc]
}

output "state_machine_role_arn" {
  description = "ARN of the created state machine role, or null when create_state_machine_role is false."
  value       = try(aws_iam_role.state_machine[0].arn, null)
}

output "state_machine_role_name" {
  description = "Name of the created state machine role, or null when create_state_machine_role is false."
  value       = try(aws_iam_role.state_machine[0].name, null)
}

output "state_machine_policy_json" {
  description = "The state machine role's policy document (for review), or null when the role is not created."
  value       = try(data.aws_iam_policy_document.state_machine[0].json, null)
}
