variable "functions" {
  type = map(object({
    function_name = string
    handler       = string
    description   = string
    timeout       = number
    memory_size   = number
  }))
  description = "Functions to create from the one package, keyed by a stable name: Lambda function name, handler (`module.function`), description, timeout in seconds (1-900) and memory in MB (128-10240)."

  validation {
    condition = alltrue([for f in values(var.functions) :
      can(regex("^[a-zA-Z0-9_-]{1,64}$", f.function_name)) && f.timeout >= 1 && f.timeout <= 900 && f.memory_size >= 128 && f.memory_size <= 10240
    ])
    error_message = "Each entry of functions needs a function_name of 1-64 letters, digits, '-' or '_', a timeout from 1 to 900 seconds and a memory_size from 128 to 10240 MB."
  }
}

variable "package_path" {
  type        = string
  description = "Path of the deployment package (.zip) shared by the functions, e.g. \"$${path.module}/lambda_src/packages/retraining.zip\"."
}

variable "role_arn" {
  type        = string
  description = "ARN of the IAM role the functions run as."
}

variable "runtime" {
  type        = string
  description = "Lambda runtime of the functions."
  default     = "python3.12"
}

variable "environment" {
  type        = map(string)
  description = "Environment variables of every function."
  default     = {}
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the functions' CloudWatch log groups, in days."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the log groups and the functions' environment variables; null for AWS-managed encryption."
  default     = null
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

variable "vpc_subnet_ids" {
  type        = list(string)
  description = "Subnets to attach the functions to (vpc_config); [] (the default) for no VPC. The list's length must be known at plan (the IDs may be unknown); the role needs the network-interface permissions (modules/iam lambda_vpc_access)."
  default     = []
}

variable "vpc_security_group_ids" {
  type        = list(string)
  description = "Security groups of the functions' network interfaces; given together with vpc_subnet_ids."
  default     = []
}
