variable "name" {
  type        = string
  description = "Name of the state machine."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,80}$", var.name))
    error_message = "The state machine name must be 1-80 letters, digits, '-' or '_'."
  }
}

variable "definition" {
  type        = string
  description = "The Amazon States Language definition (JSON)."
}

variable "role_arn" {
  type        = string
  description = "ARN of the IAM role the state machine assumes."
}

variable "log_level" {
  type        = string
  description = "Execution history logged to CloudWatch Logs: ALL, ERROR, FATAL or OFF."
  default     = "ALL"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.log_level)
    error_message = "The log_level must be ALL, ERROR, FATAL or OFF."
  }
}

variable "log_include_execution_data" {
  type        = bool
  description = "Log the input and output of every state (may contain data you would rather keep out of logs)."
  default     = true
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the execution log group, in days."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the execution log group; null for CloudWatch Logs' default encryption."
  default     = null
}

variable "tracing_enabled" {
  type        = bool
  description = "Trace executions with AWS X-Ray."
  default     = true
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
