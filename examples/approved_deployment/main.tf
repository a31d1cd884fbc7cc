# The approved-deployment workflow (CI/CD), as an infra team would call the module: a push to the model
# repository builds the image, trains, scores the test set, mails the approvers, and deploys only what a person
# approved. See docs/approved_deployment.md.

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

module "ml_workflows" {
  source = "../../"

  name_prefix = var.name_prefix
  account_id  = var.account_id
  tags        = { project = "approved-deployment-example" }

  # Only the approved-deployment workflow.
  create_approved_deployment_workflow = true

  # The pipeline builds <repository>@<branch> through a CodeStar connection the module creates (PENDING: an admin
  # completes the GitHub handshake once in the console), or through the connection you pass. Without a repository
  # there is no pipeline: start the state machine with {"commit_id": ..., "image_uri": ...}.
  approved_deployment_create_pipeline   = var.repository != null
  approved_deployment_repository        = var.repository
  approved_deployment_branch            = var.branch
  approved_deployment_create_connection = var.connection_arn == null
  approved_deployment_connection_arn    = var.connection_arn

  # Train on s3://<bucket>/<prefix>/approved-deployment/data/{train,validation}/, score data/test/ with batch
  # transform, and wait up to a day for one of the approvers to decide.
  approved_deployment_hyperparameters = {
    max_depth = "5"
    eta       = "0.2"
  }
  approved_deployment_approval_timeout_seconds = 86400
  approved_deployment_approval_emails          = var.approval_emails
  notification_emails                          = var.notification_emails

  # POST {"data": "4.5,1.3,0.3,0.3"} to <approval_api_endpoint>/predict, signed with SigV4.
  approved_deployment_create_inference_api        = true
  approved_deployment_inference_api_authorization = "AWS_IAM"

  lambda_runtime                = var.lambda_runtime
  artifact_bucket_force_destroy = var.artifact_bucket_force_destroy
}
