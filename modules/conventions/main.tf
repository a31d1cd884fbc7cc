# Conventions every workflow submodule shares: how SageMaker names are built and scoped, which errors are retried,
# the execution tag, and SageMaker's own image registries. No resources, no inputs: a submodule calls it as
# `module "conventions" { source = "../conventions" }` and reads its outputs, so the workflows cannot drift apart.

locals {
  # The execution alert rules (EventBridge, "Step Functions Execution Status Change") notify an execution that timed
  # out, was aborted, or failed without notifying: the Fail states a workflow reaches after its own notice was
  # published carry these error names, which the rule leaves out, so that every failure is notified exactly once.
  # The event's detail carries the execution's error, as DescribeExecution does ("Step Functions events in
  # EventBridge"); an event without one (exists: false) or with a null one is still notified: a duplicate, never
  # silence. Each workflow's Fail state after a notice that could not be published has another name (...Unnotified).
  notified_errors = {
    rt = ["RetrainingFailed"]
    ad = ["ApprovedDeploymentFailed", "ApprovalRejected", "ApprovalExpired"]
    bi = ["BatchInferenceFailed", "ModelsFailed", "ModelFailed"]
  }
  execution_alert_status_patterns = { for k, errors in local.notified_errors : k => [
    { status = ["TIMED_OUT", "ABORTED"] },
    { status = ["FAILED"], error = [{ "anything-but" = errors }] },
    { status = ["FAILED"], error = [{ exists = false }] },
    { status = ["FAILED"], error = [null] },
  ] }

  # A fresh SageMaker name on every task attempt (also on a redriven or retried one), of a fixed shape per workflow:
  # "<prefix>-rt-<32 hex digits>" (retraining) and "<prefix>-ad-<32 hex digits>" (approved deployment), at most
  # 26 + 4 + 32 = 62 characters. Every workflow's suffix has the same length (36), so the IAM patterns
  # "<prefix>-rt-" + 32 "?" of two different prefixes never match each other's names (a name matched by both would
  # have two lengths), and the marker keeps one workflow's role off the other's jobs. States.Hash gives hex digits:
  # https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-hash-calc
  sagemaker_name_hash = "States.Hash(States.UUID(), 'MD5')"
  name_suffix_pattern = { for k in ["rt", "ad", "bi"] : k => "-${k}-${join("", [for i in range(32) : "?"])}" }

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
    # aws-sdk:s3: S3's throttling (503 SlowDown) and internal errors are not modeled exceptions either, so they come as
    # the base S3.S3Exception (503 or 500 in Cause), as does AccessDenied: the same small bounded retry.
    s3 = [merge(local.transient_retry, { ErrorEquals = ["S3.S3Exception", "S3.SdkClientException"], MaxAttempts = 3 })]
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
  # Transient errors of the DynamoDB optimized integration (Step Functions names them DynamoDB.<Error>, e.g.
  # DynamoDB.ConditionalCheckFailedException, "Call DynamoDB APIs with Step Functions"); a failed condition is
  # never retried: it is the answer.
  lock_retry = [merge({
    ErrorEquals = [
      "DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.RequestLimitExceeded",
      "DynamoDB.ThrottlingException", "DynamoDB.InternalServerErrorException",
    ]
  }, local.transient_retry)]

  # SageMaker's scikit-learn (and XGBoost) framework image registries, by region (SageMaker Python SDK
  # image_uri_config/sklearn.json; "Docker Registry Paths and Example Code",
  # https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html).
  sklearn_image_registries = {
    "af-south-1"      = "510948584623"
    "ap-east-1"       = "651117190479"
    "ap-northeast-1"  = "354813040037"
    "ap-northeast-2"  = "366743142698"
    "ap-northeast-3"  = "867004704886"
    "ap-south-1"      = "720646828776"
    "ap-south-2"      = "628508329040"
    "ap-southeast-1"  = "121021644041"
    "ap-southeast-2"  = "783357654285"
    "ap-southeast-3"  = "951798379941"
    "ap-southeast-4"  = "106583098589"
    "ca-central-1"    = "341280168497"
    "ca-west-1"       = "190319476487"
    "cn-north-1"      = "450853457545"
    "cn-northwest-1"  = "451049120500"
    "eu-central-1"    = "492215442770"
    "eu-central-2"    = "680994064768"
    "eu-north-1"      = "662702820516"
    "eu-south-1"      = "978288397137"
    "eu-south-2"      = "104374241257"
    "eu-west-1"       = "141502667606"
    "eu-west-2"       = "764974769150"
    "eu-west-3"       = "659782779980"
    "il-central-1"    = "898809789911"
    "me-central-1"    = "272398656194"
    "me-south-1"      = "801668240914"
    "sa-east-1"       = "737474898029"
    "us-east-1"       = "683313688378"
    "us-east-2"       = "257758044811"
    "us-gov-east-1"   = "237065988967"
    "us-gov-west-1"   = "414596584902"
    "us-iso-east-1"   = "833128469047"
    "us-isob-east-1"  = "281123927165"
    "us-isof-east-1"  = "108575199400"
    "us-isof-south-1" = "124985052026"
    "us-west-1"       = "746614075791"
    "us-west-2"       = "246618743249"
  }
  # The first-generation built-in algorithms' shared registries, by region (same page).
  builtin_algorithm_registries = {
    "af-south-1"     = "455444449433"
    "ap-east-1"      = "286214385809"
    "ap-northeast-1" = "351501993468"
    "ap-northeast-2" = "835164637446"
    "ap-northeast-3" = "364406365360"
    "ap-south-1"     = "991648021394"
    "ap-southeast-1" = "475088953585"
    "ap-southeast-2" = "712309505854"
    "ca-central-1"   = "469771592824"
    "cn-north-1"     = "390948362332"
    "cn-northwest-1" = "387376663083"
    "eu-central-1"   = "664544806723"
    "eu-north-1"     = "669576153137"
    "eu-west-1"      = "438346466558"
    "eu-west-2"      = "644912444149"
    "eu-west-3"      = "749696950732"
    "eu-south-1"     = "257386234256"
    "me-south-1"     = "249704162688"
    "sa-east-1"      = "855470959533"
    "us-east-1"      = "382416733822"
    "us-east-2"      = "404615174143"
    "us-gov-west-1"  = "226302683700"
    "us-iso-east-1"  = "490574956308"
    "us-west-1"      = "632365934929"
    "us-west-2"      = "174872318107"
  }
  builtin_algorithm_repositories = ["linear-learner", "kmeans", "pca", "factorization-machines"]
}
