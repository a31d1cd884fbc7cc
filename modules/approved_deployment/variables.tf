# ---------------------------------------------------------------------------------------------------------------------
# Shared platform (the same names and meaning in every workflow submodule)
# ---------------------------------------------------------------------------------------------------------------------

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name and of the SageMaker jobs, models and endpoint configs the workflow creates. Per-execution names append a 37-character suffix, which keeps them within SageMaker's 63."

  validation {
    condition     = can(regex("^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$", var.name_prefix)) && length(var.name_prefix) <= 26
    error_message = "The name_prefix must be 1-26 characters of letters, digits and single hyphens, starting and ending with a letter or digit: SageMaker names allow [a-zA-Z0-9](-*[a-zA-Z0-9])* up to 63 characters and the workflow appends a 37-character suffix; the image repository (<name_prefix>-approved) is an ECR name, which refuses two hyphens in a row."
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

variable "artifact_bucket_name" {
  type        = string
  description = "Name of the shared artifact bucket (created by the caller). The pipeline keeps its artifacts there and the workflow's data, models and test-set predictions live under `<name_prefix>/approved-deployment/`; its ARN is derived from the name, so the policies are known at plan."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_name)) && !can(regex("\\.\\.|^[0-9.]+$|^xn--|-s3alias$", var.artifact_bucket_name))
    error_message = "The artifact_bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, no '..', not an IP address, not starting with xn-- nor ending with -s3alias."
  }
}

variable "notifications_topic_arn" {
  type        = string
  description = "ARN of the SNS topic that receives the workflow's notifications (deployed, rejected, expired, failed) and its execution alerts. Its policy must let events.amazonaws.com publish on behalf of notification_rule_arns, and an encrypted topic needs a key EventBridge may use."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.notifications_topic_arn))
    error_message = "The notifications_topic_arn must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a customer managed KMS key for the jobs' volumes and outputs, endpoint storage, the image repository, the tables, the signing key, logs and the pipeline's artifacts. Null uses AWS-managed encryption."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or null."
  }
}

variable "sagemaker_subnet_ids" {
  type        = list(string)
  description = "Subnets (VpcConfig.Subnets) the training job and the model (and so the batch transform of the test set) run in: [] (the default) for no VPC (SageMaker's own network, as before). Given with sagemaker_security_group_ids; the list's length must be known at plan, the IDs may be unknown (e.g. subnets created in the same apply). The SageMaker execution role gets the network-interface permissions of VPC mode."
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
  description = "Security groups (VpcConfig.SecurityGroupIds) of the training job and the model (and so the test set's batch transform); given together with sagemaker_subnet_ids (both or neither)."
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
  description = "Run the training job and the model (and so its batch transform) with EnableNetworkIsolation: no inbound or outbound network calls from the containers (SageMaker still moves the S3 data and artifacts). Off by default (as before); the images must not need the network."
  default     = false
}

variable "sagemaker_enable_inter_container_traffic_encryption" {
  type        = bool
  description = "Encrypt the traffic between the containers of distributed training (EnableInterContainerTrafficEncryption): slower, and only matters for more than one instance. Off by default (as before)."
  default     = false
}

variable "lambda_subnet_ids" {
  type        = list(string)
  description = "Subnets to attach the workflow's Lambda functions (input check, approval request, responder, retention, inference API) to (vpc_config): [] (the default) for no VPC. Given with lambda_security_group_ids; the functions call AWS APIs (SageMaker, S3, DynamoDB, SNS, ...), so the subnets need a NAT gateway or VPC endpoints for them. The functions' roles get the network-interface permissions Lambda needs."
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
  description = "Security groups of the workflow's Lambda functions (input check, approval request, responder, retention, inference API); given together with lambda_subnet_ids (both or neither)."
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
  description = "Retention of the workflows' and functions' CloudWatch log groups, in days."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
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

variable "create_execution_alerts" {
  type        = bool
  description = "Notify the topic when an execution of the state machine fails, times out or is aborted, including failures no Catch can see (States.Runtime, execution timeout): an EventBridge rule (modules/event_alerts) named `<name_prefix>-ad-execution-alerts`."
  default     = true
}

variable "create_lock_table" {
  type        = bool
  description = "Create the endpoint lock table `<name_prefix>-ad-endpoint-locks` (modules/endpoint_lock). false: use lock_table_name, e.g. the table another workflow deploying to the same endpoint uses."
  default     = true
}

variable "lock_peer_state_machine_names" {
  type        = list(string)
  description = "Names of the other state machines that take this endpoint's lock in the same lock table (the hourly retraining of the same endpoint): the workflow's role may describe their executions, to tell whether the lock's holder still runs. The root module passes its retraining state machines."
  default     = []

  validation {
    condition     = alltrue([for n in var.lock_peer_state_machine_names : can(regex("^[a-zA-Z0-9_-]{1,80}$", n))])
    error_message = "Each of lock_peer_state_machine_names must be a state machine name (1-80 letters, digits, '_' or '-')."
  }
}

variable "lock_table_name" {
  type        = string
  description = "Name of an existing endpoint lock table (modules/endpoint_lock) when create_lock_table is false."
  default     = null

  validation {
    condition     = var.lock_table_name == null || can(regex("^[a-zA-Z0-9_.-]{3,255}$", coalesce(var.lock_table_name, "xxx")))
    error_message = "The lock_table_name must be a DynamoDB table name (3-255 letters, digits, '_', '-' or '.'), or null."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Workflow
# ---------------------------------------------------------------------------------------------------------------------

variable "endpoint_name" {
  type        = string
  description = "Name of the SageMaker endpoint the approved-deployment workflow creates or updates. When null: `<name_prefix>-approved`."
  default     = null

  validation {
    condition     = var.endpoint_name == null || (can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", coalesce(var.endpoint_name, "x"))) && length(coalesce(var.endpoint_name, "x")) <= 63)
    error_message = "The endpoint_name must be 1-63 characters of letters, digits and hyphens, starting and ending with a letter or digit, or null."
  }
}

variable "approval_timeout_seconds" {
  type        = number
  description = "How long the workflow waits for a person to approve or reject a candidate, in seconds (the approval task's TimeoutSeconds). The mailed links expire at the same moment. At most 7 days, so that the execution's TimeoutSeconds (the sum of every wait, about 40 days at most with every maximum) stays within Step Functions' one-year execution limit."
  default     = 86400

  validation {
    condition     = var.approval_timeout_seconds >= 300 && var.approval_timeout_seconds <= 604800 && floor(var.approval_timeout_seconds) == var.approval_timeout_seconds
    error_message = "The approval_timeout_seconds must be a whole number from 300 (5 minutes) to 604800 (7 days)."
  }
}

variable "approval_emails" {
  type        = map(string)
  description = "E-mail addresses subscribed to the approvers' topic, which carries the signed Approve/Reject links (each address confirms its subscription), keyed by a stable name of your choice (an address may then come from a resource created in the same apply). Keep them to the people allowed to decide: the links are the permission."
  default     = {}

  validation {
    condition     = alltrue([for k, a in var.approval_emails : length(k) >= 1 && can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "The approval_emails must map non-empty names to e-mail addresses (name@domain.tld), e.g. { lead = \"ml-lead@example.com\" }."
  }
}

variable "hyperparameters" {
  type        = map(string)
  description = "Hyperparameters of the approved-deployment training job (values are strings, as SageMaker requires)."
  default     = {}

  validation {
    condition     = length(var.hyperparameters) <= 100 && alltrue([for k, v in var.hyperparameters : length(k) <= 256 && length(v) <= 2500])
    error_message = "The hyperparameters must hold at most 100 entries, keys up to 256 and values up to 2500 characters."
  }
}

variable "training_channels" {
  type        = map(string)
  description = "Training input channels of the approved-deployment workflow: channel name => S3 URI prefix. When null: train and validation under `s3://<bucket>/<name_prefix>/approved-deployment/data/`. The created SageMaker role may read exactly these locations (any bucket) and the test set."
  default     = null

  validation {
    condition     = alltrue([for k, v in(var.training_channels == null ? {} : var.training_channels) : can(regex("^[A-Za-z0-9.\\-_]{1,64}$", k)) && can(regex("^s3://[a-z0-9.-]{3,63}/", v))])
    error_message = "The training_channels must map channel names of 1-64 letters, digits, '.', '-' or '_' to s3://bucket/prefix URIs, or be null."
  }
}

variable "test_data_uri" {
  type        = string
  description = "S3 URI prefix of the test set the candidate scores with batch transform before approval. When null: `s3://<bucket>/<name_prefix>/approved-deployment/data/test/`."
  default     = null

  validation {
    condition     = var.test_data_uri == null || can(regex("^s3://[a-z0-9.-]{3,63}/", coalesce(var.test_data_uri, "x")))
    error_message = "The test_data_uri must be an s3://bucket/prefix URI, or null."
  }
}

variable "content_type" {
  type        = string
  description = "MIME type of the training channels, the test set, the transform output and the inference API's requests to the endpoint."
  default     = "text/csv"

  validation {
    condition     = can(regex("^[a-z]+/[a-z0-9.+-]+$", var.content_type))
    error_message = "The content_type must be a MIME type such as text/csv or application/x-recordio-protobuf."
  }
}

variable "training_instance_type" {
  type        = string
  description = "Instance type of the training job of each candidate."
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

variable "transform_instance_type" {
  type        = string
  description = "Instance type of the batch transform job that scores the test set."
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.transform_instance_type))
    error_message = "The transform_instance_type must be a SageMaker instance type such as ml.m5.large."
  }
}

variable "transform_instance_count" {
  type        = number
  description = "Number of batch transform instances."
  default     = 1

  validation {
    condition     = var.transform_instance_count >= 1 && var.transform_instance_count <= 100 && floor(var.transform_instance_count) == var.transform_instance_count
    error_message = "The transform_instance_count must be a whole number from 1 to 100."
  }
}

variable "transform_timeout_seconds" {
  type        = number
  description = "Longest the batch transform of the test set may take before the workflow fails, in seconds."
  default     = 3600

  validation {
    condition     = var.transform_timeout_seconds >= 300 && var.transform_timeout_seconds <= 172800 && floor(var.transform_timeout_seconds) == var.transform_timeout_seconds
    error_message = "The transform_timeout_seconds must be a whole number from 300 to 172800 (2 days)."
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
  description = "How long the workflow waits, each time, for a busy endpoint to settle (before training, before the update) and for it to be InService after creating or updating it, in seconds. At most 500 times endpoint_poll_seconds (the execution history limit)."
  default     = 3600

  validation {
    condition     = var.endpoint_wait_timeout_seconds >= 60 && var.endpoint_wait_timeout_seconds <= 86400
    error_message = "The endpoint_wait_timeout_seconds must be from 60 to 86400."
  }
}

variable "endpoint_poll_seconds" {
  type        = number
  description = "Pause between two looks at the endpoint's status while waiting, in seconds. endpoint_wait_timeout_seconds may be at most 500 times this."
  default     = 60

  validation {
    condition     = var.endpoint_poll_seconds >= 1 && var.endpoint_poll_seconds <= 3600 && floor(var.endpoint_poll_seconds) == var.endpoint_poll_seconds
    error_message = "The endpoint_poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "endpoint_deployment_config" {
  type        = any
  description = "Deployment guardrails for the approved model's endpoint update: null (default) updates the endpoint in one step (plain UpdateEndpoint); an object makes UpdateEndpoint a blue/green deployment with { traffic_routing_type = ALL_AT_ONCE|CANARY|LINEAR, size_type = INSTANCE_COUNT|CAPACITY_PERCENT and size_value (CANARY/LINEAR only), wait_interval_seconds (0-3600), maximum_execution_timeout_seconds (600-28800, at most endpoint_wait_timeout_seconds minus termination_wait_seconds), termination_wait_seconds (0-3600, null for 0), alarm_names (up to 10 CloudWatch alarms that roll it back), create_alarms (true adds a 5xx and a ModelLatency alarm on the endpoint), alarm_5xx_threshold (null for 1 per minute), alarm_latency_threshold_microseconds (null for 1000000) }. A rolled back update ends the run with EndpointDeploymentRolledBack, notified. See modules/endpoint_rollout."
  default     = null
}

variable "retain_previous_models" {
  type        = number
  description = "After each successful deployment, how many superseded endpoint configs of the workflow to keep (the newest, for rollback) besides the serving one; older ones and the models they named are deleted. A rejected, expired or superseded candidate's model is deleted when its run ends. Only names and tags the workflow wrote are touched. 0 keeps the serving one alone."
  default     = 3

  validation {
    condition     = var.retain_previous_models >= 0 && var.retain_previous_models <= 100 && floor(var.retain_previous_models) == var.retain_previous_models
    error_message = "The retain_previous_models must be a whole number from 0 to 100."
  }
}

variable "create_sagemaker_role" {
  type        = bool
  description = "Create the SageMaker execution role the training and transform jobs and the models run as, allowed exactly the workflow's data, outputs, repository and KMS key. false: use sagemaker_role_arn."
  default     = true
}

variable "sagemaker_role_arn" {
  type        = string
  description = "ARN of an existing SageMaker execution role when create_sagemaker_role is false (it may come from a role created in the same apply)."
  default     = null

  validation {
    condition     = var.sagemaker_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", coalesce(var.sagemaker_role_arn, "x")))
    error_message = "The sagemaker_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), or null."
  }
}

variable "create_ecr_repository" {
  type        = bool
  description = "Create the image repository `<name_prefix>-approved` (lower case) the pipeline pushes to and the input check accepts images from. false: use ecr_repository_url."
  default     = true
}

variable "ecr_repository_url" {
  type        = string
  description = "URL of an existing ECR repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) when create_ecr_repository is false; images are tagged with their commit id. It may come from a repository created in the same apply."
  default     = null

  validation {
    condition     = var.ecr_repository_url == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$", coalesce(var.ecr_repository_url, "x")))
    error_message = "The ecr_repository_url must be an ECR repository URL (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME, without a tag), or null."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Image pipeline
# ---------------------------------------------------------------------------------------------------------------------
variable "create_pipeline" {
  type        = bool
  description = "Create the pipeline (CodePipeline: source, CodeBuild image build, state machine start) that builds repository@branch. false: no pipeline; start the state machine yourself with {\"commit_id\": ..., \"image_uri\": ...}."
  default     = false
}

variable "repository" {
  type        = string
  description = "The model code's repository the pipeline builds from: `owner/name` for a CodeStar connection (GitHub, Bitbucket...), the repository name for CodeCommit. Required when create_pipeline is true."
  default     = null

  validation {
    condition     = var.repository == null || can(regex("^[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100}){0,4}$", coalesce(var.repository, "x")))
    error_message = "The repository must be owner/name (CodeStar connection) or a repository name (CodeCommit): letters, digits, '_', '.' and '-', or null."
  }
}

variable "source_type" {
  type        = string
  description = "Pipeline source: codestar_connection (GitHub, Bitbucket, and any provider of a connection you pass) or codecommit."
  default     = "codestar_connection"

  validation {
    condition     = contains(["codestar_connection", "codecommit"], var.source_type)
    error_message = "The source_type must be \"codestar_connection\" or \"codecommit\"."
  }
}

variable "branch" {
  type        = string
  description = "Branch whose commits the pipeline builds and deploys (after approval)."
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}$", var.branch)) && !can(regex("\\.\\.|//|/$|\\.lock$", var.branch))
    error_message = "The branch must be a git branch name of 1-255 letters, digits, '_', '.', '/' and '-', not starting with '.', '/' or '-'."
  }
}

variable "create_connection" {
  type        = bool
  description = "Create the CodeStar connection of the codestar_connection source (PENDING: complete it once in the console). false: use connection_arn."
  default     = true
}

variable "connection_arn" {
  type        = string
  description = "ARN of an existing, AVAILABLE CodeStar/CodeConnections connection for the codestar_connection source. Used when create_connection is false."
  default     = null

  validation {
    condition     = var.connection_arn == null || can(regex("^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[a-zA-Z0-9-]+$", coalesce(var.connection_arn, "x")))
    error_message = "The connection_arn must be a connection ARN (arn:aws:codestar-connections:REGION:ACCOUNT:connection/ID or arn:aws:codeconnections:...), or null."
  }
}

variable "connection_provider" {
  type        = string
  description = "Provider of the connection the module creates when create_connection is true. hashicorp/aws 3.39 can create GitHub and Bitbucket connections; for others pass a connection ARN."
  default     = "GitHub"

  validation {
    condition     = contains(["GitHub", "Bitbucket"], var.connection_provider)
    error_message = "The connection_provider must be \"GitHub\" or \"Bitbucket\" (for GitHub Enterprise Server or GitLab, create the connection yourself, set create_connection = false and pass connection_arn)."
  }
}

variable "dockerfile" {
  type        = string
  description = "Path of the Dockerfile in the model repository. The image both trains (SageMaker runs `train`) and serves (`serve`)."
  default     = "Dockerfile"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}$", var.dockerfile)) && !can(regex("(^|/)\\.\\.(/|$)", var.dockerfile))
    error_message = "The dockerfile must be a relative path inside the repository (letters, digits, '_', '.', '/', '-'; no '..')."
  }
}

variable "build_context" {
  type        = string
  description = "Docker build context, relative to the model repository's root."
  default     = "."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.][A-Za-z0-9_./-]{0,254}$", var.build_context)) && !can(regex("(^|/)\\.\\.(/|$)", var.build_context))
    error_message = "The build_context must be a relative path inside the repository (letters, digits, '_', '.', '/', '-'; no '..')."
  }
}

variable "build_image" {
  type        = string
  description = "CodeBuild image that runs the image build (it needs docker and the AWS CLI)."
  default     = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9._/:@-]{0,255}$", var.build_image))
    error_message = "The build_image must be a CodeBuild image name such as aws/codebuild/amazonlinux2-x86_64-standard:5.0."
  }
}

variable "build_compute_type" {
  type        = string
  description = "CodeBuild compute type of the image build."
  default     = "BUILD_GENERAL1_SMALL"

  validation {
    condition     = contains(["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_2XLARGE"], var.build_compute_type)
    error_message = "The build_compute_type must be BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM, BUILD_GENERAL1_LARGE or BUILD_GENERAL1_2XLARGE."
  }
}

variable "build_timeout_minutes" {
  type        = number
  description = "Longest the image build may run, in minutes."
  default     = 60

  validation {
    condition     = var.build_timeout_minutes >= 5 && var.build_timeout_minutes <= 480 && floor(var.build_timeout_minutes) == var.build_timeout_minutes
    error_message = "The build_timeout_minutes must be a whole number from 5 to 480."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Inference API
# ---------------------------------------------------------------------------------------------------------------------

variable "create_inference_api" {
  type        = bool
  description = "Add the inference route to the approved deployment's HTTP API: POST /predict {\"data\": \"4.5,1.3,0.3,0.3\"} -> {\"result\": ...} from the approved endpoint."
  default     = false
}

variable "inference_api_authorization" {
  type        = string
  description = "Authorization of the inference route: AWS_IAM (callers sign requests with SigV4 and need execute-api:Invoke) or NONE (public, as in the original solution: anyone can call the endpoint at your cost)."
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "NONE"], var.inference_api_authorization)
    error_message = "The inference_api_authorization must be \"AWS_IAM\" or \"NONE\"."
  }
}

variable "inference_api_throttling_rate_limit" {
  type        = number
  description = "Steady-state requests per second the HTTP API accepts on the inference route (the approval routes have their own, lower limit)."
  default     = 50

  validation {
    condition     = var.inference_api_throttling_rate_limit >= 1 && var.inference_api_throttling_rate_limit <= 10000
    error_message = "The inference_api_throttling_rate_limit must be from 1 to 10000 requests per second."
  }
}

variable "inference_api_throttling_burst_limit" {
  type        = number
  description = "Burst of requests the HTTP API accepts on the inference route."
  default     = 100

  validation {
    condition     = var.inference_api_throttling_burst_limit >= 1 && var.inference_api_throttling_burst_limit <= 5000 && floor(var.inference_api_throttling_burst_limit) == var.inference_api_throttling_burst_limit
    error_message = "The inference_api_throttling_burst_limit must be a whole number from 1 to 5000."
  }
}

variable "create_alarms" {
  type        = bool
  description = "Create CloudWatch alarms to the topic on the state machine (failed, timed-out, aborted, throttled executions), the schedule's dead-letter queue (where there is one) and the Lambda functions' errors (where there are any)."
  default     = true
}

variable "alarm_kinds" {
  type        = set(string)
  description = "Which alarms create_alarms creates: \"executions\" (the state machine: failed, timed-out, aborted, throttled executions), \"dead_letter_queue\" (accepted so that one set fits every workflow; this workflow has no schedule, hence no dead-letter queue, so it creates nothing), \"lambda_errors\" (the functions' errors). Default: all three; [] creates none."
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
