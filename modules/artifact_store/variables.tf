variable "bucket_name" {
  type        = string
  description = "Name of the S3 bucket that stores training data, model artifacts and job code."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.|\\.-|-\\.|^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$|^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\\.mrap|--x-s3)$", var.bucket_name))
    error_message = "The bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no two adjacent dots, not an IP address, no reserved prefix xn--, sthree-, amzn-s3-demo- or suffix -s3alias, --ol-s3, .mrap, --x-s3."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a customer managed KMS key. When set, the bucket policy refuses uploads not encrypted with it (SSE-KMS). When null, objects use S3's default encryption (SSE-S3)."
  default     = null
}

variable "force_destroy" {
  type        = bool
  description = "Allow `terraform destroy` to delete the bucket while it still holds objects. Off by default so that no model artifact is lost."
  default     = false
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
