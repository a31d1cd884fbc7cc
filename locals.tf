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

  # A fresh SageMaker name on every task attempt (also on a redriven or retried one), of a fixed shape per workflow:
  # "<prefix>-rt-<32 hex digits>" (retraining) and "<prefix>-ad-<32 hex digits>" (approved deployment), at most
  # 26 + 4 + 32 = 62 characters. Every workflow's suffix has the same length (36), so the IAM patterns
  # "<prefix>-rt-" + 32 "?" of two different prefixes never match each other's names (a name matched by both would
  # have two lengths), and the marker keeps one workflow's role off the other's jobs. States.Hash gives hex digits:
  # https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-hash-calc
  sagemaker_name_hash = "States.Hash(States.UUID(), 'MD5')"
  name_expression     = "States.Format('{}-rt-{}', '${local.resource_prefix}', ${local.sagemaker_name_hash})"
  name_suffix_pattern = { for k in ["rt", "ad"] : k => "-${k}-${join("", [for i in range(32) : "?"])}" }

  # The execution's tag on what it creates. Execution names may hold characters a SageMaker tag value refuses
  # (a manual start may be named "run (2)!"), so the tag holds the MD5 of the execution name (32 hex digits).
  execution_tag = { Key = "sfn-ml:execution", "Value.$" = "States.Hash($$.Execution.Name, 'MD5')" }

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
  # Only SageMaker's built-in algorithm images report their metrics without MetricDefinitions (AWS_FACTS.md,
  # "Metrics of training jobs"). The check does not need the image URI when the definitions name metric_name, so an
  # image URI unknown at plan (built from the caller's own repository) plans; without such a definition it is
  # decided when the URI is known (at plan, or at apply for an unknown URI).
  check_metric_source = !local.create_retraining || local.metric_defined ? true : local.training_image_builtin ? true : tobool(
    "The metric_name must be the name of one of training_metric_definitions (a regex over the training job's log lines) unless training_image_uri is a SageMaker built-in algorithm image: a custom image reports no metric without a definition, and none is named ${var.metric_name}."
  )
  check_training_image = !local.create_retraining || var.training_image_uri != null || var.create_ecr_repository ? true : tobool(
    "The training_image_uri must be set when create_ecr_repository is false."
  )
}

