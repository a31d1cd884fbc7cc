variable "name_prefix" {
  type        = string
  description = "Prefix of the alarm and dashboard names (e.g. \"<name_prefix>-rt\")."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,100}$", var.name_prefix))
    error_message = "The name_prefix must be 1-100 letters, digits, '.', '-' or '_' (alarm names are at most 255 characters, dashboard names 255)."
  }
}

variable "topic_arn" {
  type        = string
  description = "SNS topic every alarm notifies (alarm actions); its policy must let cloudwatch.amazonaws.com publish for these alarms."
}

variable "account_id" {
  type        = string
  description = "Account of the alarms (their ARNs are built from names, so known at plan)."
}

variable "region" {
  type        = string
  description = "Region of the alarms and of the dashboard's widgets."
}

variable "partition" {
  type        = string
  description = "AWS partition of the alarm ARNs."
  default     = "aws"
}

variable "tags" {
  type        = map(string)
  description = "Tags of the alarms."
  default     = {}
}

variable "state_machines" {
  type        = map(string)
  description = "State machines to watch: ARN by a stable key (the key names the alarms and is known at plan)."
  default     = {}
}

variable "lambda_function_names" {
  type        = map(string)
  description = "Lambda functions whose Errors raise an alarm: function name by a stable key."
  default     = {}
}

variable "dead_letter_queue_names" {
  type        = map(string)
  description = "SQS dead-letter queues (of the schedules) that raise an alarm when they hold a message: queue name by a stable key."
  default     = {}
}

variable "endpoint_names" {
  type        = map(string)
  description = "SageMaker endpoints whose invocations and 5XX errors (variant AllTraffic) the dashboard graphs: name by a stable key."
  default     = {}
}

variable "gate_metrics_namespace" {
  type        = string
  description = "Namespace of the gate's custom metrics (GatedMetricValue, GateThreshold by StateMachine), graphed per state machine when set; null = no gate widgets."
  default     = null
}

variable "state_machine_names" {
  type        = map(string)
  description = "Names of the state machines of var.state_machines, same keys (the gate's metrics' StateMachine dimension)."
  default     = {}
}

variable "create_state_machine_alarms" {
  type        = bool
  description = "Alarm on each state machine's ExecutionsFailed, ExecutionsTimedOut, ExecutionsAborted and ExecutionThrottled."
  default     = true
}

variable "create_lambda_alarms" {
  type        = bool
  description = "Alarm on each Lambda function's Errors."
  default     = true
}

variable "create_dead_letter_queue_alarms" {
  type        = bool
  description = "Alarm when a dead-letter queue holds a message (ApproximateNumberOfMessagesVisible > 0)."
  default     = true
}

variable "create_dashboard" {
  type        = bool
  description = "Create a CloudWatch dashboard named \"<name_prefix>\"."
  default     = true
}

variable "period_seconds" {
  type        = number
  description = "Period of every alarm's evaluation, in seconds (a multiple of 60)."
  default     = 300

  validation {
    condition     = var.period_seconds >= 60 && var.period_seconds % 60 == 0 && var.period_seconds <= 86400
    error_message = "The period_seconds must be a multiple of 60 from 60 to 86400."
  }
}
