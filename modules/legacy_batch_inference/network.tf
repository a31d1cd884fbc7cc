# Private networking (optional): the processing jobs in the caller's VPC, with network isolation and inter-container
# traffic encryption. With none of it set, the definition and policies are exactly as without this file (no
# NetworkConfig, no ec2 statement). Whether a VPC is used follows from the list's length, which a caller knows at plan
# even when the IDs are not (subnets created in the same apply): no count or for_each depends on an ID.

locals {
  sagemaker_vpc = length(var.sagemaker_subnet_ids) > 0

  # CreateProcessingJob takes them all in NetworkConfig: EnableInterContainerTrafficEncryption, EnableNetworkIsolation
  # and VpcConfig (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_NetworkConfig.html); VpcConfig holds
  # 1-5 SecurityGroupIds and 1-16 Subnets (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_VpcConfig.html).
  # Only the fields that are set are rendered; no NetworkConfig at all when none is.
  processing_network_config = merge(
    local.sagemaker_vpc ? { VpcConfig = { Subnets = var.sagemaker_subnet_ids, SecurityGroupIds = var.sagemaker_security_group_ids } } : {},
    var.sagemaker_enable_network_isolation ? { EnableNetworkIsolation = true } : {},
    var.sagemaker_enable_inter_container_traffic_encryption ? { EnableInterContainerTrafficEncryption = true } : {},
  )
  processing_network = local.sagemaker_vpc || var.sagemaker_enable_network_isolation || var.sagemaker_enable_inter_container_traffic_encryption ? { NetworkConfig = local.processing_network_config } : {}

  # Subnets and security groups come together (a validation cannot compare two variables).
  check_sagemaker_vpc = local.sagemaker_vpc == (length(var.sagemaker_security_group_ids) > 0) ? true : tobool(
    "The sagemaker_subnet_ids and sagemaker_security_group_ids must be given together (both or neither): a VpcConfig needs 1-16 subnets and 1-5 security groups."
  )
}
