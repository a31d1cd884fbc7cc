variable "name_prefix" {
  type        = string
  description = "Prefix of the role names (`<name_prefix>-sagemaker`, `-lambda`, `-states`)."

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,55}$", var.name_prefix))
    error_message = "The name_prefix must be 1-55 characters valid in IAM role names (letters, digits and +=,.@_-)."
  }
}

variable "sagemaker_resource_prefix" {
  type        = string
  description = "Prefix of the SageMaker jobs, models and endpoint configs the workflow names `<prefix>-<suffix>`; the policies allow `<prefix>-*` only."

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.sagemaker_resource_prefix)) && length(var.sagemaker_resource_prefix) <= 26
    error_message = "The sagemaker_resource_prefix must be 1-26 characters of letters, digits and hyphens, starting and ending with a letter or digit (SageMaker names are limited to 63 characters and get a 37-character suffix)."
  }
}

variable "account_id" {
  type        = string
  description = "AWS account ID used in the ARNs the policies grant access to."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits."
  }
}

variable "region" {
  type        = string
  description = "AWS region used in the ARNs the policies grant access to."
}

variable "partition" {
  type        = string
  description = "AWS partition (aws, aws-cn, aws-us-gov) used in ARNs."
  default     = "aws"
}

variable "create_sagemaker_role" {
  type        = bool
  description = "Create the SageMaker execution role that training, processing, transform jobs and models run as."
  default     = true
}

variable "sagemaker_role_arn" {
  type        = string
  description = "ARN of an existing SageMaker execution role to use when create_sagemaker_role is false."
  default     = null
}

variable "sagemaker_bucket_arn" {
  type        = string
  description = "ARN of the artifact bucket the SageMaker role reads data from and writes artifacts to."
  default     = null
}

variable "sagemaker_s3_prefixes" {
  type        = list(string)
  description = "Key prefixes (without leading slash) inside the artifact bucket the SageMaker role may read and write; [\"\"] for the whole bucket."
  default     = [""]
}

variable "sagemaker_ecr_repository_arns" {
  type        = list(string)
  description = "ECR repositories the SageMaker role may pull images from (besides those of sagemaker_image_uris)."
  default     = []
}

variable "sagemaker_s3_read_uris" {
  type        = list(string)
  description = "S3 locations (`s3://bucket/prefix`, any bucket) the SageMaker role may read: s3:GetObject on `bucket/prefix*`, s3:ListBucket with an s3:prefix condition."
  default     = []

  validation {
    condition     = alltrue([for u in var.sagemaker_s3_read_uris : can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", u))])
    error_message = "The sagemaker_s3_read_uris must be s3://bucket/prefix URIs."
  }
}

variable "sagemaker_s3_write_uris" {
  type        = list(string)
  description = "S3 locations (`s3://bucket/prefix`, any bucket) the SageMaker role may write and read back (job outputs, model artifacts)."
  default     = []

  validation {
    condition     = alltrue([for u in var.sagemaker_s3_write_uris : can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", u))])
    error_message = "The sagemaker_s3_write_uris must be s3://bucket/prefix URIs."
  }
}

variable "sagemaker_image_uris" {
  type        = list(string)
  description = "ECR images (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:tag|@digest]`, other accounts included) the SageMaker role may pull; their repositories' ARNs are derived from the URIs."
  default     = []

  validation {
    condition     = alltrue([for u in var.sagemaker_image_uris : can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9_.-]{1,128}|@sha256:[a-f0-9]{64})?$", u))])
    error_message = "The sagemaker_image_uris must be ECR image URIs: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:tag|@sha256:digest]."
  }
}

variable "sagemaker_name_suffix_pattern" {
  type        = string
  description = "IAM pattern of what follows `<sagemaker_resource_prefix>` in the names of the jobs, models and endpoint configs the workflow creates, e.g. `-rt-` and 32 `?` for fixed-shape names; `-*` allows any name that starts with the prefix and a hyphen."
  default     = "-*"

  validation {
    condition     = can(regex("^-[a-z0-9?*-]{1,62}$", var.sagemaker_name_suffix_pattern))
    error_message = "The sagemaker_name_suffix_pattern must start with '-' and hold 1-62 lower-case letters, digits, '-', '?' or '*'."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key the roles may use for data, volumes and artifacts; null when none is used."
  default     = null
}

variable "create_lambda_role" {
  type        = bool
  description = "Create the role of the workflow's Lambda functions."
  default     = true
}

variable "lambda_function_names" {
  type        = list(string)
  description = "Names of the Lambda functions that run as the Lambda role (for their log groups)."
  default     = []
}

variable "lambda_sagemaker_read" {
  type        = bool
  description = "Let the Lambda role describe the prefix's training jobs and endpoint configs, the endpoints below and list their tags."
  default     = true
}

variable "lambda_policy_statements" {
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  description = "Further Allow statements of the Lambda role, for functions that need more than reading SageMaker (e.g. the approval functions)."
  default     = []
}

variable "endpoint_names" {
  type        = list(string)
  description = "SageMaker endpoints the workflow creates or updates and the Lambda role may describe."
  default     = []
}

variable "create_state_machine_role" {
  type        = bool
  description = "Create the role of the state machine, with the permissions of the integrations listed below."
  default     = true
}

variable "state_machine_name" {
  type        = string
  description = "Name of the state machine that assumes the role; it may describe its own executions (the holder of an endpoint lock)."
  default     = null
}

variable "lock_peer_state_machine_names" {
  type        = list(string)
  description = "Names of the other state machines that share the endpoint lock table and may hold an endpoint's lock (e.g. the approved deployment next to the retraining): the role may also describe their executions, to tell whether the holder still runs."
  default     = []

  validation {
    condition     = alltrue([for n in var.lock_peer_state_machine_names : can(regex("^[a-zA-Z0-9_-]{1,80}$", n))])
    error_message = "Each of lock_peer_state_machine_names must be a state machine name (1-80 letters, digits, '_' or '-')."
  }
}

variable "sagemaker_job_types" {
  type        = list(string)
  description = "SageMaker job types the state machine runs with .sync: any of training, processing, transform, tuning."
  default     = []

  validation {
    condition     = length(setsubtract(var.sagemaker_job_types, ["training", "processing", "transform", "tuning"])) == 0
    error_message = "The sagemaker_job_types may only contain training, processing, transform and tuning."
  }
}

variable "sagemaker_deploys_models" {
  type        = bool
  description = "Let the state machine create models and endpoint configs with the prefix and create, update and describe the endpoints in endpoint_names."
  default     = false
}

variable "glue_job_names" {
  type        = list(string)
  description = "Glue jobs the state machine runs with .sync."
  default     = []
}

variable "lambda_function_arns" {
  type        = list(string)
  description = "Lambda functions the state machine invokes."
  default     = []
}

variable "sns_topic_arns" {
  type        = list(string)
  description = "SNS topics the state machine publishes notifications to."
  default     = []
}

variable "lock_table_arns" {
  type        = list(string)
  description = "DynamoDB tables of endpoint locks the state machine acquires (PutItem, UpdateItem), reads (GetItem) and releases (DeleteItem)."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of this module."
  default     = {}

  validation {
    condition = length(var.tags) <= 50 && alltrue([for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !can(regex("^(?i)aws:", k))
      && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", k)) && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", v))
    ])
    error_message = "The tags must be at most 50, each key 1-128 and each value 0-256 characters of letters, digits, spaces and _ . : / = + - @, and no key may start with the reserved prefix \"aws:\" (AWS tag rules)."
  }
}

variable "rollback_alarm_arns" {
  type        = list(string)
  description = "CloudWatch alarms an UpdateEndpoint's AutoRollbackConfiguration names: the SageMaker and state machine roles may cloudwatch:DescribeAlarms them."
  default     = []
}

variable "sagemaker_vpc_access" {
  type        = bool
  description = "Let the SageMaker role manage the network interfaces of jobs and models that run in sagemaker_subnet_ids (VpcConfig). A separate switch so that the policy's presence never depends on subnet IDs unknown at plan."
  default     = false
}

variable "sagemaker_subnet_ids" {
  type        = list(string)
  description = "Subnets the SageMaker jobs and models run in (VpcConfig.Subnets); used only when sagemaker_vpc_access is true."
  default     = []
}

variable "sagemaker_security_group_ids" {
  type        = list(string)
  description = "Security groups of the SageMaker jobs and models (VpcConfig.SecurityGroupIds); used only when sagemaker_vpc_access is true."
  default     = []
}

variable "lambda_vpc_access" {
  type        = bool
  description = "Let the Lambda role manage the network interfaces of functions attached to lambda_subnet_ids (vpc_config). A separate switch so that the policy's presence never depends on subnet IDs unknown at plan."
  default     = false
}

variable "lambda_subnet_ids" {
  type        = list(string)
  description = "Subnets the functions are attached to; used only when lambda_vpc_access is true."
  default     = []
}

variable "lambda_security_group_ids" {
  type        = list(string)
  description = "Security groups of the functions' network interfaces; used only when lambda_vpc_access is true."
  default     = []
}
