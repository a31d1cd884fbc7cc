# The legacy batch inference workflow: many legacy models, each split into preprocess.py, predict.py and
# postprocess.py, run unchanged as SageMaker Processing jobs:
#   preprocess (script mode, scikit-learn image; several scripts run in parallel)
#   -> inference (the model's own image from ECR) -> postprocess (script mode).
# One state machine serves every model: an execution reads the model manifest from S3 and fans out over the models
# with a Distributed Map (each model a child execution, at most max_concurrency at once). Adding a model adds its
# script objects (none with code_uri), nothing else: its item is in the shared manifest and in the manifest of every
# model (models.json, where a run of one model finds it); a model with its own schedule adds its rule and target.
#
# Inputs known only at apply (a bucket, key, role or image the caller creates in the same apply) are used only in
# values and dynamic blocks: every count and for_each below depends on flags, model keys, schedule expressions and
# local script paths only.
# See docs/legacy_batch_inference.md for the design, the limits and a usage block.

data "aws_caller_identity" "current" {
  count = var.account_id == null ? 1 : 0
}

data "aws_region" "current" {}

data "aws_partition" "current" {}

module "conventions" {
  source = "../conventions"
}

locals {
  account_id      = var.account_id != null ? var.account_id : data.aws_caller_identity.current[0].account_id
  region          = data.aws_region.current.name
  partition       = data.aws_partition.current.partition
  dns_suffix      = data.aws_partition.current.dns_suffix
  resource_prefix = lower(var.name_prefix)

  bucket_name = var.artifact_bucket_name
  bucket_arn  = "arn:${local.partition}:s3:::${local.bucket_name}"

  state_machine_name  = "${var.name_prefix}-batch-inference"
  state_machine_arn   = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.state_machine_name}"
  data_prefix         = "${local.resource_prefix}/batch-inference"
  data_uri            = "s3://${local.bucket_name}/${local.data_prefix}/"
  runs_uri            = "${local.data_uri}runs/"
  manifest_key        = "${local.data_prefix}/manifest.json"
  models_key          = "${local.data_prefix}/models.json"
  ecr_repository_name = "${local.resource_prefix}-batch-inference"
  ecr_repository_arn  = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${local.ecr_repository_name}"
  ecr_repository_url  = "${local.account_id}.dkr.ecr.${local.region}.${local.dns_suffix}/${local.ecr_repository_name}"

  # An error here ("The given key does not identify an element") means SageMaker's scikit-learn image is not listed
  # for this region (modules/conventions, from the SageMaker Python SDK's image_uri_config): set sklearn_image_uri.
  sklearn_image_uri = var.sklearn_image_uri != null ? var.sklearn_image_uri : "${module.conventions.sklearn_image_registries[local.region]}.dkr.ecr.${local.region}.${local.dns_suffix}/sagemaker-scikit-learn:1.2-1-cpu-py3"

  # ---------------------------------------------------------------------------------------------------------------
  # Models: var.models is `any` (Terraform 1.0 has no optional() attributes), checked by its validations and the
  # checks below and completed here with these defaults. Keep this list in step with the variable's field list.
  # ---------------------------------------------------------------------------------------------------------------
  model_defaults = {
    scripts_path                    = null
    code_uri                        = null
    image_uri                       = null
    image_tag                       = null
    sklearn_image_uri               = null
    input_uri                       = null
    output_uri                      = null
    preprocess_scripts              = ["preprocess.py"]
    predict_script                  = "predict.py"
    postprocess_script              = "postprocess.py"
    instance_type                   = null
    preprocess_instance_type        = null
    inference_instance_type         = null
    postprocess_instance_type       = null
    volume_size_gb                  = null
    preprocess_volume_size_gb       = null
    inference_volume_size_gb        = null
    postprocess_volume_size_gb      = null
    max_runtime_seconds             = null
    preprocess_max_runtime_seconds  = null
    inference_max_runtime_seconds   = null
    postprocess_max_runtime_seconds = null
    preprocess_arguments            = []
    inference_arguments             = []
    postprocess_arguments           = []
    environment                     = {}
    schedule_expression             = null
    enabled                         = true
  }
  models = { for k, m in var.models : k => merge(local.model_defaults, m) }

  # Every step of a model, in order: one per preprocess script, then inference, then postprocess.
  model_steps = { for k, m in local.models : k => concat(
    [for i, s in m.preprocess_scripts : { kind = "preprocess", id = "pre${i}", script = s }],
    [{ kind = "inference", id = "inf", script = m.predict_script }],
    [{ kind = "postprocess", id = "post", script = m.postprocess_script }],
  ) }

  # What one step's CreateProcessingJob request takes from the manifest (the ASL adds names, URIs and tags per run).
  model_step_requests = { for k, m in local.models : k => [for s in local.model_steps[k] : {
    id = s.id
    app_specification = merge(
      { ImageUri = s.kind != "inference" ? coalesce(m.sklearn_image_uri, local.sklearn_image_uri) : m.image_uri != null ? m.image_uri : "${local.ecr_repository_url}:${m.image_tag}" },
      # Script mode: the step runs the model's script from the code input. An inference step without
      # predict_script runs its image's own entrypoint.
      s.script == null ? {} : { ContainerEntrypoint = ["python3", "/opt/ml/processing/code/${s.script}"] },
      length(m["${s.kind}_arguments"]) == 0 ? {} : { ContainerArguments = [for a in m["${s.kind}_arguments"] : tostring(a)] },
    )
    processing_resources = {
      ClusterConfig = merge(
        {
          InstanceCount  = 1
          InstanceType   = coalesce(m["${s.kind}_instance_type"], m.instance_type, var.instance_type)
          VolumeSizeInGB = tonumber(coalesce(m["${s.kind}_volume_size_gb"], m.volume_size_gb, var.volume_size_gb))
        },
        var.kms_key_arn == null ? {} : { VolumeKmsKeyId = var.kms_key_arn },
      )
    }
    stopping_condition = { MaxRuntimeInSeconds = tonumber(coalesce(m["${s.kind}_max_runtime_seconds"], m.max_runtime_seconds, var.max_runtime_seconds)) }
    # The Task waits for the job: its runtime, plus time to provision instances and pull the image.
    timeout_seconds = tonumber(coalesce(m["${s.kind}_max_runtime_seconds"], m.max_runtime_seconds, var.max_runtime_seconds)) + 1800
    environment     = merge({ for ek, ev in m.environment : ek => tostring(ev) }, { SFN_ML_MODEL = k, SFN_ML_STEP = s.kind, SFN_ML_STEP_ID = s.id })
  }] }

  # The manifest item of each model: everything a child execution needs, so the state machine holds no model data.
  items = { for k, m in local.models : k => {
    name        = k
    code_uri    = coalesce(m.code_uri, "${local.data_uri}models/${k}/code/")
    input_uri   = coalesce(m.input_uri, "${local.data_uri}data/${k}/input/")
    output_uri  = coalesce(m.output_uri, "${local.data_uri}data/${k}/output/")
    preprocess  = slice(local.model_step_requests[k], 0, length(m.preprocess_scripts))
    inference   = local.model_step_requests[k][length(m.preprocess_scripts)]
    postprocess = local.model_step_requests[k][length(m.preprocess_scripts) + 1]
  } }

  # The shared schedule runs every enabled model that has no schedule of its own.
  shared_models   = [for k, m in local.models : k if tobool(m.enabled) && m.schedule_expression == null]
  manifest        = [for k in local.shared_models : local.items[k]]
  own_schedules   = { for k, m in local.models : k => m.schedule_expression if m.schedule_expression != null }
  execution_input = { for k in keys(local.models) : k => jsonencode({ trigger = "schedule", workflow = "batch-inference", model = k }) }

  # Scripts to upload: every file under each model's scripts_path except caches and hidden files (a model with
  # code_uri instead keeps its scripts in S3 itself).
  code_files = merge({}, [for k, m in local.models : {
    for f in fileset(m.scripts_path, "**") : "${k}/${f}" => {
      path = "${m.scripts_path}/${f}"
      key  = "${local.data_prefix}/models/${k}/code/${f}"
    } if !can(regex("(^|/)(\\.|__pycache__/)|\\.py[co]$", f))
  } if m.scripts_path != null]...)

  definition = jsonencode(jsondecode(templatefile("${path.module}/../../definitions/batch_inference.asl.json.tftpl", {
    partition                    = local.partition
    name_prefix                  = var.name_prefix
    bucket_name                  = local.bucket_name
    manifest_key                 = local.manifest_key
    models_key                   = local.models_key
    run_manifest_key_format      = "${local.data_prefix}/runs/{}/manifest.json"
    runs_uri                     = local.runs_uri
    sagemaker_role_arn           = local.sagemaker_role_arn
    processing_network           = local.processing_network
    sns_topic_arn                = var.notifications_topic_arn
    kms_key_arn                  = var.kms_key_arn
    max_concurrency              = var.max_concurrency
    tolerated_failure_percentage = var.tolerated_failure_percentage
    # Job names are "<name_prefix>-bi-<MD5 of a fresh UUID>" (at most 26 + 4 + 32 = 62 characters): a retried task
    # never reuses the name of a job its failed attempt created, and the fixed shape is what the IAM policies allow
    # (sagemaker_name_suffix_pattern: prefix "ml" does not cover the jobs of a workspace named "ml-prod"). The jobs'
    # tags (sfn-ml:model, sfn-ml:step, sfn-ml:run) say which model, step and run a job is.
    job_name_expression = "States.Format('${local.resource_prefix}-bi-{}', ${module.conventions.sagemaker_name_hash})"
    # The SageMaker tasks have no Retry: their Catch sends SageMaker's base exception to "<Task>IsTransient", a
    # Choice on $.error.Cause (modules/conventions' retry.transient) that loops back through a Wait at most
    # retry.transient.max_attempts times per model and run ($.retries.<Task>.attempts); any other error, and
    # SageMaker.ResourceLimitExceededException (a quota: raise it or lower max_concurrency), is the model's
    # failure at once.
    retry = module.conventions.retry
    # The run's tag value: an execution name may hold characters a SageMaker tag value refuses (a manual start
    # named "run (2)!"), so the tag holds its MD5 (32 hex digits), as the other workflows' sfn-ml:execution tag.
    # https://docs.aws.amazon.com/sagemaker/latest/dg/API_Tag.html
    run_tag_expression = module.conventions.execution_tag["Value.$"]
    catch_all          = module.conventions.catch_all
    model_catch        = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "NotifyModelFailure" }]
  })))
}

# Scripts, uploaded from each model's scripts_path. aws 3.39 has neither aws_s3_object nor source_hash: the ETag (an
# MD5 of the content) detects changes without KMS; with SSE-KMS the ETag is no MD5, so the content's SHA-256 in the
# metadata does (a metadata change uploads the object again).
resource "aws_s3_bucket_object" "code" {
  #checkov:skip=CKV_AWS_186:Encrypted with kms_key_arn when the caller gives one (the bucket policy then requires it); SSE-S3 otherwise.
  for_each               = local.code_files
  bucket                 = local.bucket_name
  key                    = each.value.key
  source                 = each.value.path
  etag                   = var.kms_key_arn == null ? filemd5(each.value.path) : null
  metadata               = { "content-sha256" = filesha256(each.value.path) }
  kms_key_id             = var.kms_key_arn
  server_side_encryption = var.kms_key_arn == null ? null : "aws:kms"
}

# The manifest the shared schedule fans out over: one item per model, in name order.
resource "aws_s3_bucket_object" "manifest" {
  #checkov:skip=CKV_AWS_186:Encrypted with kms_key_arn when the caller gives one (the bucket policy then requires it); SSE-S3 otherwise.
  bucket                 = local.bucket_name
  key                    = local.manifest_key
  content                = jsonencode(local.manifest)
  content_type           = "application/json"
  kms_key_id             = var.kms_key_arn
  server_side_encryption = var.kms_key_arn == null ? null : "aws:kms"
}

# Every model's item, in name order: what a run of one model ({"model": "<name>"}) finds its model in. One object for
# all models, so that a model whose code is already in S3 (code_uri) adds no resource to the plan.
resource "aws_s3_bucket_object" "models" {
  #checkov:skip=CKV_AWS_186:Encrypted with kms_key_arn when the caller gives one (the bucket policy then requires it); SSE-S3 otherwise.
  bucket                 = local.bucket_name
  key                    = local.models_key
  content                = jsonencode(values(local.items))
  content_type           = "application/json"
  kms_key_id             = var.kms_key_arn
  server_side_encryption = var.kms_key_arn == null ? null : "aws:kms"
}

module "ecr_repository" {
  source = "../ecr_repository"
  count  = var.create_ecr_repository ? 1 : 0

  name        = local.ecr_repository_name
  kms_key_arn = var.kms_key_arn
  # One repository holds every model's images (tags "<model>-<commit>"): expiring images by count would delete the
  # image of a model that is rarely rebuilt, so the lifecycle policy keeps ECR's maximum and expires untagged ones.
  max_image_count = 10000
  tags            = var.tags
}

module "state_machine" {
  source = "../state_machine"

  name               = local.state_machine_name
  definition         = local.definition
  role_arn           = module.iam.state_machine_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  # Step Functions checks the role's .sync managed-rule permissions when it creates the machine, and the first
  # execution reads the manifests.
  depends_on = [
    module.iam, aws_iam_role_policy.map, module.ecr_repository,
    aws_s3_bucket_object.manifest, aws_s3_bucket_object.models,
  ]
}

# One schedule rule for the shared fan-out, plus one per model that has its own schedule_expression (rule names
# "<name_prefix>-bi-all_models" and "<name_prefix>-bi-<model>"; "_" cannot occur in a model name).
module "schedule" {
  source = "../schedule"
  count  = var.schedule_expression != null || length(local.own_schedules) > 0 ? 1 : 0

  name_prefix       = "${var.name_prefix}-bi"
  state_machine_arn = module.state_machine.arn
  kms_key_arn       = var.kms_key_arn
  tags              = var.tags
  schedules = merge(
    var.schedule_expression == null ? {} : {
      all_models = {
        schedule_expression = var.schedule_expression
        input               = jsonencode({ trigger = "schedule", workflow = "batch-inference" })
        enabled             = var.schedule_enabled
        description         = "Runs every ${var.name_prefix} batch inference model without a schedule of its own (${var.schedule_expression})."
      }
    },
    # A model's invalid expression is refused by local.check_models, naming the model.
    { for k, expression in local.own_schedules : k => {
      schedule_expression = expression
      input               = local.execution_input[k]
      enabled             = var.schedule_enabled && tobool(local.models[k].enabled)
      description         = "Runs the ${var.name_prefix} batch inference of model ${k} (${expression})."
    } if can(regex(local.schedule_regex, expression)) },
  )
}
