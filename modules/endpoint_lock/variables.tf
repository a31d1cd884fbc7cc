variable "name" {
  type        = string
  description = "Name of the DynamoDB table that holds the endpoint locks."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "The name must be 3-255 letters, digits, '_', '-' or '.' (DynamoDB table names)."
  }
}

variable "encrypt_with_kms_key" {
  type        = bool
  description = "Encrypt the table with kms_key_arn. A flag, not a null test of the ARN, so that a key created in the same apply (ARN unknown at plan) plans."
  default     = false
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the table is encrypted with when encrypt_with_kms_key is true; DynamoDB's AWS owned key otherwise."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags for the table."
  default     = {}
}
