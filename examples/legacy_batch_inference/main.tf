# Legacy batch inference, as an MLOps team would call the module: two models (one legacy iris model, deployed
# twice to show both kinds of schedule) run unchanged as SageMaker Processing jobs.
# The tests apply this example against a local AWS emulator (its endpoints come from an *_override.tf file).
#
# Before the first real run, build and push the model's image (docker needed):
#   python scripts/build_push_image.py --model iris --context examples/legacy_batch_inference \
#     --dockerfile examples/legacy_batch_inference/image/Dockerfile \
#     --repository-url "$(terraform output -raw ecr_repository_url)"
# and set iris_image_tag to the tag it prints.

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
  tags        = { project = "legacy-batch-inference-example" }


  # Every night at 02:00 UTC, one execution runs every model without a schedule of its own, five at a time.
  batch_inference_schedule_expression = "cron(0 2 * * ? *)"
  batch_inference_max_concurrency     = 5
  batch_inference_models = {
    # preprocess.py and postprocess.py run in SageMaker's scikit-learn image, predict.py in the model's own image.
    iris = {
      scripts_path = "${path.module}/model"
      image_tag    = var.iris_image_tag
    }
    # The same legacy model for a team that needs scores every hour, on a bigger instance, with the image's own
    # entrypoint (the predict.py baked into the image) instead of the uploaded one.
    iris-hourly = {
      scripts_path            = "${path.module}/model"
      image_tag               = var.iris_image_tag
      predict_script          = null
      inference_instance_type = "ml.c5.xlarge"
      max_runtime_seconds     = 1800
      schedule_expression     = "rate(1 hour)"
      environment             = { LOG_LEVEL = "INFO" }
    }
  }

  lambda_runtime                = var.lambda_runtime
  notification_emails           = var.notification_emails
  artifact_bucket_force_destroy = var.artifact_bucket_force_destroy
}

# The example's input: every CSV under data/ (the iris measurement sheet), at each model's default input location.
locals {
  input_locations = { for k, m in module.ml_workflows.batch_inference_models : k => regex("^s3://([^/]+)/(.*)$", m.input_uri) }
  input_files = {
    for pair in setproduct(keys(local.input_locations), fileset("${path.module}/data", "*.csv")) :
    "${pair[0]}/${pair[1]}" => { model = pair[0], file = pair[1] }
  }
}

resource "aws_s3_bucket_object" "input" {
  #checkov:skip=CKV_AWS_186:Example data; the artifact bucket encrypts it (SSE-S3), or pass a KMS key to the module and here.
  for_each = local.input_files
  bucket   = local.input_locations[each.value.model][0]
  key      = "${local.input_locations[each.value.model][1]}${each.value.file}"
  source   = "${path.module}/data/${each.value.file}"
  etag     = filemd5("${path.module}/data/${each.value.file}")
}
