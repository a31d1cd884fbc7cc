variable "name" {
  type        = string
  description = "Name of the ECR repository."

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name)) && length(var.name) >= 2 && length(var.name) <= 256
    error_message = "The name must be 2-256 characters: lowercase letters and digits, separated by single '.', '_', '-' or '/'."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a KMS key to encrypt images with (KMS encryption). When null, ECR's default AES-256 encryption is used."
  default     = null
}

variable "max_image_count" {
  type        = number
  description = "How many tagged images the lifecycle policy keeps; older ones expire. Untagged images expire after one day."
  default     = 30

  validation {
    condition     = var.max_image_count >= 1 && var.max_image_count <= 10000 && floor(var.max_image_count) == var.max_image_count
    error_message = "The max_image_count must be a whole number from 1 to 10000."
  }
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
