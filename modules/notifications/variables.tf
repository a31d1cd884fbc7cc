variable "name" {
  type        = string
  description = "Name of the SNS topic."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,256}$", var.name))
    error_message = "The topic name must be 1-256 letters, digits, '-' or '_'."
  }
}

variable "create_kms_key" {
  type        = bool
  description = "Create a customer managed KMS key (rotation on) that encrypts the topic and lets publisher_service_principals use it, so that EventBridge rules can publish. false: kms_key_id encrypts the topic."
  default     = true
}

variable "kms_key_id" {
  type        = string
  description = "KMS key (ID, ARN or alias) that encrypts the topic when create_kms_key is false. EventBridge rules can publish only to a topic encrypted with a customer managed key whose policy lets events.amazonaws.com use it."
  default     = "alias/aws/sns"
}

variable "email_addresses" {
  type        = list(string)
  description = "Addresses subscribed by e-mail (each must confirm the subscription)."
  default     = []

  validation {
    condition     = alltrue([for a in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "Each of email_addresses must be an e-mail address."
  }
}

variable "publisher_service_principals" {
  type        = list(string)
  description = "AWS services allowed by the topic policy to publish (e.g. events.amazonaws.com), limited to this account."
  default     = []
}

variable "publisher_source_arns" {
  type        = list(string)
  description = "If set, the services of publisher_service_principals may publish only on behalf of these resources (aws:SourceArn), e.g. the ARNs of the EventBridge rules that target the topic."
  default     = []
}

variable "account_id" {
  type        = string
  description = "Account the topic belongs to; the topic policy allows publishing from it only."
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of this module."
  default     = {}
}
