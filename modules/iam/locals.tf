locals {
  arn_prefix    = "arn:${var.partition}"
  sagemaker_arn = "${local.arn_prefix}:sagemaker:${var.region}:${var.account_id}"
  # SageMaker ARNs carry resource names in lower case.
  resource_prefix = lower(var.sagemaker_resource_prefix)

  # Permissions of the Step Functions service integrations, one row per integration, as AWS documents them:
  # https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html
  # https://docs.aws.amazon.com/step-functions/latest/dg/glue-iam.html
  # https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html
  # https://docs.aws.amazon.com/step-functions/latest/dg/sns-iam.html
  # .sync jobs: Step Functions tags the job (AddTags), polls it (Describe) and stops it when the execution stops;
  # it also manages one EventBridge rule per job type (CreateStateMachine fails without these).
  sagemaker_job_integrations = {
    training = {
      arn_type     = "training-job"
      actions      = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob", "sagemaker:AddTags"]
      managed_rule = "StepFunctionsGetEventsForSageMakerTrainingJobsRule"
    }
    processing = {
      arn_type     = "processing-job"
      actions      = ["sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob", "sagemaker:AddTags"]
      managed_rule = "StepFunctionsGetEventsForSageMakerProcessingJobsRule"
    }
    transform = {
      arn_type     = "transform-job"
      actions      = ["sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob", "sagemaker:AddTags"]
      managed_rule = "StepFunctionsGetEventsForSageMakerTransformJobsRule"
    }
    tuning = {
      arn_type     = "hyper-parameter-tuning-job"
      actions      = ["sagemaker:CreateHyperParameterTuningJob", "sagemaker:DescribeHyperParameterTuningJob", "sagemaker:StopHyperParameterTuningJob", "sagemaker:ListTrainingJobsForHyperParameterTuningJob", "sagemaker:AddTags"]
      managed_rule = "StepFunctionsGetEventsForSageMakerTuningJobsRule"
    }
  }
  job_integrations = { for t in var.sagemaker_job_types : t => local.sagemaker_job_integrations[t] }

  endpoint_arns = [for n in var.endpoint_names : "${local.sagemaker_arn}:endpoint/${lower(n)}"]

  # Built from the name (not read from the resource) so that the policies are known at plan time.
  sagemaker_role_name = "${var.name_prefix}-sagemaker"
  sagemaker_role_arn  = var.create_sagemaker_role ? "${local.arn_prefix}:iam::${var.account_id}:role/${local.sagemaker_role_name}" : var.sagemaker_role_arn
  s3_object_arns      = var.sagemaker_bucket_arn == null ? [] : [for p in var.sagemaker_s3_prefixes : "${var.sagemaker_bucket_arn}/${p}*"]

  # SageMaker names the workflow gives its jobs, models and endpoint configs: "<prefix><suffix pattern>". A fixed
  # length pattern (IAM's "?" matches any single character, "*" any run of them:
  # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards)
  # keeps prefix "ml" from also matching "ml-prod-...".
  name_pattern = "${local.resource_prefix}${var.sagemaker_name_suffix_pattern}"

  # s3://bucket/prefix -> [bucket, prefix]; the regex works on values unknown at plan (it is only used in arguments).
  s3_write_locations   = [for u in var.sagemaker_s3_write_uris : regex("^s3://([^/]+)/?(.*)$", u)]
  s3_locations         = distinct(concat([for u in var.sagemaker_s3_read_uris : regex("^s3://([^/]+)/?(.*)$", u)], local.s3_write_locations))
  s3_read_object_arns  = distinct([for l in local.s3_locations : "${local.arn_prefix}:s3:::${l[0]}/${l[1]}*"])
  s3_write_object_arns = distinct([for l in local.s3_write_locations : "${local.arn_prefix}:s3:::${l[0]}/${l[1]}*"])

  # ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:tag|@digest] -> the repository's ARN (any account, any region).
  ecr_image_regex = "^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)"
  ecr_repository_arns = distinct(concat(var.sagemaker_ecr_repository_arns, [
    for u in var.sagemaker_image_uris :
    "${local.arn_prefix}:ecr:${regex(local.ecr_image_regex, u)[1]}:${regex(local.ecr_image_regex, u)[0]}:repository/${regex(local.ecr_image_regex, u)[2]}"
  ]))
}
