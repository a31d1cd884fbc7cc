# The hourly retraining workflow, as an infra team would call the module.
# `make demo` applies this example against a local AWS emulator (the emulator's endpoints are added by an
# *_override.tf file the demo writes next to this one and removes afterwards).

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
  # The image in the repository the module creates (`<name_prefix>-rt-training`, output retraining_ecr_repository_url).
  training_image_uri = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${var.region}.amazonaws.com/${lower(var.name_prefix)}-rt-training:${var.training_image_tag}"
}

module "ml_workflows" {
  source = "../../"

  name_prefix = var.name_prefix
  tags        = { project = "retraining-example" }

  # One model, "churn": train on s3://<bucket>/<prefix>/retraining/churn/data/{train,validation}/ every hour with the
  # image in the created ECR repository, and deploy only a model whose validation accuracy is above 0.90 and above
  # the model now serving. More models are more keys of the map.
  retraining_create_ecr_repository = true
  retraining_models = {
    churn = {
      training_image_uri  = local.training_image_uri
      schedule_expression = "rate(1 hour)"
      hyperparameters = {
        max_depth = "5"
        eta       = "0.2"
      }
      # The image is a custom one (in the created ECR repository): SageMaker publishes its metrics only through
      # definitions whose regexes match its log lines (the stand-in prints XGBoost-style
      # "[9]#011train-accuracy:1.00000#011...#011validation-accuracy:0.93333#011validation-error:0.06667").
      metric_definitions = [
        { name = "validation:accuracy", regex = "validation-accuracy:([0-9.]+)" },
        { name = "validation:error", regex = "validation-error:([0-9.]+)" },
      ]
      metric_name           = "validation:accuracy"
      metric_goal           = "maximize"
      metric_threshold      = 0.9
      compare_with_champion = true
    }
  }

  lambda_runtime                = var.lambda_runtime
  notification_emails           = var.notification_emails
  artifact_bucket_force_destroy = var.artifact_bucket_force_destroy
}
