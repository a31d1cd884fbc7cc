# ---------------------------------------------------------------------------------------------------------------------
# Common inputs of the workflow submodules
# ---------------------------------------------------------------------------------------------------------------------
variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name. Each model's SageMaker names are `<name_prefix>-<model>-rt-<32 hex digits>` (lower case), so `<name_prefix>-<model>` may be at most 26 characters."

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-?[a-zA-Z0-9])*$", var.name_prefix)) && length(var.name_prefix) <= 24
    error_message = "The name_prefix must be 1-24 letters, digits and single hyphens, starting and ending with a letter or digit: it starts SageMaker names ([a-zA-Z0-9](-*[a-zA-Z0-9])*, 63 characters with a 37-character suffix and the model key) and the ECR repository name (which refuses a double hyphen)."
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
  description = "Tags for every resource the submodule creates."
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !can(regex("^(?i)aws:", k))])
    error_message = "The tags keys must be 1-128 characters not starting with the reserved \"aws:\" prefix, and values at most 256 characters."
  }
}

variable "artifact_bucket_name" {
  type        = string
  description = "Name of the shared artifact bucket: the models' default channels (`<name_prefix>/retraining/<model>/data/train/`, `validation/`) and their artifacts (`models/`) live there. Its ARN is derived from the name."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_name)) && !can(regex("\\.\\.|^[0-9.]+$|^xn--|-s3alias$", var.artifact_bucket_name))
    error_message = "The artifact_bucket_name must be a valid S3 bucket name: 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, not an IP address."
  }
}

variable "notifications_topic_arn" {
  type        = string
  description = "ARN of the SNS topic the workflow notifies (deployed, rejected, failed) and the execution alerts publish to. Its policy must let events.amazonaws.com publish on behalf of notification_rule_arns."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.notifications_topic_arn))
    error_message = "The notifications_topic_arn must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a customer managed KMS key for the jobs' volumes and outputs, endpoint storage, logs, the lock table and the dead-letter queues. Null uses AWS-managed encryption."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", coalesce(var.kms_key_arn, "x")))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or null."
  }
}

variable "sagemaker_subnet_ids" {
  type        = list(string)
  description = "Subnets (VpcConfig.Subnets) every model's training jobs and models run in: [] (the default) for no VPC (SageMaker's own network, as before). Given with sagemaker_security_group_ids; the list's length must be known at plan, the IDs may be unknown (e.g. subnets created in the same apply). The SageMaker execution role gets the network-interface permissions of VPC mode."
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
  description = "Security groups (VpcConfig.SecurityGroupIds) of every model's training jobs and models; given together with sagemaker_subnet_ids (both or neither)."
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
  description = "Run every model's training jobs and models with EnableNetworkIsolation: no inbound or outbound network calls from the containers (SageMaker still moves the S3 data and artifacts). Off by default (as before); the images must not need the network."
  default     = false
}

variable "sagemaker_enable_inter_container_traffic_encryption" {
  type        = bool
  description = "Encrypt the traffic between the containers of every model's distributed training jobs (EnableInterContainerTrafficEncryption): slower, and only matters for more than one instance. Off by default (as before)."
  default     = false
}

variable "lambda_subnet_ids" {
  type        = list(string)
  description = "Subnets to attach the Lambda functions (metrics, gate, fingerprint, retention) to (vpc_config): [] (the default) for no VPC. Given with lambda_security_group_ids; the functions call AWS APIs (SageMaker, S3, DynamoDB, SNS, ...), so the subnets need a NAT gateway or VPC endpoints for them. The functions' roles get the network-interface permissions Lambda needs."
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
  description = "Security groups of the Lambda functions (metrics, gate, fingerprint, retention); given together with lambda_subnet_ids (both or neither)."
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

variable "log_retention_days" {
  type        = number
  description = "Retention of the state machines' and functions' CloudWatch log groups, in days."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "lambda_runtime" {
  type        = string
  description = "Python runtime of the metrics and gate functions, python3.8 to python3.14 (the handlers run on each)."
  default     = "python3.12"

  validation {
    condition     = contains(["python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"], var.lambda_runtime)
    error_message = "The lambda_runtime must be one of python3.8, python3.9, python3.10, python3.11, python3.12, python3.13 or python3.14."
  }
}

variable "create_execution_alerts" {
  type        = bool
  description = "Notify the topic when an execution of a model's state machine fails, times out or is aborted (also failures no Catch sees): one EventBridge rule per model."
  default     = true
}

variable "create_lock_table" {
  type        = bool
  description = "Create the endpoint lock table `<name_prefix>-rt-endpoint-locks` (modules/endpoint_lock). false: use lock_table_name, e.g. a table shared with other workflows deploying to the same endpoints."
  default     = true
}

variable "lock_peer_state_machine_names" {
  type        = list(string)
  description = "Names of the other state machines that take an endpoint's lock in the same lock table (the approved deployment of the same endpoint): the workflow's roles may describe their executions, to tell whether the lock's holder still runs. The root module passes its approved-deployment state machine."
  default     = []

  validation {
    condition     = alltrue([for n in var.lock_peer_state_machine_names : can(regex("^[a-zA-Z0-9_-]{1,80}$", n))])
    error_message = "Each of lock_peer_state_machine_names must be a state machine name (1-80 letters, digits, '_' or '-')."
  }
}

variable "lock_table_name" {
  type        = string
  description = "Name of an existing endpoint lock table (hash key `lock_key`, string) when create_lock_table is false."
  default     = null

  validation {
    condition     = var.lock_table_name == null || can(regex("^[a-zA-Z0-9_.-]{3,255}$", coalesce(var.lock_table_name, "xxx")))
    error_message = "The lock_table_name must be 3-255 letters, digits, '_', '-' or '.' (a DynamoDB table name), or null."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# The models
# ---------------------------------------------------------------------------------------------------------------------
variable "models" {
  type        = any
  description = <<-EOT
    The models to retrain, by key (1-24 lower-case letters and digits, no hyphen; it names the model's state machine,
    schedule, roles and SageMaker names `<name_prefix>-<key>-rt-<hash>`, so len(name_prefix) + 1 + len(key) <= 26).
    Each is an object with training_image_uri (required: an ECR image URI) and optional fields, defaults in brackets:
    inference_image_uri [the training image], training_instance_type [ml.m5.xlarge], training_instance_count [1],
    training_volume_size_gb [30], training_max_runtime_seconds [3600], hyperparameters [{}], metric_definitions
    ([{ name, regex }], [] - required for metric_name unless the image is a SageMaker built-in algorithm image),
    input_channels (channel => s3:// prefix) [train and validation under the bucket], input_content_type [text/csv],
    metric_name [validation:accuracy], metric_goal [maximize], metric_threshold [0.9], metric_min / metric_max [by the
    metric's well-known name, docs/metric_range.md], compare_with_champion [false], endpoint_name
    [`<name_prefix>-<key>`], endpoint_instance_type [ml.m5.large], endpoint_instance_count [1], glue_job_name [null: no
    ETL step], glue_job_arguments [{}], schedule_expression [rate(1 hour)], schedule_enabled [true],
    skip_unchanged_data [true: a run whose channels hold the same objects (keys, sizes, ETags) and whose training
    settings are those of the last run that reached the gate ends "unchanged" without training],
    notify_unchanged_data [false: such a run publishes no notification].
  EOT
  default     = {}

  validation {
    condition     = can(keys(var.models)) && can([for m in values(var.models) : keys(m)])
    error_message = "The models must be a map of model key => object, e.g. { churn = { training_image_uri = \"123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:v1\" } }."
  }

  validation {
    condition     = try(alltrue([for k in keys(var.models) : can(regex("^[a-z0-9]{1,24}$", k))]), true)
    error_message = "Each key of models must be 1-24 lower-case letters and digits (no hyphen: `<name_prefix>-<key>` must name one model of one module instance, so that its IAM patterns never match another model's names)."
  }

  validation {
    condition = try(alltrue([for m in values(var.models) : length(setsubtract(keys(m), [
      "training_image_uri", "inference_image_uri", "training_instance_type", "training_instance_count",
      "training_volume_size_gb", "training_max_runtime_seconds", "hyperparameters", "metric_definitions",
      "input_channels", "input_content_type", "metric_name", "metric_goal", "metric_threshold", "metric_min",
      "metric_max", "compare_with_champion", "endpoint_name", "endpoint_instance_type", "endpoint_instance_count",
      "glue_job_name", "glue_job_arguments", "schedule_expression", "schedule_enabled", "skip_unchanged_data",
      "notify_unchanged_data",
    ])) == 0]), true)
    error_message = "Each of models may only set training_image_uri, inference_image_uri, training_instance_type, training_instance_count, training_volume_size_gb, training_max_runtime_seconds, hyperparameters, metric_definitions, input_channels, input_content_type, metric_name, metric_goal, metric_threshold, metric_min, metric_max, compare_with_champion, endpoint_name, endpoint_instance_type, endpoint_instance_count, glue_job_name, glue_job_arguments, schedule_expression, schedule_enabled, skip_unchanged_data and notify_unchanged_data: another field is most likely a typo."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Module-wide settings
# ---------------------------------------------------------------------------------------------------------------------
variable "endpoint_wait_timeout_seconds" {
  type        = number
  description = "How long an execution waits, each time, for a busy endpoint to settle (before training, before the update) and for it to be InService after the update, in seconds. At most 500 times endpoint_poll_seconds."
  default     = 3600

  validation {
    condition     = var.endpoint_wait_timeout_seconds >= 60 && var.endpoint_wait_timeout_seconds <= 86400
    error_message = "The endpoint_wait_timeout_seconds must be from 60 to 86400."
  }
}

variable "endpoint_poll_seconds" {
  type        = number
  description = "Pause between two looks at the endpoint's status while waiting, in seconds."
  default     = 60

  validation {
    condition     = var.endpoint_poll_seconds >= 1 && var.endpoint_poll_seconds <= 3600 && floor(var.endpoint_poll_seconds) == var.endpoint_poll_seconds
    error_message = "The endpoint_poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "endpoint_deployment_config" {
  type        = any
  description = "Deployment guardrails for every model's endpoint update: null (default) updates the endpoint in one step (plain UpdateEndpoint); an object makes UpdateEndpoint a blue/green deployment with { traffic_routing_type = ALL_AT_ONCE|CANARY|LINEAR, size_type = INSTANCE_COUNT|CAPACITY_PERCENT and size_value (CANARY/LINEAR only), wait_interval_seconds (0-3600), maximum_execution_timeout_seconds (600-28800, at most endpoint_wait_timeout_seconds minus termination_wait_seconds), termination_wait_seconds (0-3600, null for 0), alarm_names (up to 10 CloudWatch alarms that roll it back), create_alarms (true adds a 5xx and a ModelLatency alarm per endpoint), alarm_5xx_threshold (null for 1 per minute), alarm_latency_threshold_microseconds (null for 1000000) }. A rolled back update ends the run with EndpointDeploymentRolledBack, notified; the candidate is not recorded as champion. See modules/endpoint_rollout."
  default     = null
}

variable "retain_previous_models" {
  type        = number
  description = "After each successful deployment, how many superseded endpoint configs of a model to keep (the newest, for rollback) besides the serving one; older ones, and the models no remaining config names, are deleted. Only names and tags the workflow wrote are touched. 0 keeps the serving one alone."
  default     = 3

  validation {
    condition     = var.retain_previous_models >= 0 && var.retain_previous_models <= 100 && floor(var.retain_previous_models) == var.retain_previous_models
    error_message = "The retain_previous_models must be a whole number from 0 to 100."
  }
}

variable "create_sagemaker_role" {
  type        = bool
  description = "Create one SageMaker execution role per model, scoped to that model's images, channels and output path. false: every model's jobs and models run as sagemaker_role_arn."
  default     = true
}

variable "sagemaker_role_arn" {
  type        = string
  description = "ARN of an existing SageMaker execution role, used when create_sagemaker_role is false."
  default     = null

  validation {
    condition     = var.sagemaker_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.sagemaker_role_arn, "x")))
    error_message = "The sagemaker_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "create_state_machine_role" {
  type        = bool
  description = "Create one role per model's state machine with exactly the permissions its definition needs. false: every machine assumes state_machine_role_arn."
  default     = true
}

variable "state_machine_role_arn" {
  type        = string
  description = "ARN of an existing role for the state machines, used when create_state_machine_role is false."
  default     = null

  validation {
    condition     = var.state_machine_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.state_machine_role_arn, "x")))
    error_message = "The state_machine_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "create_lambda_role" {
  type        = bool
  description = "Create the role of the shared metrics and gate functions (with one inline policy per model for reading its jobs and endpoint). false: the functions run as lambda_role_arn."
  default     = true
}

variable "lambda_role_arn" {
  type        = string
  description = "ARN of an existing role for the metrics, gate and retention functions, used when create_lambda_role is false (the retention function needs sagemaker:ListModels and ListEndpointConfigs, and DescribeEndpoint, DescribeEndpointConfig, ListTags, DeleteEndpointConfig and DeleteModel on the models' names, see retention.tf)."
  default     = null

  validation {
    condition     = var.lambda_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.lambda_role_arn, "x")))
    error_message = "The lambda_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "create_ecr_repository" {
  type        = bool
  description = "Create an ECR repository `<name_prefix>-rt-training` (lower case; immutable tags, scan on push, lifecycle policy) to push training images to; the models still name their image in training_image_uri."
  default     = false
}

variable "create_alarms" {
  type        = bool
  description = "Create CloudWatch alarms to the topic on each model's state machine (failed, timed-out, aborted, throttled executions), its schedule's dead-letter queue and the functions' errors."
  default     = true
}

variable "alarm_kinds" {
  type        = set(string)
  description = "Which alarms create_alarms creates: \"executions\" (each model's state machine: failed, timed-out, aborted, throttled executions), \"dead_letter_queue\" (each schedule's dead-letter queue), \"lambda_errors\" (the functions' errors). Default: all three; [] creates none."
  default     = ["executions", "dead_letter_queue", "lambda_errors"]

  validation {
    condition     = alltrue([for k in var.alarm_kinds : contains(["executions", "dead_letter_queue", "lambda_errors"], k)])
    error_message = "The alarm_kinds may hold only \"executions\" (the state machine's failed, timed-out, aborted and throttled executions), \"dead_letter_queue\" (the schedule's dead-letter queue) and \"lambda_errors\" (the functions' errors); [] creates no alarm."
  }
}

variable "create_dashboard" {
  type        = bool
  description = "Create the CloudWatch dashboard \"<name_prefix>-rt\": executions and outcomes, durations, the gated metric against its threshold, endpoint invocations and 5XX errors."
  default     = true
}
