variable "region" {
  type        = string
  description = "AWS region to deploy to."
  default     = "us-east-1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name."
  default     = "churn"
}

variable "training_image_tag" {
  type        = string
  description = "Tag of the training image pushed to the created ECR repository."
  default     = "v1"
}

variable "notification_emails" {
  type        = map(string)
  description = "Addresses (by a name of your choice) that receive the workflow's notifications."
  default     = {}
}

variable "artifact_bucket_force_destroy" {
  type        = bool
  description = "Let destroy delete the artifact bucket with its objects (the demo sets it; keep false for real data)."
  default     = false
}

variable "lambda_runtime" {
  type        = string
  description = "Runtime of the workflow's Lambda functions (the demo sets python3.8, the newest the offline aws provider 3.39 knows)."
  default     = "python3.12"
}
