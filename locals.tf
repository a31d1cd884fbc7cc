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

  # Retry policies of the Task states, by integration: only errors that can clear in minutes (throttling, 5xx,
  # service unavailable), under the names Step Functions reports. Errors of an integration are named
  # "<Service>.<Name>Exception" for the errors the service's API models; everything else (validation, throttling,
  # access denied of services that do not model them) comes as the service's base exception, detail only in Cause.
  # https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
  # https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
  transient_retry = {
    IntervalSeconds = 5
    MaxAttempts     = 5
    BackoffRate     = 2
    MaxDelaySeconds = 120
    JitterStrategy  = "FULL"
  }
  retry = {
    # https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
    lambda = [merge({ ErrorEquals = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"] }, local.transient_retry)]
    # SNS models its throttling and internal errors (ThrottledException, InternalErrorException, KMSThrottlingException);
    # SNS.AmazonSNSException (validation, authorization) is not retried.
    sns = [merge({ ErrorEquals = ["SNS.ThrottledException", "SNS.InternalErrorException", "SNS.KMSThrottlingException", "SNS.SdkClientException"] }, local.transient_retry)]
    # Glue models ThrottlingException, InternalServiceException and OperationTimeoutException; ConcurrentRunsExceeded is a
    # limit (another run holds it) and Glue.AWSGlueException the base of everything else: neither is retried.
    glue = [merge({ ErrorEquals = ["Glue.ThrottlingException", "Glue.InternalServiceException", "Glue.OperationTimeoutException"] }, local.transient_retry)]
    # aws-sdk:sfn: throttling is not modeled by the Step Functions API, so it comes as the base Sfn.SfnException.
    # The calls are read-only on the machine's own ARN, where the only deterministic error is AccessDenied (an IAM
    # defect the plan tests catch): a small bounded retry of the base name, at most ~1 minute.
    sfn = [merge(local.transient_retry, { ErrorEquals = ["Sfn.SfnException"], MaxAttempts = 3 })]
    # SageMaker tasks of every workflow (batch inference too, inside its Map iterations): no Retry, since SageMaker's base
    # exceptions (optimized: SageMaker.AmazonSageMakerException, aws-sdk: SageMaker.SageMakerException) cover
    # throttling and validation alike. Their Catch sends the base exception to "<Task>IsTransient", a Choice on
    # $.error.Cause: a transient cause (below) loops back to the task through a Wait, at most max_attempts times per
    # task and execution ($.run.retries.<Task>.attempts); anything else goes to the failure notification.
    transient = {
      base_errors  = ["SageMaker.AmazonSageMakerException", "SageMaker.SageMakerException"]
      max_attempts = 4
      wait_seconds = 20
      # Causes read "<message> (Service: AmazonSageMaker; Status Code: 400; Error Code: ThrottlingException; ...)"
      # (optimized) or "<message> (Service: SageMaker, Status Code: 503, Request ID: ...)" (aws-sdk).
      cause_patterns = [
        "*Throttling*", "*Rate exceeded*", "*TooManyRequests*",
        "*ServiceUnavailable*", "*InternalFailure*", "*InternalServerError*", "*Status Code: 5*",
      ]
      # The shared endpoint states (deploy_endpoint.states.json.tftpl) that get a loop.
      endpoint_tasks = ["CheckEndpoint", "LookUpEndpoint", "CreateEndpoint", "UpdateEndpoint", "DescribeEndpoint"]
    }
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
