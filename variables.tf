# ---------------------------------------------------------------------------------------------------------------------
# Platform
# ---------------------------------------------------------------------------------------------------------------------
variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name and of the SageMaker jobs, models and endpoint configs the workflows create. Per-execution names append a 37-character suffix, which keeps them within SageMaker's 63."

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.name_prefix)) && length(var.name_prefix) <= 26
    error_message = "The name_prefix must be 1-26 characters of letters, digits and hyphens, starting and ending with a letter or digit: SageMaker names allow [a-zA-Z0-9](-*[a-zA-Z0-9])* up to 63 characters, and the workflows append a 37-character suffix."
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

variable "create_artifact_bucket" {
  type        = bool
  description = "Create the S3 artifact store. Set to false and give artifact_bucket_name to use a bucket you own."
  default     = true
}

variable "artifact_bucket_name" {
  type        = string
  description = "Name of the artifact bucket: the name of the bucket to create (default `<name_prefix>-<account>-<region>` in lower case) or of your own bucket when create_artifact_bucket is false."
  default     = null
}

variable "artifact_bucket_force_destroy" {
  type        = bool
  description = "Let `terraform destroy` delete the created bucket with its objects. Off by default so that no model artifact is lost."
  default     = false
}

variable "notification_emails" {
  type        = list(string)
  description = "E-mail addresses subscribed to the notifications topic (each confirms its subscription)."
  default     = []

  validation {
    condition     = alltrue([for a in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "The notification_emails must be e-mail addresses (name@domain.tld)."
  }
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
variable "create_retraining_workflow" {
  type        = bool
  description = "Create the retraining workflow: schedule, (Glue ETL,) training, metric gate, deployment to the endpoint."
  default     = true
}

variable "create_ecr_repository" {
  type        = bool
  description = "Create an ECR repository for the training image (immutable tags, scan on push, lifecycle policy)."
  default     = true
}

variable "training_image_uri" {
  type        = string
  description = "Image of the training job. When null: `<created repository URL>:<training_image_tag>`."
  default     = null
}

variable "training_image_tag" {
  type        = string
  description = "Tag of the training image in the created repository, used when training_image_uri is null. Tags are immutable: push a new tag and change this to roll out new code."
  default     = "v1"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$", var.training_image_tag))
    error_message = "The training_image_tag must be 1-128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'."
  }
}

variable "inference_image_uri" {
  type        = string
  description = "Image that serves the model on the endpoint. When null, the training image (as with SageMaker's built-in algorithms and framework images)."
  default     = null
}

variable "training_instance_type" {
  type        = string
  description = "Instance type of the training job."
  default     = "ml.m5.xlarge"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.training_instance_type))
    error_message = "The training_instance_type must be a SageMaker instance type such as ml.m5.xlarge."
  }
}

variable "training_instance_count" {
  type        = number
  description = "Number of training instances."
  default     = 1

  validation {
    condition     = var.training_instance_count >= 1 && var.training_instance_count <= 100 && floor(var.training_instance_count) == var.training_instance_count
    error_message = "The training_instance_count must be a whole number from 1 to 100."
  }
}

variable "training_volume_size_gb" {
  type        = number
  description = "Size of each training instance's ML storage volume, in GB."
  default     = 30

  validation {
    condition     = var.training_volume_size_gb >= 1 && var.training_volume_size_gb <= 16384 && floor(var.training_volume_size_gb) == var.training_volume_size_gb
    error_message = "The training_volume_size_gb must be a whole number from 1 to 16384."
  }
}

variable "training_max_runtime_seconds" {
  type        = number
  description = "Longest a training job may run before SageMaker stops it, in seconds."
  default     = 3600

  validation {
    condition     = var.training_max_runtime_seconds >= 1 && var.training_max_runtime_seconds <= 2419200 && floor(var.training_max_runtime_seconds) == var.training_max_runtime_seconds
    error_message = "The training_max_runtime_seconds must be a whole number from 1 to 2419200 (28 days)."
  }
}

variable "training_hyperparameters" {
  type        = map(string)
  description = "Hyperparameters passed to the training job (values are strings, as SageMaker requires)."
  default     = {}

  validation {
    condition     = length(var.training_hyperparameters) <= 100 && alltrue([for k, v in var.training_hyperparameters : length(k) <= 256 && length(v) <= 2500])
    error_message = "The training_hyperparameters may hold at most 100 entries, keys up to 256 and values up to 2500 characters."
  }
}

variable "training_metric_definitions" {
  type = list(object({
    name  = string
    regex = string
  }))
  description = "For custom training images: metrics SageMaker extracts from the job's logs with a regex (built-in algorithms report theirs)."
  default     = []

  validation {
    condition     = length(var.training_metric_definitions) <= 40
    error_message = "The training_metric_definitions may hold at most 40 metrics."
  }
}

variable "training_input_channels" {
  type        = map(string)
  description = "Training input channels: channel name => S3 URI prefix. When null: train and validation under `s3://<bucket>/<name_prefix>/retraining/data/`."
  default     = null

  validation {
    condition     = alltrue([for k, v in(var.training_input_channels == null ? {} : var.training_input_channels) : can(regex("^[A-Za-z0-9.\\-_]{1,64}$", k)) && can(regex("^s3://[a-z0-9.-]{3,63}/", v))])
    error_message = "Each of training_input_channels must map a channel name of 1-64 letters, digits, '.', '-' or '_' to an s3://bucket/prefix URI."
  }
}

variable "training_input_content_type" {
  type        = string
  description = "MIME type of the training input channels."
  default     = "text/csv"
}

variable "metric_name" {
  type        = string
  description = "Name of the training job's final metric that gates deployment, e.g. validation:accuracy or validation:error."
  default     = "validation:accuracy"

  validation {
    condition     = can(regex("^[^\\s'{}\\\\][^'{}\\\\]{0,254}$", var.metric_name))
    error_message = "The metric_name must be 1-255 characters without quotes, braces or backslashes, not starting with white space."
  }
}

variable "metric_goal" {
  type        = string
  description = "Whether a higher (maximize) or lower (minimize) metric is better. The candidate passes only when strictly better than metric_threshold."
  default     = "maximize"

  validation {
    condition     = contains(["maximize", "minimize"], var.metric_goal)
    error_message = "The metric_goal must be \"maximize\" or \"minimize\"."
  }
}

variable "metric_threshold" {
  type        = number
  description = "The bar: maximize deploys only when the metric is above it, minimize only when below it; equality does not deploy."
  default     = 0.9

  validation {
    condition     = var.metric_threshold >= 0 && var.metric_threshold <= 1000000000
    error_message = "The metric_threshold must be a number from 0 to 1e9: the gated metrics (accuracy, error, AUC, F1, RMSE, log loss) are not negative."
  }
}

variable "compare_with_champion" {
  type        = bool
  description = "Also require the candidate to beat the metric of the model now serving on the endpoint (recorded in the endpoint config's tags when it was deployed)."
  default     = false
}

variable "endpoint_name" {
  type        = string
  description = "Name of the SageMaker endpoint the workflow creates or updates. When null: `<name_prefix>-endpoint`."
  default     = null

  validation {
    condition     = var.endpoint_name == null || (can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", coalesce(var.endpoint_name, "x"))) && length(coalesce(var.endpoint_name, "x")) <= 63)
    error_message = "The endpoint_name must be 1-63 characters of letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "endpoint_instance_type" {
  type        = string
  description = "Instance type of the endpoint."
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.endpoint_instance_type))
    error_message = "The endpoint_instance_type must be a SageMaker instance type such as ml.m5.large."
  }
}

variable "endpoint_instance_count" {
  type        = number
  description = "Initial number of endpoint instances."
  default     = 1

  validation {
    condition     = var.endpoint_instance_count >= 1 && floor(var.endpoint_instance_count) == var.endpoint_instance_count
    error_message = "The endpoint_instance_count must be a whole number of at least 1."
  }
}

variable "endpoint_wait_timeout_seconds" {
  type        = number
  description = "How long the workflow waits for the endpoint to be InService after creating or updating it before it fails, in seconds."
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

variable "glue_job_name" {
  type        = string
  description = "Name of an existing Glue job to run (.sync) before training, e.g. the ETL that prepares the training data. Null skips the step."
  default     = null

  validation {
    condition     = var.glue_job_name == null || can(regex("^[\\w .-]{1,255}$", coalesce(var.glue_job_name, "x")))
    error_message = "The glue_job_name must be 1-255 letters, digits, spaces, '_', '.' or '-'."
  }
}

variable "glue_job_arguments" {
  type        = map(string)
  description = "Arguments of the Glue job run (keys such as \"--input\"); `--sfn_execution` carries the execution name."
  default     = {}
}

variable "schedule_expression" {
  type        = string
  description = "When the retraining runs: an EventBridge rate() or cron() expression."
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\([^ ]+( [^ ]+){5}\\))$", var.schedule_expression))
    error_message = "The schedule_expression must be rate(1 hour), rate(N hours) (likewise minute/minutes, day/days) or cron(<6 fields>), e.g. \"rate(1 hour)\" or \"cron(0 * * * ? *)\"."
  }
}

variable "schedule_enabled" {
  type        = bool
  description = "Whether the schedule rule starts executions (false keeps the rule, disabled)."
  default     = true
}

variable "sagemaker_role_arn" {
  type        = string
  description = "ARN of an existing SageMaker execution role; null creates one scoped to the artifact bucket and the training repository."
  default     = null
}

variable "state_machine_role_arn" {
  type        = string
  description = "ARN of an existing role for the retraining state machine; null creates one with exactly the permissions its definition needs."
  default     = null
}

variable "lambda_role_arn" {
  type        = string
  description = "ARN of an existing role for the retraining Lambda functions; null creates one."
  default     = null
}

variable "lambda_runtime" {
  type        = string
  description = "Python runtime of the Lambda functions. hashicorp/aws below 5.27 validates runtimes against an older list (3.39 knows up to python3.8, which AWS no longer lets you create): use such a provider only against the local emulator."
  default     = "python3.12"

  validation {
    condition     = can(regex("^python3\\.[0-9]+$", var.lambda_runtime))
    error_message = "The lambda_runtime must be a Python runtime such as python3.12."
  }
}
