# ---------------------------------------------------------------------------------------------------------------------
# IAM: the state machine's role (processing jobs of the prefix, the topic, the Distributed Map) and the SageMaker
# execution role of the jobs (created, or yours with create_sagemaker_role = false).
# ---------------------------------------------------------------------------------------------------------------------
locals {
  sagemaker_role_arn = var.create_sagemaker_role ? module.iam.sagemaker_role_arn : var.sagemaker_role_arn

  # What the SageMaker role reads and writes besides <bucket>/<name_prefix>/batch-inference/, and the images it
  # pulls. Values only (they may be unknown at plan, with a bucket or image the caller creates): modules/iam renders
  # them in dynamic blocks. An inline role policy is limited to 10,240 characters: past 20 locations (or
  # repositories) the grants widen to whole buckets (or to the account's repositories in this region).
  input_uris      = distinct([for u in flatten([for i in values(local.items) : [i.input_uri, i.code_uri]]) : u if substr(u, 0, length(local.data_uri)) != local.data_uri])
  output_uris     = distinct([for i in values(local.items) : i.output_uri if substr(i.output_uri, 0, length(local.data_uri)) != local.data_uri])
  external_coarse = length(distinct(concat(local.input_uris, local.output_uris))) > 20
  external_reads  = distinct([for u in local.input_uris : local.external_coarse ? "s3://${regex("^s3://([^/]+)/", u)[0]}/" : u])
  external_writes = distinct([for u in local.output_uris : local.external_coarse ? "s3://${regex("^s3://([^/]+)/", u)[0]}/" : u])

  # [account, region, repository] of every image (joined, because flatten() would also flatten the triples).
  image_repositories = [for r in distinct(flatten([for i in values(local.items) : [
    for s in concat(i.preprocess, [i.inference, i.postprocess]) : join("|", regex("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.[a-z0-9.]+/([^:@]+)", s.app_specification.ImageUri))
  ]])) : split("|", r)]
  own_repositories   = [for r in local.image_repositories : r if r[0] == local.account_id && r[1] == local.region]
  other_repositories = [for r in local.image_repositories : "arn:${local.partition}:ecr:${r[1]}:${r[0]}:repository/${r[2]}" if !(r[0] == local.account_id && r[1] == local.region)]
  ecr_repository_arns = distinct(concat(
    var.create_ecr_repository ? [local.ecr_repository_arn] : [],
    length(local.own_repositories) > 20 ? ["arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/*"] : [for r in local.own_repositories : "arn:${local.partition}:ecr:${r[1]}:${r[0]}:repository/${r[2]}"],
    local.other_repositories,
  ))
}

module "iam" {
  source = "../iam"

  name_prefix               = "${var.name_prefix}-bi"
  sagemaker_resource_prefix = local.resource_prefix
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags

  create_sagemaker_role         = var.create_sagemaker_role
  sagemaker_role_arn            = var.sagemaker_role_arn
  sagemaker_bucket_arn          = local.bucket_arn
  sagemaker_s3_prefixes         = ["${local.data_prefix}/"]
  sagemaker_s3_read_uris        = local.external_reads
  sagemaker_s3_write_uris       = local.external_writes
  sagemaker_ecr_repository_arns = local.ecr_repository_arns
  sagemaker_name_suffix_pattern = module.conventions.name_suffix_pattern["bi"]
  # VPC mode (network.tf): the network interfaces of the processing jobs in the given subnets.
  sagemaker_vpc_access         = local.sagemaker_vpc
  sagemaker_subnet_ids         = var.sagemaker_subnet_ids
  sagemaker_security_group_ids = var.sagemaker_security_group_ids

  create_lambda_role    = false
  lambda_sagemaker_read = false

  create_state_machine_role = true
  sagemaker_job_types       = ["processing"]
  sns_topic_arns            = [var.notifications_topic_arn]
}

# What the Distributed Map needs besides the job integrations of modules/iam: start, watch and stop its child
# executions, read the manifests (and write a one-model run's), and read its Map Run to count failed models.
# https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
data "aws_iam_policy_document" "map" {
  statement {
    sid       = "StartChildExecutions"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arn]
  }

  statement {
    sid       = "ManageChildExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.state_machine_name}/*"]
  }

  statement {
    sid       = "ListOwnMapRuns"
    actions   = ["states:ListMapRuns"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.state_machine_name}:*"]
  }

  statement {
    sid       = "DescribeOwnMapRuns"
    actions   = ["states:DescribeMapRun"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:mapRun:${local.state_machine_name}/*"]
  }

  statement {
    sid     = "ReadManifests"
    actions = ["s3:GetObject"]
    resources = [
      "${local.bucket_arn}/${local.manifest_key}",
      "${local.bucket_arn}/${local.models_key}",
      "${local.bucket_arn}/${local.data_prefix}/runs/*/manifest.json",
    ]
  }

  # A run of one model writes its one-item manifest (WriteModelManifest) for RunModels to read.
  statement {
    sid       = "WriteRunManifests"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${local.data_prefix}/runs/*/manifest.json"]
  }

  # The manifests are encrypted with the caller's key when there is one (the state machine's role of modules/iam
  # already may use kms_key_arn).
}

resource "aws_iam_role_policy" "map" {
  name   = "distributed-map"
  role   = module.iam.state_machine_role_name
  policy = data.aws_iam_policy_document.map.json
}
