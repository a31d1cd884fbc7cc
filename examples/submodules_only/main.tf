# Only submodules: one workflow (hourly retraining of two models) plus the team's own bucket and topic, built from
# the platform submodules, with no call of the root module. A team that already has a bucket and a topic passes
# theirs instead (the topic's policy must let events.amazonaws.com publish on behalf of the workflow's
# notification_rule_arns; an encrypted topic needs a key EventBridge may use).

terraform {
  required_version = ">= 1.0.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 3.39.0"
    }
  }
}

provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  bucket     = "${var.name_prefix}-ml-${local.account_id}-${var.region}"
}

# The team's bucket: versioned, encrypted, TLS only, no public access.
module "bucket" {
  source = "../../modules/artifact_store"

  bucket_name   = local.bucket
  force_destroy = var.bucket_force_destroy
  tags          = var.tags
}

# The team's topic, encrypted with a key EventBridge may use, publishable by the workflow's alert rules.
module "topic" {
  source = "../../modules/notifications"

  name                         = "${var.name_prefix}-ml-alerts"
  account_id                   = local.account_id
  email_addresses              = var.notification_emails
  publisher_service_principals = ["events.amazonaws.com"]
  publisher_source_arns        = module.retraining.notification_rule_arns
  tags                         = var.tags
}

module "retraining" {
  source = "../../modules/hourly_retraining"

  name_prefix             = var.name_prefix
  account_id              = local.account_id
  artifact_bucket_name    = module.bucket.bucket_name
  notifications_topic_arn = module.topic.topic_arn
  lambda_runtime          = var.lambda_runtime
  tags                    = var.tags

  # Two models, each on its own schedule, data, endpoint and roles; adding a third touches neither.
  models = {
    churn = {
      training_image_uri = var.training_image_uri
      metric_definitions = [{ name = "validation:accuracy", regex = "validation-accuracy:([0-9.]+)" }]
      metric_threshold   = 0.9
    }
    fraud = {
      training_image_uri  = var.training_image_uri
      metric_definitions  = [{ name = "validation:error", regex = "validation-error:([0-9.]+)" }]
      metric_name         = "validation:error"
      metric_goal         = "minimize"
      metric_threshold    = 0.1
      schedule_expression = "cron(30 * * * ? *)"
    }
  }
}
