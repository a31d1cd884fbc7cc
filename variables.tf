# ---------------------------------------------------------------------------------------------------------------------
# Platform
# ---------------------------------------------------------------------------------------------------------------------
variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name and of the SageMaker jobs, models and endpoint configs the workflows create. Per-execution names append a 37-character suffix, which keeps them within SageMaker's 63."

  validation {
    condition     = can(regex("^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$", var.name_prefix)) && length(var.name_prefix) <= 26 && !can(regex("^(?i)(sthree-|amzn-s3-demo-|xn--)", var.name_prefix))
    error_message = "The name_prefix must be 1-26 letters and digits in groups joined by single hyphens (no leading, trailing or double hyphen), and must not start with sthree- or amzn-s3-demo-: every name built from it must be valid, SageMaker jobs, models and endpoint configs (63 characters with a 37-character suffix), ECR repositories (no double hyphen), S3 buckets (lower case, reserved prefixes), IAM roles, Lambda functions, state machines, EventBridge rules, DynamoDB tables and SNS topics."
  }
}

variable "account_id" {
  type        = string
  description = "AWS account ID, used in the ARNs the IAM policies are scoped to. When null it is read with sts:GetCallerIdentity at plan time."
  default     = null

  validation {
    condition     = var.account_id == null || can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits, or null to read it from the caller's identity."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource the module creates."
  default     = {}

  validation {
    condition = length(var.tags) <= 50 && alltrue([for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !can(regex("^(?i)aws:", k))
      && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", k)) && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", v))
    ])
    error_message = "The tags must be at most 50, each key 1-128 and each value 0-256 characters of letters, digits, spaces and _ . : / = + - @, and no key may start with the reserved prefix \"aws:\" (AWS tag rules)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a customer managed KMS key for the artifact bucket, the jobs' volumes and outputs, endpoint storage, logs and the dead-letter queue. Null uses AWS-managed encryption."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or null."
  }
}

variable "sagemaker_subnet_ids" {
  type        = list(string)
  description = "Subnets (VpcConfig.Subnets) the SageMaker jobs and models of every workflow (retraining, batch inference, approved deployment) run in: [] (the default) for no VPC (SageMaker's own network, as before). Given with sagemaker_security_group_ids; the list's length must be known at plan, the IDs may be unknown (e.g. subnets created in the same apply). The SageMaker execution role gets the network-interface permissions of VPC mode."
  default     = []

  # Two validations: the count is known at plan even when the IDs are not (an unknown condition is not checked).
  validation {
    condition     = length(var.sagemaker_subnet_ids) <= 16
    error_message = "The sagemaker_subnet_ids may hold at most 16 subnets (SageMaker's VpcConfig allows 1-16 subnets and 1-5 security groups)."
  }

  validation {
    condition     = alltrue([for v in var.sagemaker_subnet_ids : can(regex("^subnet-[0-9a-f]{8}([0-9a-f]{9})?$", v))])
    error_message = "The sagemaker_subnet_ids must be subnet IDs: subnet- followed by 8 or 17 lower-case hexadecimal digits, e.g. subnet-0123456789abcdef0."
  }
}

variable "sagemaker_security_group_ids" {
  type        = list(string)
  description = "Security groups (VpcConfig.SecurityGroupIds) of the SageMaker jobs and models of every workflow (retraining, batch inference, approved deployment); given together with sagemaker_subnet_ids (both or neither)."
  default     = []

  # Two validations: the count is known at plan even when the IDs are not (an unknown condition is not checked).
  validation {
    condition     = length(var.sagemaker_security_group_ids) <= 5
    error_message = "The sagemaker_security_group_ids may hold at most 5 security groups (SageMaker's VpcConfig allows 1-16 subnets and 1-5 security groups)."
  }

  validation {
    condition     = alltrue([for v in var.sagemaker_security_group_ids : can(regex("^sg-[0-9a-f]{8}([0-9a-f]{9})?$", v))])
    error_message = "The sagemaker_security_group_ids must be security group IDs: sg- followed by 8 or 17 lower-case hexadecimal digits, e.g. sg-0123456789abcdef0."
  }
}

variable "sagemaker_enable_network_isolation" {
  type        = bool
  description = "Run the training and processing containers and the models of every workflow (retraining, batch inference, approved deployment) with EnableNetworkIsolation: no inbound or outbound network calls from the containers (SageMaker still moves the S3 data and artifacts). Off by default (as before); the images must not need the network."
  default     = false
}

variable "sagemaker_enable_inter_container_traffic_encryption" {
  type        = bool
  description = "Encrypt the traffic between the containers of distributed training and processing jobs of every workflow (retraining, batch inference, approved deployment) (EnableInterContainerTrafficEncryption): slower, and only matters for more than one instance. Off by default (as before)."
  default     = false
}

variable "lambda_subnet_ids" {
  type        = list(string)
  description = "Subnets to attach the Lambda functions of the retraining and approved-deployment workflows to (vpc_config): [] (the default) for no VPC. Given with lambda_security_group_ids; the functions call AWS APIs (SageMaker, S3, DynamoDB, SNS, ...), so the subnets need a NAT gateway or VPC endpoints for them. The functions' roles get the network-interface permissions Lambda needs."
  default     = []

  # Two validations: the count is known at plan even when the IDs are not (an unknown condition is not checked).
  validation {
    condition     = length(var.lambda_subnet_ids) <= 16
    error_message = "The lambda_subnet_ids may hold at most 16 subnets (Lambda's VpcConfig allows up to 16 subnets and 5 security groups)."
  }

  validation {
    condition     = alltrue([for v in var.lambda_subnet_ids : can(regex("^subnet-[0-9a-f]{8}([0-9a-f]{9})?$", v))])
    error_message = "The lambda_subnet_ids must be subnet IDs: subnet- followed by 8 or 17 lower-case hexadecimal digits, e.g. subnet-0123456789abcdef0."
  }
}

variable "lambda_security_group_ids" {
  type        = list(string)
  description = "Security groups of the Lambda functions of the retraining and approved-deployment workflows; given together with lambda_subnet_ids (both or neither)."
  default     = []

  # Two validations: the count is known at plan even when the IDs are not (an unknown condition is not checked).
  validation {
    condition     = length(var.lambda_security_group_ids) <= 5
    error_message = "The lambda_security_group_ids may hold at most 5 security groups (Lambda's VpcConfig allows up to 16 subnets and 5 security groups)."
  }

  validation {
    condition     = alltrue([for v in var.lambda_security_group_ids : can(regex("^sg-[0-9a-f]{8}([0-9a-f]{9})?$", v))])
    error_message = "The lambda_security_group_ids must be security group IDs: sg- followed by 8 or 17 lower-case hexadecimal digits, e.g. sg-0123456789abcdef0."
  }
}

variable "create_artifact_bucket" {
  type        = bool
  description = "Create the S3 artifact store. Set to false and give artifact_bucket_name to use a bucket you own."
  default     = true
}

variable "artifact_bucket_name" {
  type        = string
  description = "Name of the artifact bucket: the name of the bucket to create (default `<name_prefix>-<account>-<region>` in lower case) or of your own bucket when create_artifact_bucket is false."
  default     = null

  # S3 bucket naming rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
  validation {
    condition = var.artifact_bucket_name == null || (
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.artifact_bucket_name, "x")))
      && !can(regex("\\.\\.|\\.-|-\\.|^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$|^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\\.mrap|--x-s3)$", coalesce(var.artifact_bucket_name, "x")))
    )
    error_message = "The artifact_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no two adjacent dots, not an IP address, no reserved prefix xn--, sthree-, amzn-s3-demo- or suffix -s3alias, --ol-s3, .mrap, --x-s3), or null."
  }
}

variable "artifact_bucket_force_destroy" {
  type        = bool
  description = "Let `terraform destroy` delete the created bucket with its objects. Off by default so that no model artifact is lost."
  default     = false
}

variable "notification_emails" {
  type        = map(string)
  description = "E-mail addresses subscribed to the notifications topic (each confirms its subscription), keyed by a stable name of your choice (`{ oncall = \"ml-oncall@example.com\" }`): the keys name the subscriptions, so an address may come from a resource created in the same apply. Key an address by itself to keep a subscription made from the earlier list form."
  default     = {}

  validation {
    condition     = alltrue([for k, a in var.notification_emails : length(k) >= 1 && can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "The notification_emails must map non-empty names to e-mail addresses (name@domain.tld), e.g. { oncall = \"ml-oncall@example.com\" }."
  }
}

variable "create_notifications_kms_key" {
  type        = bool
  description = "Encrypt the notifications topic with a customer managed KMS key the module creates (rotation on), whose policy lets EventBridge publish the execution and batch inference alerts. false: the topic uses kms_key_arn (whose key policy must then let events.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt) or the AWS managed alias/aws/sns, to which EventBridge cannot publish."
  default     = true
}

variable "create_execution_alerts" {
  type        = bool
  description = "Notify the topic when an execution of the retraining or approved-deployment state machine fails, times out or is aborted, including failures no Catch can see (States.Runtime, execution timeout): an EventBridge rule on Step Functions Execution Status Change. Batch inference has its own rule."
  default     = true
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the workflows' and functions' CloudWatch log groups, in days."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Hourly retraining workflow
# ---------------------------------------------------------------------------------------------------------------------
variable "retraining_models" {
  type        = any
  description = "The models the hourly retraining workflow retrains, by key (1-24 lower-case letters and digits): each an object with training_image_uri (required, an ECR image URI) and optional training, metric, endpoint, Glue and schedule settings, as `models` of modules/hourly_retraining (which checks them, naming `models[\"<key>\"].<field>`). Empty (the default): no retraining workflow. One model: `{ churn = { training_image_uri = \"...\", metric_definitions = [...] } }`."
  default     = {}

  validation {
    condition     = can(keys(var.retraining_models))
    error_message = "The retraining_models must be a map of model key => object, e.g. { churn = { training_image_uri = \"123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:v1\" } }."
  }
}

variable "retraining_create_ecr_repository" {
  type        = bool
  description = "Create an ECR repository `<name_prefix>-rt-training` (lower case) to push training images to (output retraining_ecr_repository_url); the models still name their image in training_image_uri."
  default     = false
}

variable "retraining_endpoint_wait_timeout_seconds" {
  type        = number
  description = "How long a retraining execution waits, each time, for a busy endpoint to settle and for it to be InService after the update, in seconds. At most 500 times retraining_endpoint_poll_seconds."
  default     = 3600

  validation {
    condition     = var.retraining_endpoint_wait_timeout_seconds >= 60 && var.retraining_endpoint_wait_timeout_seconds <= 86400
    error_message = "The retraining_endpoint_wait_timeout_seconds must be from 60 to 86400."
  }
}

variable "retraining_endpoint_poll_seconds" {
  type        = number
  description = "Pause between two looks at the endpoint's status while a retraining execution waits, in seconds."
  default     = 60

  validation {
    condition     = var.retraining_endpoint_poll_seconds >= 1 && var.retraining_endpoint_poll_seconds <= 3600 && floor(var.retraining_endpoint_poll_seconds) == var.retraining_endpoint_poll_seconds
    error_message = "The retraining_endpoint_poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "retraining_endpoint_deployment_config" {
  type        = any
  description = "Deployment guardrails for every retraining model's endpoint update: null (default) is a plain UpdateEndpoint; an object makes it a blue/green deployment with canary or linear traffic shifting and auto-rollback on CloudWatch alarms (fields: traffic_routing_type, size_type, size_value, wait_interval_seconds, maximum_execution_timeout_seconds, termination_wait_seconds, alarm_names, create_alarms, alarm_5xx_threshold, alarm_latency_threshold_microseconds; see modules/endpoint_rollout). retraining_endpoint_wait_timeout_seconds must cover maximum_execution_timeout_seconds + termination_wait_seconds."
  default     = null
}

variable "retraining_retain_previous_models" {
  type        = number
  description = "After each successful retraining deployment, how many superseded endpoint configs of the model to keep (the newest, for rollback) besides the serving one; older ones, and the models no remaining config names, are deleted. Only names and tags the workflow wrote are touched. 0 keeps the serving one alone."
  default     = 3

  validation {
    condition     = var.retraining_retain_previous_models >= 0 && var.retraining_retain_previous_models <= 100 && floor(var.retraining_retain_previous_models) == var.retraining_retain_previous_models
    error_message = "The retraining_retain_previous_models must be a whole number from 0 to 100."
  }
}

variable "retraining_create_sagemaker_role" {
  type        = bool
  description = "Create one SageMaker execution role per retraining model, scoped to its images, channels and output path. false: every model runs as retraining_sagemaker_role_arn."
  default     = true
}

variable "retraining_sagemaker_role_arn" {
  type        = string
  description = "ARN of an existing SageMaker execution role for the retraining jobs and models, used when retraining_create_sagemaker_role is false."
  default     = null

  validation {
    condition     = var.retraining_sagemaker_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.retraining_sagemaker_role_arn, "x")))
    error_message = "The retraining_sagemaker_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "retraining_create_state_machine_role" {
  type        = bool
  description = "Create one role per retraining model's state machine with exactly the permissions its definition needs. false: every machine assumes retraining_state_machine_role_arn."
  default     = true
}

variable "retraining_state_machine_role_arn" {
  type        = string
  description = "ARN of an existing role for the retraining state machines, used when retraining_create_state_machine_role is false."
  default     = null

  validation {
    condition     = var.retraining_state_machine_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.retraining_state_machine_role_arn, "x")))
    error_message = "The retraining_state_machine_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "retraining_create_lambda_role" {
  type        = bool
  description = "Create the role of the retraining metrics and gate functions. false: they run as retraining_lambda_role_arn."
  default     = true
}

variable "retraining_lambda_role_arn" {
  type        = string
  description = "ARN of an existing role for the retraining metrics and gate functions, used when retraining_create_lambda_role is false."
  default     = null

  validation {
    condition     = var.retraining_lambda_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.retraining_lambda_role_arn, "x")))
    error_message = "The retraining_lambda_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "lambda_runtime" {
  type        = string
  description = "Python runtime of the Lambda functions, python3.8 to python3.14 (the handlers run on each). AWS no longer lets you create python3.8 functions (since 2025-02-28) and deprecated python3.9 on 2025-12-15; hashicorp/aws below 5.27 validates runtimes against an older list (3.39 knows up to python3.8): use such a provider and python3.8 only against the local emulator."
  default     = "python3.12"

  validation {
    # Keep in step with LAMBDA_PYTHON_VERSIONS in tests/unit/test_lambda_python_versions.py, which parses lambda_src
    # with the grammar of the oldest one.
    condition     = contains(["python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"], var.lambda_runtime)
    error_message = "The lambda_runtime must be one of python3.8, python3.9, python3.10, python3.11, python3.12, python3.13 or python3.14 (the Lambda handlers are tested against the oldest)."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# --- Legacy batch inference ---
# ---------------------------------------------------------------------------------------------------------------------
variable "batch_inference_models" {
  type        = any
  description = <<-EOT
    The legacy models, by name (the name is in their S3 paths and in the sfn-ml:model tag of their SageMaker jobs). Each is an object with
    exactly one of scripts_path (local directory whose files the module uploads; it holds the scripts below) and
    code_uri (an S3 prefix where you keep them), and exactly one of image_uri (ECR image of the inference step) and
    image_tag (a tag in the repository the module creates). Non-empty turns the workflow on. Optional:
    preprocess_scripts (default ["preprocess.py"]; several run as parallel jobs), predict_script (default "predict.py";
    null runs the image's entrypoint), postprocess_script (default "postprocess.py"), input_uri and output_uri (S3;
    default under the artifact bucket), sklearn_image_uri, instance_type, volume_size_gb, max_runtime_seconds (each
    also per step with a preprocess_, inference_ or postprocess_ prefix), preprocess_arguments, inference_arguments,
    postprocess_arguments (lists of strings), environment (map of strings), schedule_expression (its own schedule
    instead of the shared one) and enabled (default true).
  EOT
  default     = {}

  validation {
    condition     = can(keys(var.batch_inference_models)) && can([for m in values(var.batch_inference_models) : keys(m)])
    error_message = "The batch_inference_models must be a map of model name => object, e.g. { iris = { scripts_path = \"./model\", image_tag = \"iris-3f2a1bc\" } }."
  }

  validation {
    condition = try(alltrue([for m in values(var.batch_inference_models) : length(setsubtract(keys(m), [
      "scripts_path", "code_uri", "image_uri", "image_tag", "sklearn_image_uri", "input_uri", "output_uri",
      "preprocess_scripts", "predict_script", "postprocess_script",
      "instance_type", "preprocess_instance_type", "inference_instance_type", "postprocess_instance_type",
      "volume_size_gb", "preprocess_volume_size_gb", "inference_volume_size_gb", "postprocess_volume_size_gb",
      "max_runtime_seconds", "preprocess_max_runtime_seconds", "inference_max_runtime_seconds", "postprocess_max_runtime_seconds",
      "preprocess_arguments", "inference_arguments", "postprocess_arguments", "environment", "schedule_expression", "enabled",
    ])) == 0]), true)
    error_message = "Each of batch_inference_models may only set scripts_path, code_uri, image_uri, image_tag, sklearn_image_uri, input_uri, output_uri, preprocess_scripts, predict_script, postprocess_script, instance_type, volume_size_gb, max_runtime_seconds (and their preprocess_, inference_ and postprocess_ variants), preprocess_arguments, inference_arguments, postprocess_arguments, environment, schedule_expression and enabled: another field is most likely a typo."
  }

  validation {
    condition     = try(alltrue([for k in keys(var.batch_inference_models) : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", k)) && length(k) <= 63]), true)
    error_message = "Each key of batch_inference_models (a model name) must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit: SageMaker names the model's jobs after it and allows nothing else."
  }

}

variable "batch_inference_max_concurrency" {
  type        = number
  description = "How many models one execution runs at once (the Distributed Map's MaxConcurrency). Keep it within your SageMaker Processing quotas: jobs over the quota wait and retry, up to ten times."
  default     = 10

  validation {
    condition     = var.batch_inference_max_concurrency >= 1 && var.batch_inference_max_concurrency <= 10000 && floor(var.batch_inference_max_concurrency) == var.batch_inference_max_concurrency
    error_message = "The batch_inference_max_concurrency must be a whole number from 1 to 10000 (the Distributed Map's limit)."
  }
}

variable "batch_inference_tolerated_failure_percentage" {
  type        = number
  description = "Percentage of models that may fail before an execution stops the models still running. The default, 100, lets every model finish; the execution fails at the end (and notifies) when any model failed."
  default     = 100

  validation {
    condition     = var.batch_inference_tolerated_failure_percentage >= 0 && var.batch_inference_tolerated_failure_percentage <= 100 && floor(var.batch_inference_tolerated_failure_percentage) == var.batch_inference_tolerated_failure_percentage
    error_message = "The batch_inference_tolerated_failure_percentage must be a whole number from 0 to 100."
  }
}

variable "batch_inference_schedule_expression" {
  type        = string
  description = "When the shared schedule runs every enabled model without a schedule of its own: an EventBridge rate() or cron() expression, or null for no shared schedule (start executions yourself)."
  default     = "cron(0 2 * * ? *)"

  validation {
    condition     = var.batch_inference_schedule_expression == null || can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\([^ ?()]+ [^ ?()]+ (\\? [^ ?()]+ [^ ?()]+|[^ ?()]+ [^ ?()]+ \\?) [^ ?()]+\\))$", coalesce(var.batch_inference_schedule_expression, "x")))
    error_message = "The batch_inference_schedule_expression must be null, rate(1 day), rate(N hours) (likewise minute/minutes, day/days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with exactly one of day-of-month and day-of-week set to ? (EventBridge refuses both set or both ?), e.g. \"cron(0 2 * * ? *)\"."
  }
}

variable "batch_inference_schedule_enabled" {
  type        = bool
  description = "Whether the batch inference schedule rules (shared and per model) start executions; false keeps them, disabled."
  default     = true
}

variable "batch_inference_create_ecr_repository" {
  type        = bool
  description = "Create one ECR repository (<name_prefix>-batch-inference, immutable tags) for the models' inference images; models refer to their image in it by image_tag."
  default     = true
}

variable "batch_inference_sklearn_image_uri" {
  type        = string
  description = "Image of the script-mode preprocess and postprocess steps. When null: SageMaker's scikit-learn image sagemaker-scikit-learn:1.2-1-cpu-py3 of the region. A model can override it with sklearn_image_uri."
  default     = null

  validation {
    condition     = var.batch_inference_sklearn_image_uri == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", coalesce(var.batch_inference_sklearn_image_uri, "x")))
    error_message = "The batch_inference_sklearn_image_uri must be an ECR image URI such as 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3, or null."
  }
}

variable "batch_inference_instance_type" {
  type        = string
  description = "Instance type of every batch inference job whose model sets none."
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.batch_inference_instance_type))
    error_message = "The batch_inference_instance_type must be a SageMaker instance type such as ml.m5.large."
  }
}

variable "batch_inference_volume_size_gb" {
  type        = number
  description = "Size of the ML storage volume of every batch inference job whose model sets none, in GB."
  default     = 30

  validation {
    condition     = var.batch_inference_volume_size_gb >= 1 && var.batch_inference_volume_size_gb <= 16384 && floor(var.batch_inference_volume_size_gb) == var.batch_inference_volume_size_gb
    error_message = "The batch_inference_volume_size_gb must be a whole number from 1 to 16384."
  }
}

variable "batch_inference_max_runtime_seconds" {
  type        = number
  description = "Longest a batch inference job may run before SageMaker stops it, for models that set none, in seconds (one hour by default)."
  default     = 3600

  validation {
    condition     = var.batch_inference_max_runtime_seconds >= 1 && var.batch_inference_max_runtime_seconds <= 777600 && floor(var.batch_inference_max_runtime_seconds) == var.batch_inference_max_runtime_seconds
    error_message = "The batch_inference_max_runtime_seconds must be a whole number from 1 to 777600 (9 days)."
  }
}

variable "batch_inference_create_sagemaker_role" {
  type        = bool
  description = "Create the SageMaker execution role of the batch inference jobs (it may read and write the models' S3 locations and pull their images). false: set batch_inference_sagemaker_role_arn."
  default     = true
}

variable "batch_inference_sagemaker_role_arn" {
  type        = string
  description = "ARN of your SageMaker execution role for the batch inference jobs, used when batch_inference_create_sagemaker_role is false. May be unknown at plan."
  default     = null

  validation {
    condition     = var.batch_inference_sagemaker_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.batch_inference_sagemaker_role_arn, "x")))
    error_message = "The batch_inference_sagemaker_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

# --- Approved deployment ---
variable "create_approved_deployment_workflow" {
  type        = bool
  description = "Create the approved-deployment workflow (modules/approved_deployment): commit -> image -> training -> batch transform of the test set -> human approval -> endpoint (docs/approved_deployment.md). Off by default. Its settings all start with approved_deployment_; none is shared with another workflow."
  default     = false
}

variable "approved_deployment_endpoint_name" {
  type        = string
  description = "Name of the SageMaker endpoint the approved-deployment workflow creates or updates. When null: `<name_prefix>-approved`."
  default     = null

  validation {
    condition     = var.approved_deployment_endpoint_name == null || (can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", coalesce(var.approved_deployment_endpoint_name, "x"))) && length(coalesce(var.approved_deployment_endpoint_name, "x")) <= 63)
    error_message = "The approved_deployment_endpoint_name must be 1-63 characters of letters, digits and hyphens, starting and ending with a letter or digit, or null."
  }
}

variable "approved_deployment_approval_timeout_seconds" {
  type        = number
  description = "How long the workflow waits for a person to approve or reject a candidate, in seconds (the approval task's TimeoutSeconds). The mailed links expire at the same moment. At most 7 days, so that the execution's TimeoutSeconds (the sum of every wait, about 40 days at most with every maximum) stays within Step Functions' one-year execution limit."
  default     = 86400

  validation {
    condition     = var.approved_deployment_approval_timeout_seconds >= 300 && var.approved_deployment_approval_timeout_seconds <= 604800 && floor(var.approved_deployment_approval_timeout_seconds) == var.approved_deployment_approval_timeout_seconds
    error_message = "The approved_deployment_approval_timeout_seconds must be a whole number from 300 (5 minutes) to 604800 (7 days)."
  }
}

variable "approved_deployment_approval_emails" {
  type        = map(string)
  description = "E-mail addresses subscribed to the approvers' topic, which carries the signed Approve/Reject links (each address confirms its subscription). Keyed by a stable name of your choice, so an address may come from a resource created in the same apply. Keep the list to the people allowed to decide: the links are the permission."
  default     = {}

  validation {
    condition     = alltrue([for k, a in var.approved_deployment_approval_emails : length(k) >= 1 && can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "The approved_deployment_approval_emails must map non-empty names to e-mail addresses (name@domain.tld), e.g. { lead = \"ml-lead@example.com\" }."
  }
}

variable "approved_deployment_hyperparameters" {
  type        = map(string)
  description = "Hyperparameters of the approved-deployment training job (values are strings, as SageMaker requires)."
  default     = {}

  validation {
    condition     = length(var.approved_deployment_hyperparameters) <= 100 && alltrue([for k, v in var.approved_deployment_hyperparameters : length(k) <= 256 && length(v) <= 2500])
    error_message = "The approved_deployment_hyperparameters must hold at most 100 entries, keys up to 256 and values up to 2500 characters."
  }
}

variable "approved_deployment_training_channels" {
  type        = map(string)
  description = "Training input channels of the approved-deployment workflow: channel name => S3 URI prefix. When null: train and validation under `s3://<bucket>/<name_prefix>/approved-deployment/data/`. The created SageMaker role may read exactly these locations (any bucket) and the test set."
  default     = null

  validation {
    condition     = alltrue([for k, v in(var.approved_deployment_training_channels == null ? {} : var.approved_deployment_training_channels) : can(regex("^[A-Za-z0-9.\\-_]{1,64}$", k)) && can(regex("^s3://[a-z0-9.-]{3,63}/", v))])
    error_message = "The approved_deployment_training_channels must map channel names of 1-64 letters, digits, '.', '-' or '_' to s3://bucket/prefix URIs, or be null."
  }
}

variable "approved_deployment_test_data_uri" {
  type        = string
  description = "S3 URI prefix of the test set the candidate scores with batch transform before approval. When null: `s3://<bucket>/<name_prefix>/approved-deployment/data/test/`."
  default     = null

  validation {
    condition     = var.approved_deployment_test_data_uri == null || can(regex("^s3://[a-z0-9.-]{3,63}/", coalesce(var.approved_deployment_test_data_uri, "x")))
    error_message = "The approved_deployment_test_data_uri must be an s3://bucket/prefix URI, or null."
  }
}

variable "approved_deployment_content_type" {
  type        = string
  description = "MIME type of the training channels, the test set, the transform output and the inference API's requests to the endpoint."
  default     = "text/csv"

  validation {
    condition     = can(regex("^[a-z]+/[a-z0-9.+-]+$", var.approved_deployment_content_type))
    error_message = "The approved_deployment_content_type must be a MIME type such as text/csv or application/x-recordio-protobuf."
  }
}

variable "approved_deployment_training_instance_type" {
  type        = string
  description = "Instance type of the training job of each candidate."
  default     = "ml.m5.xlarge"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.approved_deployment_training_instance_type))
    error_message = "The approved_deployment_training_instance_type must be a SageMaker instance type such as ml.m5.xlarge."
  }
}

variable "approved_deployment_training_instance_count" {
  type        = number
  description = "Number of training instances."
  default     = 1

  validation {
    condition     = var.approved_deployment_training_instance_count >= 1 && var.approved_deployment_training_instance_count <= 100 && floor(var.approved_deployment_training_instance_count) == var.approved_deployment_training_instance_count
    error_message = "The approved_deployment_training_instance_count must be a whole number from 1 to 100."
  }
}

variable "approved_deployment_training_volume_size_gb" {
  type        = number
  description = "Size of each training instance's ML storage volume, in GB."
  default     = 30

  validation {
    condition     = var.approved_deployment_training_volume_size_gb >= 1 && var.approved_deployment_training_volume_size_gb <= 16384 && floor(var.approved_deployment_training_volume_size_gb) == var.approved_deployment_training_volume_size_gb
    error_message = "The approved_deployment_training_volume_size_gb must be a whole number from 1 to 16384."
  }
}

variable "approved_deployment_training_max_runtime_seconds" {
  type        = number
  description = "Longest a training job may run before SageMaker stops it, in seconds."
  default     = 3600

  validation {
    condition     = var.approved_deployment_training_max_runtime_seconds >= 1 && var.approved_deployment_training_max_runtime_seconds <= 2419200 && floor(var.approved_deployment_training_max_runtime_seconds) == var.approved_deployment_training_max_runtime_seconds
    error_message = "The approved_deployment_training_max_runtime_seconds must be a whole number from 1 to 2419200 (28 days)."
  }
}

variable "approved_deployment_transform_instance_type" {
  type        = string
  description = "Instance type of the batch transform job that scores the test set."
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.approved_deployment_transform_instance_type))
    error_message = "The approved_deployment_transform_instance_type must be a SageMaker instance type such as ml.m5.large."
  }
}

variable "approved_deployment_transform_instance_count" {
  type        = number
  description = "Number of batch transform instances."
  default     = 1

  validation {
    condition     = var.approved_deployment_transform_instance_count >= 1 && var.approved_deployment_transform_instance_count <= 100 && floor(var.approved_deployment_transform_instance_count) == var.approved_deployment_transform_instance_count
    error_message = "The approved_deployment_transform_instance_count must be a whole number from 1 to 100."
  }
}

variable "approved_deployment_transform_timeout_seconds" {
  type        = number
  description = "Longest the batch transform of the test set may take before the workflow fails, in seconds."
  default     = 3600

  validation {
    condition     = var.approved_deployment_transform_timeout_seconds >= 300 && var.approved_deployment_transform_timeout_seconds <= 172800 && floor(var.approved_deployment_transform_timeout_seconds) == var.approved_deployment_transform_timeout_seconds
    error_message = "The approved_deployment_transform_timeout_seconds must be a whole number from 300 to 172800 (2 days)."
  }
}

variable "approved_deployment_endpoint_instance_type" {
  type        = string
  description = "Instance type of the endpoint."
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.approved_deployment_endpoint_instance_type))
    error_message = "The approved_deployment_endpoint_instance_type must be a SageMaker instance type such as ml.m5.large."
  }
}

variable "approved_deployment_endpoint_instance_count" {
  type        = number
  description = "Initial number of endpoint instances."
  default     = 1

  validation {
    condition     = var.approved_deployment_endpoint_instance_count >= 1 && floor(var.approved_deployment_endpoint_instance_count) == var.approved_deployment_endpoint_instance_count
    error_message = "The approved_deployment_endpoint_instance_count must be a whole number of at least 1."
  }
}

variable "approved_deployment_endpoint_wait_timeout_seconds" {
  type        = number
  description = "How long the workflow waits, each time, for a busy endpoint to settle (before training, before the update) and for it to be InService after creating or updating it, in seconds. At most 500 times approved_deployment_endpoint_poll_seconds (the execution history limit)."
  default     = 3600

  validation {
    condition     = var.approved_deployment_endpoint_wait_timeout_seconds >= 60 && var.approved_deployment_endpoint_wait_timeout_seconds <= 86400
    error_message = "The approved_deployment_endpoint_wait_timeout_seconds must be from 60 to 86400."
  }
}

variable "approved_deployment_endpoint_poll_seconds" {
  type        = number
  description = "Pause between two looks at the endpoint's status while waiting, in seconds. approved_deployment_endpoint_wait_timeout_seconds may be at most 500 times this."
  default     = 60

  validation {
    condition     = var.approved_deployment_endpoint_poll_seconds >= 1 && var.approved_deployment_endpoint_poll_seconds <= 3600 && floor(var.approved_deployment_endpoint_poll_seconds) == var.approved_deployment_endpoint_poll_seconds
    error_message = "The approved_deployment_endpoint_poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "approved_deployment_endpoint_deployment_config" {
  type        = any
  description = "Deployment guardrails for the approved model's endpoint update: null (default) is a plain UpdateEndpoint; an object makes it a blue/green deployment with canary or linear traffic shifting and auto-rollback on CloudWatch alarms (fields: traffic_routing_type, size_type, size_value, wait_interval_seconds, maximum_execution_timeout_seconds, termination_wait_seconds, alarm_names, create_alarms, alarm_5xx_threshold, alarm_latency_threshold_microseconds; see modules/endpoint_rollout). approved_deployment_endpoint_wait_timeout_seconds must cover maximum_execution_timeout_seconds + termination_wait_seconds."
  default     = null
}

variable "approved_deployment_retain_previous_models" {
  type        = number
  description = "After each successful deployment, how many superseded endpoint configs of the approved deployment to keep (the newest, for rollback) besides the serving one; older ones and the models they named are deleted. A rejected, expired or superseded candidate's model is deleted when its run ends. Only names and tags the workflow wrote are touched. 0 keeps the serving one alone."
  default     = 3

  validation {
    condition     = var.approved_deployment_retain_previous_models >= 0 && var.approved_deployment_retain_previous_models <= 100 && floor(var.approved_deployment_retain_previous_models) == var.approved_deployment_retain_previous_models
    error_message = "The approved_deployment_retain_previous_models must be a whole number from 0 to 100."
  }
}

variable "approved_deployment_create_sagemaker_role" {
  type        = bool
  description = "Create the SageMaker execution role the training and transform jobs and the models run as, allowed exactly the workflow's data, outputs, repository and KMS key. false: use approved_deployment_sagemaker_role_arn."
  default     = true
}

variable "approved_deployment_sagemaker_role_arn" {
  type        = string
  description = "ARN of an existing SageMaker execution role when approved_deployment_create_sagemaker_role is false (it may come from a role created in the same apply)."
  default     = null

  validation {
    condition     = var.approved_deployment_sagemaker_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.approved_deployment_sagemaker_role_arn, "x")))
    error_message = "The approved_deployment_sagemaker_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "approved_deployment_create_ecr_repository" {
  type        = bool
  description = "Create the image repository `<name_prefix>-approved` (lower case) the pipeline pushes to and the input check accepts images from. false: use approved_deployment_ecr_repository_url."
  default     = true
}

variable "approved_deployment_ecr_repository_url" {
  type        = string
  description = "URL of an existing ECR repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) when approved_deployment_create_ecr_repository is false; images are tagged with their commit id. It may come from a repository created in the same apply."
  default     = null

  validation {
    condition     = var.approved_deployment_ecr_repository_url == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$", coalesce(var.approved_deployment_ecr_repository_url, "x")))
    error_message = "The approved_deployment_ecr_repository_url must be an ECR repository URL (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME, without a tag), or null."
  }
}

variable "approved_deployment_create_pipeline" {
  type        = bool
  description = "Create the pipeline (CodePipeline: source, CodeBuild image build, state machine start) that builds approved_deployment_repository@approved_deployment_branch. false: no pipeline; start the state machine yourself with {\"commit_id\": ..., \"image_uri\": ...}."
  default     = false
}

variable "approved_deployment_repository" {
  type        = string
  description = "The model code's repository the pipeline builds from: `owner/name` for a CodeStar connection (GitHub, Bitbucket...), the repository name for CodeCommit. Required when approved_deployment_create_pipeline is true."
  default     = null

  validation {
    condition     = var.approved_deployment_repository == null || can(regex("^[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100}){0,4}$", coalesce(var.approved_deployment_repository, "x")))
    error_message = "The approved_deployment_repository must be owner/name (CodeStar connection) or a repository name (CodeCommit): letters, digits, '_', '.' and '-', or null."
  }
}

variable "approved_deployment_source_type" {
  type        = string
  description = "Pipeline source: codestar_connection (GitHub, Bitbucket, and any provider of a connection you pass) or codecommit."
  default     = "codestar_connection"

  validation {
    condition     = contains(["codestar_connection", "codecommit"], var.approved_deployment_source_type)
    error_message = "The approved_deployment_source_type must be \"codestar_connection\" or \"codecommit\"."
  }
}

variable "approved_deployment_branch" {
  type        = string
  description = "Branch whose commits the pipeline builds and deploys (after approval)."
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}$", var.approved_deployment_branch)) && !can(regex("\\.\\.|//|/$|\\.lock$", var.approved_deployment_branch))
    error_message = "The approved_deployment_branch must be a git branch name of 1-255 letters, digits, '_', '.', '/' and '-', not starting with '.', '/' or '-'."
  }
}

variable "approved_deployment_create_connection" {
  type        = bool
  description = "Create the CodeStar connection of the codestar_connection source (PENDING: complete it once in the console). false: use approved_deployment_connection_arn."
  default     = true
}

variable "approved_deployment_connection_arn" {
  type        = string
  description = "ARN of an existing, AVAILABLE CodeStar/CodeConnections connection for the codestar_connection source. Used when approved_deployment_create_connection is false."
  default     = null

  validation {
    condition     = var.approved_deployment_connection_arn == null || can(regex("^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[a-zA-Z0-9-]+$", coalesce(var.approved_deployment_connection_arn, "x")))
    error_message = "The approved_deployment_connection_arn must be a connection ARN (arn:aws:codestar-connections:REGION:ACCOUNT:connection/ID or arn:aws:codeconnections:...), or null."
  }
}

variable "approved_deployment_connection_provider" {
  type        = string
  description = "Provider of the connection the module creates when approved_deployment_create_connection is true. hashicorp/aws 3.39 can create GitHub and Bitbucket connections; for others pass a connection ARN."
  default     = "GitHub"

  validation {
    condition     = contains(["GitHub", "Bitbucket"], var.approved_deployment_connection_provider)
    error_message = "The approved_deployment_connection_provider must be \"GitHub\" or \"Bitbucket\" (for GitHub Enterprise Server or GitLab, create the connection yourself, set approved_deployment_create_connection = false and pass approved_deployment_connection_arn)."
  }
}

variable "approved_deployment_dockerfile" {
  type        = string
  description = "Path of the Dockerfile in the model repository. The image both trains (SageMaker runs `train`) and serves (`serve`)."
  default     = "Dockerfile"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}$", var.approved_deployment_dockerfile)) && !can(regex("(^|/)\\.\\.(/|$)", var.approved_deployment_dockerfile))
    error_message = "The approved_deployment_dockerfile must be a relative path inside the repository (letters, digits, '_', '.', '/', '-'; no '..')."
  }
}

variable "approved_deployment_build_context" {
  type        = string
  description = "Docker build context, relative to the model repository's root."
  default     = "."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.][A-Za-z0-9_./-]{0,254}$", var.approved_deployment_build_context)) && !can(regex("(^|/)\\.\\.(/|$)", var.approved_deployment_build_context))
    error_message = "The approved_deployment_build_context must be a relative path inside the repository (letters, digits, '_', '.', '/', '-'; no '..')."
  }
}

variable "approved_deployment_build_image" {
  type        = string
  description = "CodeBuild image that runs the image build (it needs docker and the AWS CLI)."
  default     = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9._/:@-]{0,255}$", var.approved_deployment_build_image))
    error_message = "The approved_deployment_build_image must be a CodeBuild image name such as aws/codebuild/amazonlinux2-x86_64-standard:5.0."
  }
}

variable "approved_deployment_build_compute_type" {
  type        = string
  description = "CodeBuild compute type of the image build."
  default     = "BUILD_GENERAL1_SMALL"

  validation {
    condition     = contains(["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_2XLARGE"], var.approved_deployment_build_compute_type)
    error_message = "The approved_deployment_build_compute_type must be BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM, BUILD_GENERAL1_LARGE or BUILD_GENERAL1_2XLARGE."
  }
}

variable "approved_deployment_build_timeout_minutes" {
  type        = number
  description = "Longest the image build may run, in minutes."
  default     = 60

  validation {
    condition     = var.approved_deployment_build_timeout_minutes >= 5 && var.approved_deployment_build_timeout_minutes <= 480 && floor(var.approved_deployment_build_timeout_minutes) == var.approved_deployment_build_timeout_minutes
    error_message = "The approved_deployment_build_timeout_minutes must be a whole number from 5 to 480."
  }
}

variable "approved_deployment_create_inference_api" {
  type        = bool
  description = "Add the inference route to the approved deployment's HTTP API: POST /predict {\"data\": \"4.5,1.3,0.3,0.3\"} -> {\"result\": ...} from the approved endpoint."
  default     = false
}

variable "approved_deployment_inference_api_authorization" {
  type        = string
  description = "Authorization of the inference route: AWS_IAM (callers sign requests with SigV4 and need execute-api:Invoke) or NONE (public, as in the original solution: anyone can call the endpoint at your cost)."
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "NONE"], var.approved_deployment_inference_api_authorization)
    error_message = "The approved_deployment_inference_api_authorization must be \"AWS_IAM\" or \"NONE\"."
  }
}

variable "approved_deployment_inference_api_throttling_rate_limit" {
  type        = number
  description = "Steady-state requests per second the HTTP API accepts on the inference route (the approval routes have their own, lower limit)."
  default     = 50

  validation {
    condition     = var.approved_deployment_inference_api_throttling_rate_limit >= 1 && var.approved_deployment_inference_api_throttling_rate_limit <= 10000
    error_message = "The approved_deployment_inference_api_throttling_rate_limit must be from 1 to 10000 requests per second."
  }
}

variable "approved_deployment_inference_api_throttling_burst_limit" {
  type        = number
  description = "Burst of requests the HTTP API accepts on the inference route."
  default     = 100

  validation {
    condition     = var.approved_deployment_inference_api_throttling_burst_limit >= 1 && var.approved_deployment_inference_api_throttling_burst_limit <= 5000 && floor(var.approved_deployment_inference_api_throttling_burst_limit) == var.approved_deployment_inference_api_throttling_burst_limit
    error_message = "The approved_deployment_inference_api_throttling_burst_limit must be a whole number from 1 to 5000."
  }
}

variable "create_alarms" {
  type        = bool
  description = "Create the workflows' CloudWatch alarms (state machines' failed, timed-out, aborted and throttled executions, schedules' dead-letter queues, Lambda errors) to the notifications topic. Applies to every workflow that has them; retraining_alarm_kinds, batch_inference_alarm_kinds and approved_deployment_alarm_kinds choose which, per workflow."
  default     = true
}

variable "retraining_alarm_kinds" {
  type        = set(string)
  description = "Which of the retraining workflow's alarms create_alarms creates: \"executions\" (its state machines' failed, timed-out, aborted and throttled executions), \"dead_letter_queue\" (its schedules' dead-letter queues), \"lambda_errors\" (its functions' errors). Default: all three; [] creates none for this workflow."
  default     = ["executions", "dead_letter_queue", "lambda_errors"]

  validation {
    condition     = alltrue([for k in var.retraining_alarm_kinds : contains(["executions", "dead_letter_queue", "lambda_errors"], k)])
    error_message = "The retraining_alarm_kinds may hold only \"executions\", \"dead_letter_queue\" and \"lambda_errors\"; [] creates no alarm for the workflow."
  }
}

variable "batch_inference_alarm_kinds" {
  type        = set(string)
  description = "Which of the batch-inference workflow's alarms create_alarms creates: \"executions\" (its state machines' failed, timed-out, aborted and throttled executions), \"dead_letter_queue\" (its schedules' dead-letter queues), \"lambda_errors\" (its functions' errors). Default: all three; [] creates none for this workflow."
  default     = ["executions", "dead_letter_queue", "lambda_errors"]

  validation {
    condition     = alltrue([for k in var.batch_inference_alarm_kinds : contains(["executions", "dead_letter_queue", "lambda_errors"], k)])
    error_message = "The batch_inference_alarm_kinds may hold only \"executions\", \"dead_letter_queue\" and \"lambda_errors\"; [] creates no alarm for the workflow."
  }
}

variable "approved_deployment_alarm_kinds" {
  type        = set(string)
  description = "Which of the approved-deployment workflow's alarms create_alarms creates: \"executions\" (its state machine's failed, timed-out, aborted and throttled executions), \"dead_letter_queue\" (accepted so that one set fits every workflow; this workflow has no schedule, hence no dead-letter queue, so it creates nothing), \"lambda_errors\" (its functions' errors). Default: all three; [] creates none for this workflow."
  default     = ["executions", "dead_letter_queue", "lambda_errors"]

  validation {
    condition     = alltrue([for k in var.approved_deployment_alarm_kinds : contains(["executions", "dead_letter_queue", "lambda_errors"], k)])
    error_message = "The approved_deployment_alarm_kinds may hold only \"executions\", \"dead_letter_queue\" and \"lambda_errors\"; [] creates no alarm for the workflow."
  }
}

variable "create_dashboards" {
  type        = bool
  description = "Create a CloudWatch dashboard per workflow. Applies to every workflow that has one."
  default     = true
}
