# ---------------------------------------------------------------------------------------------------------------------
# VPC mode: the network interfaces SageMaker (jobs, models) and Lambda (functions) create in the caller's subnets.
# Each is its own policy, present only when its switch is on, so that without a VPC the roles are exactly as before.
# Scoping follows the Service Authorization Reference for Amazon EC2
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html):
# - CreateNetworkInterface authorizes the network-interface (required), subnet (required) and security-group
#   resources: the subnets and security groups are named by ARN; the new interface's ARN is not known beforehand.
#   The account of a subnet or security group is "*": a subnet shared with this account (AWS RAM) keeps its owner's.
# - CreateNetworkInterfacePermission and DeleteNetworkInterface take the network-interface resource (required), with
#   the ec2:Subnet condition key (the subnet's ARN): only interfaces in the given subnets.
# - DeleteNetworkInterfacePermission lists network-interface as optional (not required) and the Describe* actions
#   have no resource types: AWS may authorize them without a resource ARN, so "*" is as far as they can be scoped.
# The actions are the ones SageMaker documents for VPC mode ("Give SageMaker Training Jobs Access to Resources in
# Your Amazon VPC", https://docs.aws.amazon.com/sagemaker/latest/dg/train-vpc.html, and the execution role
# permissions of CreateTrainingJob / CreateProcessingJob / CreateModel,
# https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html); batch transform runs in the model's VPC
# (https://docs.aws.amazon.com/sagemaker/latest/dg/batch-vpc.html).
# ---------------------------------------------------------------------------------------------------------------------
locals {
  ec2_arn              = "${local.arn_prefix}:ec2:${var.region}"
  network_interfaces   = "${local.ec2_arn}:${var.account_id}:network-interface/*"
  sagemaker_subnets    = [for s in var.sagemaker_subnet_ids : "${local.ec2_arn}:*:subnet/${s}"]
  sagemaker_sgs        = [for g in var.sagemaker_security_group_ids : "${local.ec2_arn}:*:security-group/${g}"]
  lambda_subnets       = [for s in var.lambda_subnet_ids : "${local.ec2_arn}:*:subnet/${s}"]
  lambda_sgs           = [for g in var.lambda_security_group_ids : "${local.ec2_arn}:*:security-group/${g}"]
  create_sagemaker_vpc = var.create_sagemaker_role && var.sagemaker_vpc_access
  create_lambda_vpc    = var.create_lambda_role && var.lambda_vpc_access
}

data "aws_iam_policy_document" "sagemaker_vpc" {
  #checkov:skip=CKV_AWS_356:ec2:DeleteNetworkInterfacePermission lists network-interface as optional in the Service Authorization Reference (its request names a permission ID, not an interface), so AWS may authorize it on "*"; SageMaker documents it for VPC mode. Every restrictable action here is scoped.
  #checkov:skip=CKV_AWS_109:The one permissions-management action without a resource, ec2:DeleteNetworkInterfacePermission, can only remove an attach permission (no exposure); see CKV_AWS_356. CreateNetworkInterfacePermission is limited to interfaces in the given subnets.
  count = local.create_sagemaker_vpc ? 1 : 0

  statement {
    sid       = "CreateNetworkInterfacesInTheSubnets"
    actions   = ["ec2:CreateNetworkInterface"]
    resources = concat([local.network_interfaces], local.sagemaker_subnets, local.sagemaker_sgs)
  }

  statement {
    sid       = "ManageNetworkInterfacesInTheSubnets"
    actions   = ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"]
    resources = [local.network_interfaces]
    condition {
      test     = "ArnLike"
      variable = "ec2:Subnet"
      values   = local.sagemaker_subnets
    }
  }

  statement {
    sid = "DescribeNetworkAndDeletePermissions"
    # No resource types (Describe*) or an optional one (DeleteNetworkInterfacePermission): AWS requires "*".
    actions   = ["ec2:DeleteNetworkInterfacePermission", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "sagemaker_vpc" {
  count  = local.create_sagemaker_vpc ? 1 : 0
  name   = "sagemaker-vpc"
  role   = aws_iam_role.sagemaker[0].id
  policy = data.aws_iam_policy_document.sagemaker_vpc[0].json
}

# Lambda: the actions of the AWS managed policy AWSLambdaVPCAccessExecutionRole (besides logs, which the functions'
# own policy grants), as the Lambda developer guide lists them ("Giving Lambda functions access to resources in an
# Amazon VPC", https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html): DescribeNetworkInterfaces works
# only on "*"; DeleteNetworkInterface needs the interfaces' IDs or all of them (network-interface/*).
# AssignPrivateIpAddresses and UnassignPrivateIpAddresses take the network-interface resource.
data "aws_iam_policy_document" "lambda_vpc" {
  count = local.create_lambda_vpc ? 1 : 0

  statement {
    sid       = "CreateNetworkInterfacesInTheSubnets"
    actions   = ["ec2:CreateNetworkInterface"]
    resources = concat([local.network_interfaces], local.lambda_subnets, local.lambda_sgs)
  }

  statement {
    sid       = "ManageNetworkInterfaces"
    actions   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
    resources = [local.network_interfaces]
  }

  statement {
    sid = "DescribeNetwork"
    # No resource types: AWS requires "*".
    actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "lambda_vpc" {
  count  = local.create_lambda_vpc ? 1 : 0
  name   = "lambda-vpc"
  role   = aws_iam_role.lambda[0].id
  policy = data.aws_iam_policy_document.lambda_vpc[0].json
}
