variable "region" {
  type        = string
  description = "AWS region to deploy to."
  default     = "us-east-1"
}

variable "account_id" {
  type        = string
  description = "AWS account ID; null reads it from the caller's identity (pass it to plan without AWS credentials)."
  default     = null
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name."
  default     = "churn"
}

variable "repository" {
  type        = string
  description = "The model code's GitHub repository, owner/name: a Dockerfile whose image trains and serves. Null: no pipeline."
  default     = "acme/churn-model"
}

variable "branch" {
  type        = string
  description = "Branch whose commits are built and, once approved, deployed."
  default     = "main"
}

variable "connection_arn" {
  type        = string
  description = "ARN of an existing, available CodeStar connection to GitHub; null creates one (PENDING until completed in the console)."
  default     = null
}

variable "approval_emails" {
  type        = map(string)
  description = "Addresses that receive the approval requests (signed Approve/Reject links)."
  default     = {}
}

variable "notification_emails" {
  type        = map(string)
  description = "Addresses (by a name of your choice) that receive the workflow's notifications (deployed, rejected, expired, failed)."
  default     = {}
}

variable "artifact_bucket_force_destroy" {
  type        = bool
  description = "Let destroy delete the artifact bucket with its objects (keep false for real data)."
  default     = false
}

variable "lambda_runtime" {
  type        = string
  description = "Runtime of the Lambda functions (python3.8 only against the local emulator with the offline aws provider 3.39)."
  default     = "python3.12"
}
