variable "name" {
  type        = string
  description = "Name of the DynamoDB table that holds the endpoint locks."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "The name must be 3-255 letters, digits, '_', '-' or '.' (DynamoDB table names)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the table is encrypted with (may be unknown at plan: it only feeds a dynamic block); null for DynamoDB's AWS owned key."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags for the table."
  default     = {}

  validation {
    condition = length(var.tags) <= 50 && alltrue([for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !can(regex("^(?i)aws:", k))
      && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", k)) && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", v))
    ])
    error_message = "The tags must be at most 50, each key 1-128 and each value 0-256 characters of letters, digits, spaces and _ . : / = + - @, and no key may start with the reserved prefix \"aws:\" (AWS tag rules)."
  }
}
