module "conventions" {
  source = "./modules/conventions"
}

locals {
  account_id = var.account_id != null ? var.account_id : data.aws_caller_identity.current[0].account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # SageMaker ARNs carry names in lower case; the IAM policies are scoped to this prefix.
  resource_prefix = lower(var.name_prefix)

  bucket_name = var.create_artifact_bucket ? coalesce(var.artifact_bucket_name, "${local.resource_prefix}-${local.account_id}-${local.region}") : var.artifact_bucket_name
  bucket_arn  = "arn:${local.partition}:s3:::${local.bucket_name}"

  notifications_topic_name = "${var.name_prefix}-notifications"
  notifications_topic_arn  = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.notifications_topic_name}"

  # The shared conventions (modules/conventions): SageMaker name shape and IAM patterns, execution tag, retries.
  sagemaker_name_hash = module.conventions.sagemaker_name_hash
  name_suffix_pattern = module.conventions.name_suffix_pattern
  execution_tag       = module.conventions.execution_tag
  transient_retry     = module.conventions.transient_retry
  retry               = module.conventions.retry
  catch_all           = module.conventions.catch_all
}

# Terraform 1.0.3 has no preconditions: an invalid combination of inputs fails planning here, with a message that
# names the variables ("Invalid function argument ... cannot convert "<message>" to bool").
locals {
  check_bucket_name = var.create_artifact_bucket || var.artifact_bucket_name != null ? true : tobool(
    "The artifact_bucket_name must be set when create_artifact_bucket is false."
  )
}

# TODO(merge): approved deployment. Only approved_deployment.tf reads endpoint_max_polls now (retraining has its own
# check in modules/hourly_retraining); it moves into the approved-deployment submodule.
# Execution history: AWS keeps at most 25,000 events per execution
# (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). Each poll of an endpoint wait loop costs
# 11 events (Wait: entered+exited 2, Task: entered, scheduled, started, succeeded, exited 5, Choice 2, Pass 2), and an
# execution can run three such loops (before training, before the update, the update itself): 33 per allowed poll.
# 500 polls -> 16,500 events, leaving > 8,000 for the rest of the run (its ~60 states, transient retries, a Glue
# run). Terraform 1.0.3 validations cannot compare two variables, so the check is here.
locals {
  endpoint_polls     = ceil(var.endpoint_wait_timeout_seconds / var.endpoint_poll_seconds)
  endpoint_max_polls = local.check_endpoint_polls ? local.endpoint_polls : 0
  check_endpoint_polls = local.endpoint_polls <= 500 ? true : tobool(
    "The endpoint_wait_timeout_seconds must be at most 500 times endpoint_poll_seconds (at most 500 polls per wait: an execution history holds 25,000 events and each poll costs 33 across the three endpoint waits); raise endpoint_poll_seconds or lower endpoint_wait_timeout_seconds."
  )
}
