variable "name_prefix" {
  type        = string
  description = "Prefix of the rule, role and queue names."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,40}$", var.name_prefix))
    error_message = "The name_prefix must be 1-40 letters, digits, '.', '-' or '_'."
  }
}

variable "state_machine_arn" {
  type        = string
  description = "ARN of the state machine the rules start."
}

variable "schedules" {
  type = map(object({
    schedule_expression = string
    input               = string
    enabled             = bool
    description         = string
  }))
  description = "Schedule rules keyed by a stable name (the rule is named `<name_prefix>-<key>`): an EventBridge `rate(...)` or `cron(...)` expression, the constant JSON input of every execution it starts, whether it is enabled, and a description."

  validation {
    condition = alltrue([for s in values(var.schedules) :
      can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\([^ ?()]+ [^ ?()]+ (\\? [^ ?()]+ [^ ?()]+|[^ ?()]+ [^ ?()]+ \\?) [^ ?()]+\\))$", s.schedule_expression))
    ])
    error_message = "Each schedule_expression must be rate(1 hour), rate(N hours) (likewise minute/minutes, day/days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with exactly one of day-of-month and day-of-week set to ? (EventBridge refuses both set or both ?), e.g. \"rate(1 hour)\" or \"cron(0 * * * ? *)\"."
  }

  validation {
    condition     = alltrue([for k, s in var.schedules : can(jsondecode(s.input)) && can(regex("^[a-zA-Z0-9_.-]{1,23}$", k))])
    error_message = "Each schedules key must be 1-23 letters, digits, '.', '-' or '_', and each input must be a JSON document."
  }
}

variable "maximum_event_age_seconds" {
  type        = number
  description = "How long EventBridge keeps retrying to start an execution, in seconds (60-86400)."
  default     = 3600

  validation {
    condition     = var.maximum_event_age_seconds >= 60 && var.maximum_event_age_seconds <= 86400
    error_message = "The maximum_event_age_seconds must be from 60 to 86400."
  }
}

variable "maximum_retry_attempts" {
  type        = number
  description = "How many times EventBridge retries starting an execution (0-185)."
  default     = 10

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 185
    error_message = "The maximum_retry_attempts must be from 0 to 185."
  }
}

variable "create_dead_letter_queue" {
  type        = bool
  description = "Create an SQS queue that keeps the events EventBridge could not deliver after its retries."
  default     = true
}

variable "kms_key_arn" {
  type        = string
  description = "Customer managed KMS key for the dead-letter queue (EventBridge cannot use the AWS managed SQS key); null leaves the queue unencrypted."
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
