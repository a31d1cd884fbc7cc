variable "config" {
  type        = any
  description = "The blue/green deployment config of the workflow's endpoint updates (see README.md for its fields), or null for a plain UpdateEndpoint. Validated here, with messages naming config_variable and the field."
  default     = null
}

variable "config_variable" {
  type        = string
  description = "How the calling module names the config in messages, e.g. `endpoint_deployment_config`."
  default     = "config"
}

variable "root_config_variable" {
  type        = string
  description = "The root module's name of the config, for messages (null when the caller is used alone)."
  default     = null
}

variable "endpoints" {
  type = map(object({
    endpoint_name     = string
    instance_count    = number
    alarm_name_prefix = string
  }))
  description = "The endpoints the workflow deploys to, by a static key: the endpoint's name (may be unknown until apply: it only feeds the alarms' dimensions), its AllTraffic variant's instance count (checks an INSTANCE_COUNT size) and the prefix of the alarms created for it."
}

variable "endpoint_wait_timeout_seconds" {
  type        = number
  description = "How long the workflow waits for the endpoint after UpdateEndpoint, in seconds: it must cover the rollout's maximum execution timeout and termination wait."
}

variable "wait_variable" {
  type        = string
  description = "How the calling module names its endpoint wait timeout in messages."
  default     = "endpoint_wait_timeout_seconds"
}

variable "account_id" {
  type        = string
  description = "AWS account ID, for the ARNs of the rollback alarms (the IAM policies are scoped to them)."
}

variable "region" {
  type        = string
  description = "AWS region, for the ARNs of the rollback alarms."
}

variable "partition" {
  type        = string
  description = "AWS partition (aws, aws-cn, aws-us-gov), for the ARNs of the rollback alarms."
  default     = "aws"
}

variable "tags" {
  type        = map(string)
  description = "Tags for the alarms this module creates."
  default     = {}
}
