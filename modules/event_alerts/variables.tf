variable "name_prefix" {
  type        = string
  description = "Prefix of the rule names: each rule is named <name_prefix>-<key of rules>."
}

variable "rules" {
  type = map(object({
    description    = string
    pattern        = any
    input_paths    = map(string)
    input_template = string
  }))
  description = "Rules by key (static keys: they name the rules): the event pattern, and the input transformer's paths and template of the message sent to the topic."

  validation {
    condition     = alltrue([for k in keys(var.rules) : can(regex("^[a-zA-Z0-9._-]{1,40}$", k))])
    error_message = "Each key of rules must be 1-40 letters, digits, '.', '_' or '-' (it ends the EventBridge rule name)."
  }
}

variable "topic_arn" {
  type        = string
  description = "ARN of the SNS topic the rules send their messages to (may be unknown at plan)."
}

variable "tags" {
  type        = map(string)
  description = "Tags for the rules."
  default     = {}

  validation {
    condition = length(var.tags) <= 50 && alltrue([for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !can(regex("^(?i)aws:", k))
      && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", k)) && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", v))
    ])
    error_message = "The tags must be at most 50, each key 1-128 and each value 0-256 characters of letters, digits, spaces and _ . : / = + - @, and no key may start with the reserved prefix \"aws:\" (AWS tag rules)."
  }
}
