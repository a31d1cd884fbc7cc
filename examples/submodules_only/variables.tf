variable "region" {
  type        = string
  description = "AWS region to deploy to."
  default     = "us-east-1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name."
  default     = "team"
}

variable "training_image_uri" {
  type        = string
  description = "ECR URI of the training image both models use (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG)."
  default     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team-trainer:v1"
}

variable "notification_emails" {
  type        = map(string)
  description = "Addresses (by a name of your choice) that receive the workflow's notifications."
  default     = {}
}

variable "bucket_force_destroy" {
  type        = bool
  description = "Let destroy delete the bucket with its objects (the tests set it; keep false for real data)."
  default     = false
}

variable "lambda_runtime" {
  type        = string
  description = "Runtime of the workflow's Lambda functions (the tests set python3.8, the newest the offline aws provider 3.39 knows)."
  default     = "python3.12"
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = { project = "submodules-example" }
}
