# ---------------------------------------------------------------------------------------------------------------------
# The shared platform (the same names and meaning in every workflow submodule)
# ---------------------------------------------------------------------------------------------------------------------
variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name and of the SageMaker Processing jobs the workflow runs."

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-?[a-zA-Z0-9])*$", var.name_prefix)) && length(var.name_prefix) <= 26
    error_message = "The name_prefix must be 1-26 letters, digits and single hyphens, starting and ending with a letter or digit: SageMaker job names allow [a-zA-Z0-9](-*[a-zA-Z0-9])*, the ECR repository <name_prefix>-batch-inference refuses a double hyphen, and the EventBridge rule names <name_prefix>-bi-<model> are limited to 64 characters."
  }
}

variable "account_id" {
  type        = string
  description = "AWS account ID, used in the ARNs the IAM policies are scoped to. When null it is read with sts:GetCallerIdentity at plan time."
  default     = null

  validation {
    condition     = var.account_id == null || can(regex("^[0-9]{12}$", coalesce(var.account_id, "0")))
    error_message = "The account_id must be 12 digits, or null."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource the submodule creates."
  default     = {}

  validation {
    condition = alltrue([for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !can(regex("^(?i)aws:", k)) &&
      can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", k)) && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", v))
    ])
    error_message = "The tags must have keys of 1-128 and values of 0-256 letters, digits, spaces and _ . : / = + - @, and no key may start with aws: (reserved by AWS)."
  }
}

variable "artifact_bucket_name" {
  type        = string
  description = "Name of the shared artifact bucket (it must exist; the submodule writes under <name_prefix>/batch-inference/ in it). May be unknown at plan: it is used only in values."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_name)) && !can(regex("\\.\\.|^[0-9.]+$|^xn--|-s3alias$", var.artifact_bucket_name))
    error_message = "The artifact_bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, no '..', not an IP address, not starting with xn-- nor ending with -s3alias."
  }
}

variable "notifications_topic_arn" {
  type        = string
  description = "ARN of the SNS topic the workflow and its alert rules notify. Its policy must let events.amazonaws.com publish on behalf of notification_rule_arns (and, when encrypted, use its KMS key)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.notifications_topic_arn))
    error_message = "The notifications_topic_arn must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "Customer managed KMS key of the scripts, manifests, job volumes and outputs, the repository and the logs; null for AWS-managed encryption. May be unknown at plan (used only in values and dynamic blocks)."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.kms_key_arn, "x")))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or null."
  }
}

variable "sagemaker_subnet_ids" {
  type        = list(string)
  description = "Subnets (VpcConfig.Subnets) the processing jobs (preprocess, inference, postprocess) run in: [] (the default) for no VPC (SageMaker's own network, as before). Given with sagemaker_security_group_ids; the list's length must be known at plan, the IDs may be unknown (e.g. subnets created in the same apply). The SageMaker execution role gets the network-interface permissions of VPC mode."
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
  description = "Security groups (VpcConfig.SecurityGroupIds) of the processing jobs (preprocess, inference, postprocess); given together with sagemaker_subnet_ids (both or neither)."
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
  description = "Run the processing jobs with EnableNetworkIsolation: no inbound or outbound network calls from the containers (SageMaker still moves the S3 data and artifacts). Off by default (as before); the images must not need the network."
  default     = false
}

variable "sagemaker_enable_inter_container_traffic_encryption" {
  type        = bool
  description = "Encrypt the traffic between the containers of distributed processing jobs (EnableInterContainerTrafficEncryption): slower, and only matters for more than one instance. Off by default (as before)."
  default     = false
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the state machine's CloudWatch log group, in days."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "create_execution_alerts" {
  type        = bool
  description = "Create an EventBridge rule that sends the workflow's FAILED, TIMED_OUT and ABORTED executions (its Map's child executions included) to the topic."
  default     = true
}

variable "create_job_alerts" {
  type        = bool
  description = "Create an EventBridge rule that sends the workflow's SageMaker Processing jobs that failed or were stopped (also outside a run) to the topic."
  default     = true
}

# ---------------------------------------------------------------------------------------------------------------------
# The workflow
# ---------------------------------------------------------------------------------------------------------------------
variable "models" {
  type        = any
  description = <<-EOT
    The legacy models, by name (the name is in their S3 paths and in the sfn-ml:model tag of their SageMaker jobs). Each is an object with
    exactly one of scripts_path (local directory whose files the submodule uploads; it holds the scripts below) and
    code_uri (an S3 prefix where you keep them), and exactly one of image_uri (ECR image of the inference step) and
    image_tag (a tag in the repository the submodule creates). Optional:
    preprocess_scripts (default ["preprocess.py"]; several run as parallel jobs), predict_script (default "predict.py";
    null runs the image's entrypoint), postprocess_script (default "postprocess.py"), input_uri and output_uri (S3;
    default under the artifact bucket), sklearn_image_uri, instance_type, volume_size_gb, max_runtime_seconds (each
    also per step with a preprocess_, inference_ or postprocess_ prefix), preprocess_arguments, inference_arguments,
    postprocess_arguments (lists of strings), environment (map of strings), schedule_expression (its own schedule
    instead of the shared one) and enabled (default true). Values may be unknown at plan (an image URI or a bucket
    built from your own resources), except schedule_expression, enabled, scripts_path and the script names.
  EOT
  default     = {}

  validation {
    condition     = can(keys(var.models)) && can([for m in values(var.models) : keys(m)])
    error_message = "The models must be a map of model name => object, e.g. { iris = { scripts_path = \"./model\", image_tag = \"iris-3f2a1bc\" } }."
  }

  validation {
    condition = try(alltrue([for m in values(var.models) : length(setsubtract(keys(m), [
      "scripts_path", "code_uri", "image_uri", "image_tag", "sklearn_image_uri", "input_uri", "output_uri",
      "preprocess_scripts", "predict_script", "postprocess_script",
      "instance_type", "preprocess_instance_type", "inference_instance_type", "postprocess_instance_type",
      "volume_size_gb", "preprocess_volume_size_gb", "inference_volume_size_gb", "postprocess_volume_size_gb",
      "max_runtime_seconds", "preprocess_max_runtime_seconds", "inference_max_runtime_seconds", "postprocess_max_runtime_seconds",
      "preprocess_arguments", "inference_arguments", "postprocess_arguments", "environment", "schedule_expression", "enabled",
    ])) == 0]), true)
    error_message = "Each of models may only set scripts_path, code_uri, image_uri, image_tag, sklearn_image_uri, input_uri, output_uri, preprocess_scripts, predict_script, postprocess_script, instance_type, volume_size_gb, max_runtime_seconds (and their preprocess_, inference_ and postprocess_ variants), preprocess_arguments, inference_arguments, postprocess_arguments, environment, schedule_expression and enabled: another field is most likely a typo."
  }

  validation {
    condition     = try(alltrue([for k in keys(var.models) : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", k)) && length(k) <= 63]), true)
    error_message = "Each key of models (a model name) must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit: SageMaker names the model's jobs after it and allows nothing else."
  }
}

variable "max_concurrency" {
  type        = number
  description = "How many models one execution runs at once (the Distributed Map's MaxConcurrency). Keep it within your SageMaker Processing quotas."
  default     = 10

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 10000 && floor(var.max_concurrency) == var.max_concurrency
    error_message = "The max_concurrency must be a whole number from 1 to 10000 (the Distributed Map's limit)."
  }
}

variable "tolerated_failure_percentage" {
  type        = number
  description = "Percentage of models that may fail before an execution stops the models still running. The default, 100, lets every model finish; the execution fails at the end (and notifies) when any model failed."
  default     = 100

  validation {
    condition     = var.tolerated_failure_percentage >= 0 && var.tolerated_failure_percentage <= 100 && floor(var.tolerated_failure_percentage) == var.tolerated_failure_percentage
    error_message = "The tolerated_failure_percentage must be a whole number from 0 to 100."
  }
}

variable "schedule_expression" {
  type        = string
  description = "When the shared schedule runs every enabled model without a schedule of its own: an EventBridge rate() or cron() expression, or null for no shared schedule (start executions yourself)."
  default     = "cron(0 2 * * ? *)"

  validation {
    condition     = var.schedule_expression == null || can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\([^ ?()]+ [^ ?()]+ (\\? [^ ?()]+ [^ ?()]+|[^ ?()]+ [^ ?()]+ \\?) [^ ?()]+\\))$", coalesce(var.schedule_expression, "x")))
    error_message = "The schedule_expression must be null, rate(1 hour), rate(N hours) (likewise minute/minutes, day/days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with exactly one of day-of-month and day-of-week set to ? (EventBridge refuses both set or both ?), e.g. \"cron(0 2 * * ? *)\"."
  }
}

variable "schedule_enabled" {
  type        = bool
  description = "Whether the schedule rules (shared and per model) start executions; false keeps them, disabled."
  default     = true
}

variable "create_ecr_repository" {
  type        = bool
  description = "Create one ECR repository (<name_prefix>-batch-inference, immutable tags) for the models' inference images; models refer to their image in it by image_tag. false: every model sets image_uri."
  default     = true
}

variable "sklearn_image_uri" {
  type        = string
  description = "Image of the script-mode preprocess and postprocess steps. When null: SageMaker's scikit-learn image sagemaker-scikit-learn:1.2-1-cpu-py3 of the region. A model can override it with sklearn_image_uri."
  default     = null

  validation {
    condition     = var.sklearn_image_uri == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", coalesce(var.sklearn_image_uri, "x")))
    error_message = "The sklearn_image_uri must be an ECR image URI such as 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3, or null."
  }
}

variable "instance_type" {
  type        = string
  description = "Instance type of every job whose model sets none."
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "The instance_type must be a SageMaker instance type such as ml.m5.large."
  }
}

variable "volume_size_gb" {
  type        = number
  description = "Size of the ML storage volume of every job whose model sets none, in GB."
  default     = 30

  validation {
    condition     = var.volume_size_gb >= 1 && var.volume_size_gb <= 16384 && floor(var.volume_size_gb) == var.volume_size_gb
    error_message = "The volume_size_gb must be a whole number from 1 to 16384."
  }
}

variable "max_runtime_seconds" {
  type        = number
  description = "Longest a job may run before SageMaker stops it, for models that set none, in seconds (one hour by default)."
  default     = 3600

  validation {
    condition     = var.max_runtime_seconds >= 1 && var.max_runtime_seconds <= 777600 && floor(var.max_runtime_seconds) == var.max_runtime_seconds
    error_message = "The max_runtime_seconds must be a whole number from 1 to 777600 (9 days)."
  }
}

variable "create_sagemaker_role" {
  type        = bool
  description = "Create the SageMaker execution role of the jobs (it may read and write the models' S3 locations and pull their images). false: set sagemaker_role_arn."
  default     = true
}

variable "sagemaker_role_arn" {
  type        = string
  description = "ARN of your SageMaker execution role for the jobs, used when create_sagemaker_role is false (it must allow what the created role would). May be unknown at plan."
  default     = null

  validation {
    condition     = var.sagemaker_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.sagemaker_role_arn, "x")))
    error_message = "The sagemaker_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "create_alarms" {
  type        = bool
  description = "Create CloudWatch alarms to the topic on the state machine (failed, timed-out, aborted, throttled executions), the schedule's dead-letter queue (where there is one) and the Lambda functions' errors (where there are any)."
  default     = true
}

variable "alarm_kinds" {
  type        = set(string)
  description = "Which alarms create_alarms creates: \"executions\" (the state machine: failed, timed-out, aborted, throttled executions), \"dead_letter_queue\" (the schedule's dead-letter queue, where there is one), \"lambda_errors\" (the functions' errors, where there are any). Default: all three; [] creates none."
  default     = ["executions", "dead_letter_queue", "lambda_errors"]

  validation {
    condition     = alltrue([for k in var.alarm_kinds : contains(["executions", "dead_letter_queue", "lambda_errors"], k)])
    error_message = "The alarm_kinds may hold only \"executions\" (the state machine's failed, timed-out, aborted and throttled executions), \"dead_letter_queue\" (the schedule's dead-letter queue) and \"lambda_errors\" (the functions' errors); [] creates no alarm."
  }
}

variable "create_dashboard" {
  type        = bool
  description = "Create the workflow's CloudWatch dashboard: executions and outcomes, durations and, where the workflow has an endpoint, its invocations and 5XX errors."
  default     = true
}
