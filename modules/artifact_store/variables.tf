variable "bucket_name" {
  type        = string
  description = "Name of the S3 bucket that stores training data, model artifacts and job code."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$", var.bucket_name))
    error_message = "The bucket_name must be 3-63 characters of lowercase letters, digits, dots and hyphens, start and end with a letter or digit, and not look like an IP address."
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
}
