# Private networking (optional): every model's training jobs and models in the caller's VPC, network isolation and
# inter-container traffic encryption, and the functions attached to the caller's subnets. With none of it set, the
# definitions and policies are exactly as without this file (no empty VpcConfig, no ec2 statement).
# Whether a VPC is used follows from the lists' lengths, which a caller knows at plan even when the IDs are not
# (subnets created in the same apply): no count or for_each depends on an ID.

locals {
  sagemaker_vpc = length(var.sagemaker_subnet_ids) > 0
  lambda_vpc    = length(var.lambda_subnet_ids) > 0

  # CreateTrainingJob takes VpcConfig, EnableNetworkIsolation and EnableInterContainerTrafficEncryption
  # (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html); CreateModel takes VpcConfig
  # and EnableNetworkIsolation (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html).
  # VpcConfig: 1-5 SecurityGroupIds and 1-16 Subnets (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_VpcConfig.html).
  # Only the fields that are set are rendered into the definition.
  sagemaker_vpc_config = local.sagemaker_vpc ? { VpcConfig = { Subnets = var.sagemaker_subnet_ids, SecurityGroupIds = var.sagemaker_security_group_ids } } : {}
  network_isolation    = var.sagemaker_enable_network_isolation ? { EnableNetworkIsolation = true } : {}
  training_network = merge(local.sagemaker_vpc_config, local.network_isolation,
    var.sagemaker_enable_inter_container_traffic_encryption ? { EnableInterContainerTrafficEncryption = true } : {},
  )
  model_network = merge(local.sagemaker_vpc_config, local.network_isolation)

  # The functions' vpc_config: up to 16 SubnetIds and 5 SecurityGroupIds
  # (https://docs.aws.amazon.com/lambda/latest/dg/API_VpcConfig.html), checked by the variables' validations.
  # Subnets and security groups come together: SageMaker and Lambda need both (a validation cannot compare two variables).
  check_sagemaker_vpc = local.sagemaker_vpc == (length(var.sagemaker_security_group_ids) > 0) ? true : tobool(
    "The sagemaker_subnet_ids and sagemaker_security_group_ids must be given together (both or neither): a VpcConfig needs 1-16 subnets and 1-5 security groups."
  )
  check_lambda_vpc = local.lambda_vpc == (length(var.lambda_security_group_ids) > 0) ? true : tobool(
    "The lambda_subnet_ids and lambda_security_group_ids must be given together (both or neither): a function's vpc_config needs subnets and security groups."
  )
}
