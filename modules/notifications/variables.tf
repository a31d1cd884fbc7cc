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
  type        = map(string)
  description = "Addresses subscribed by e-mail (each must confirm the subscription), keyed by a stable name of your choice: the keys name the subscriptions, so an address may come from a resource created in the same apply, and changing one address leaves the others subscribed. Key an address by itself (`{ \"a@example.com\" = \"a@example.com\" }`) to keep a subscription made from an earlier list."
  default     = {}

  validation {
    condition     = alltrue([for k, a in var.email_addresses : length(k) >= 1 && can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "The email_addresses must map non-empty names to e-mail addresses (name@domain.tld)."
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

  validation {
    condition = length(var.tags) <= 50 && alltrue([for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !can(regex("^(?i)aws:", k))
      && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", k)) && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", v))
    ])
    error_message = "The tags must be at most 50, each key 1-128 and each value 0-256 characters of letters, digits, spaces and _ . : / = + - @, and no key may start with the reserved prefix \"aws:\" (AWS tag rules)."
  }
}

variable "alarm_arns" {
  type        = list(string)
  description = "CloudWatch alarms allowed to publish (cloudwatch.amazonaws.com, aws:SourceArn of these alarms, this account); the created KMS key lets CloudWatch use it for them. Empty: no statement."
  default     = []
}
