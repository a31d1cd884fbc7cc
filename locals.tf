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

  create_retraining = var.create_retraining_workflow
  create_ecr        = local.create_retraining && var.create_ecr_repository

  # A fresh SageMaker name on every task attempt: "<prefix>-<uuid>" is at most 26 + 1 + 36 = 63 characters.
  name_expression = "States.Format('{}-{}', '${local.resource_prefix}', States.UUID())"

  # Retry policies of the Task states, by integration. The errors are the transient ones AWS documents for each
  # integration; the bounds keep an execution from retrying for longer than a few minutes.
  transient_retry = {
    IntervalSeconds = 5
    MaxAttempts     = 5
    BackoffRate     = 2
    MaxDelaySeconds = 120
    JitterStrategy  = "FULL"
  }
  retry = {
    sagemaker     = [merge({ ErrorEquals = ["SageMaker.AmazonSageMakerException", "SageMaker.ResourceLimitExceededException", "ThrottlingException"] }, local.transient_retry)]
    sagemaker_sdk = [merge({ ErrorEquals = ["SageMaker.ThrottlingException", "ThrottlingException", "SageMaker.InternalFailure", "SageMaker.ServiceUnavailable"] }, local.transient_retry)]
    lambda        = [merge({ ErrorEquals = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"] }, local.transient_retry)]
    sns           = [merge({ ErrorEquals = ["SNS.AmazonSNSException", "SNS.ThrottledException", "SNS.InternalErrorException", "SNS.SdkClientException"] }, local.transient_retry)]
    glue          = [merge({ ErrorEquals = ["Glue.AWSGlueException", "Glue.ConcurrentRunsExceededException", "Glue.InternalServiceException", "Glue.ThrottlingException"] }, local.transient_retry)]
    sfn           = [merge({ ErrorEquals = ["Sfn.SfnException", "Sfn.ThrottlingException", "ThrottlingException"] }, local.transient_retry)]
  }
  catch_all = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "NotifyFailure" }]
}

# Terraform 1.0.3 has no preconditions: an invalid combination of inputs fails planning here, with a message that
# names the variables ("Invalid function argument ... cannot convert "<message>" to bool").
locals {
  check_bucket_name = var.create_artifact_bucket || var.artifact_bucket_name != null ? true : tobool(
    "The artifact_bucket_name must be set when create_artifact_bucket is false."
  )
  check_training_image = !local.create_retraining || var.training_image_uri != null || var.create_ecr_repository ? true : tobool(
    "The training_image_uri must be set when create_ecr_repository is false."
  )
}

