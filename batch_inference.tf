# The legacy batch inference workflow: many legacy models, each split into preprocess.py, predict.py and
# postprocess.py, run unchanged as SageMaker Processing jobs:
#   preprocess (script mode, scikit-learn image; several scripts run in parallel)
#   -> inference (the model's own image from ECR) -> postprocess (script mode).
# One state machine serves every model: an execution reads the model manifest from S3 and fans out over the models
# with a Distributed Map (each model a child execution, at most batch_max_concurrency at once). Adding a model adds
# its script objects and its one-model manifest, nothing else; a model with its own schedule adds its rule and target.
# See docs/legacy_batch_inference.md for the design, the limits and a usage block.

locals {
  create_batch_inference     = var.create_batch_inference_workflow
  create_batch_inference_ecr = local.create_batch_inference && var.create_batch_inference_ecr_repository
  # EventBridge can publish only to a topic encrypted with a customer managed key whose key policy lets
  # events.amazonaws.com use it: the notifications module creates one by default (create_notifications_kms_key).
  # With create_notifications_kms_key = false, kms_key_arn's policy must allow it, or the alerts are not delivered.
  create_batch_inference_alerts = local.create_batch_inference

  batch_inference_name      = "${var.name_prefix}-batch-inference"
  batch_inference_arn       = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.batch_inference_name}"
  batch_data_prefix         = "${local.resource_prefix}/batch-inference"
  batch_data_uri            = "s3://${local.bucket_name}/${local.batch_data_prefix}/"
  batch_runs_uri            = "${local.batch_data_uri}runs/"
  batch_manifest_key        = "${local.batch_data_prefix}/manifest.json"
  batch_ecr_repository_name = "${local.resource_prefix}-batch-inference"
  batch_ecr_repository_arn  = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${local.batch_ecr_repository_name}"
  batch_ecr_repository_url  = "${local.account_id}.dkr.ecr.${local.region}.${data.aws_partition.current.dns_suffix}/${local.batch_ecr_repository_name}"

  # Accounts of SageMaker's scikit-learn images (sagemaker-scikit-learn:1.2-1-cpu-py3), by region, as the SageMaker
  # Python SDK lists them (sagemaker/image_uri_config/sklearn.json). Other regions: set batch_sklearn_image_uri.
  sklearn_image_registries = module.conventions.sklearn_image_registries
  # An error here ("The given key does not identify an element") means SageMaker's scikit-learn image is not listed
  # for this region: set batch_sklearn_image_uri.
  batch_sklearn_image_uri = !local.create_batch_inference ? null : var.batch_sklearn_image_uri != null ? var.batch_sklearn_image_uri : "${local.sklearn_image_registries[local.region]}.dkr.ecr.${local.region}.${data.aws_partition.current.dns_suffix}/sagemaker-scikit-learn:1.2-1-cpu-py3"

  # ---------------------------------------------------------------------------------------------------------------
  # Models: var.batch_models is `any` (Terraform 1.0 has no optional() attributes), checked by its validations and
  # completed here with these defaults. Keep this list in step with the field list in the variable's validation.
  # ---------------------------------------------------------------------------------------------------------------
  batch_model_defaults = {
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
  batch_models = { for k, m in var.batch_models : k => merge(local.batch_model_defaults, m) if local.create_batch_inference }

  # Every step of a model, in order: one per preprocess script, then inference, then postprocess.
  batch_model_steps = { for k, m in local.batch_models : k => concat(
    [for i, s in m.preprocess_scripts : { kind = "preprocess", id = "pre${i}", script = s }],
    [{ kind = "inference", id = "inf", script = m.predict_script }],
    [{ kind = "postprocess", id = "post", script = m.postprocess_script }],
  ) }

  # What one step's CreateProcessingJob request takes from the manifest (the ASL adds names, URIs and tags per run).
  batch_model_step_requests = { for k, m in local.batch_models : k => [for s in local.batch_model_steps[k] : {
    id = s.id
    app_specification = merge(
      { ImageUri = s.kind != "inference" ? coalesce(m.sklearn_image_uri, local.batch_sklearn_image_uri) : m.image_uri != null ? m.image_uri : "${local.batch_ecr_repository_url}:${m.image_tag}" },
      # Script mode: the step runs the model's script from the code input. An inference step without
      # predict_script runs its image's own entrypoint.
      s.script == null ? {} : { ContainerEntrypoint = ["python3", "/opt/ml/processing/code/${s.script}"] },
      length(m["${s.kind}_arguments"]) == 0 ? {} : { ContainerArguments = [for a in m["${s.kind}_arguments"] : tostring(a)] },
    )
    processing_resources = {
      ClusterConfig = merge(
        {
          InstanceCount  = 1
          InstanceType   = coalesce(m["${s.kind}_instance_type"], m.instance_type, var.batch_instance_type)
          VolumeSizeInGB = tonumber(coalesce(m["${s.kind}_volume_size_gb"], m.volume_size_gb, var.batch_volume_size_gb))
        },
        var.kms_key_arn == null ? {} : { VolumeKmsKeyId = var.kms_key_arn },
      )
    }
    stopping_condition = { MaxRuntimeInSeconds = tonumber(coalesce(m["${s.kind}_max_runtime_seconds"], m.max_runtime_seconds, var.batch_max_runtime_seconds)) }
    # The Task waits for the job: its runtime, plus time to provision instances and pull the image.
    timeout_seconds = tonumber(coalesce(m["${s.kind}_max_runtime_seconds"], m.max_runtime_seconds, var.batch_max_runtime_seconds)) + 1800
    environment     = merge({ for ek, ev in m.environment : ek => tostring(ev) }, { SFN_ML_MODEL = k, SFN_ML_STEP = s.kind, SFN_ML_STEP_ID = s.id })
  }] }

  # The manifest item of each model: everything a child execution needs, so the state machine holds no model data.
  batch_items = { for k, m in local.batch_models : k => {
    name = k
    # Job names are "<job_name_prefix>-<step id>-<12 hex digits, fresh per attempt>": at most 45 + 1 + 4 + 1 + 12 = 63
    # characters, always starting with "<name_prefix>-", the prefix the IAM policies allow.
    job_name_prefix = replace(substr(lower("${local.resource_prefix}-${k}"), 0, 45), "/-+$/", "")
    code_uri        = coalesce(m.code_uri, "${local.batch_data_uri}models/${k}/code/")
    input_uri       = coalesce(m.input_uri, "${local.batch_data_uri}data/${k}/input/")
    output_uri      = coalesce(m.output_uri, "${local.batch_data_uri}data/${k}/output/")
    preprocess      = slice(local.batch_model_step_requests[k], 0, length(m.preprocess_scripts))
    inference       = local.batch_model_step_requests[k][length(m.preprocess_scripts)]
    postprocess     = local.batch_model_step_requests[k][length(m.preprocess_scripts) + 1]
  } }

  # The shared schedule runs every enabled model that has no schedule of its own.
  batch_shared_models   = [for k, m in local.batch_models : k if tobool(m.enabled) && m.schedule_expression == null]
  batch_manifest        = [for k in local.batch_shared_models : local.batch_items[k]]
  batch_own_schedules   = { for k, m in local.batch_models : k => m.schedule_expression if m.schedule_expression != null }
  batch_execution_input = { for k in keys(local.batch_models) : k => jsonencode({ trigger = "schedule", workflow = "batch-inference", model = k }) }

  # Scripts to upload: every file under each model's scripts_path except caches and hidden files (a model with
  # code_uri instead keeps its scripts in S3 itself).
  batch_code_files = merge({}, [for k, m in local.batch_models : {
    for f in fileset(m.scripts_path, "**") : "${k}/${f}" => {
      path = "${m.scripts_path}/${f}"
      key  = "${local.batch_data_prefix}/models/${k}/code/${f}"
    } if !can(regex("(^|/)(\\.|__pycache__/)|\\.py[co]$", f))
  } if m.scripts_path != null]...)

  # ---------------------------------------------------------------------------------------------------------------
  # What the SageMaker role reads and writes besides <bucket>/<name_prefix>/batch-inference/, and the images it pulls.
  # An inline role policy is limited to 10,240 characters: past 20 locations (or repositories) the grants widen to
  # whole buckets (or to the account's repositories in this region) rather than fail at apply.
  # ---------------------------------------------------------------------------------------------------------------
  batch_input_uris      = distinct([for u in flatten([for i in values(local.batch_items) : [i.input_uri, i.code_uri]]) : u if substr(u, 0, length(local.batch_data_uri)) != local.batch_data_uri])
  batch_output_uris     = distinct([for i in values(local.batch_items) : i.output_uri if substr(i.output_uri, 0, length(local.batch_data_uri)) != local.batch_data_uri])
  batch_external_coarse = length(distinct(concat(local.batch_input_uris, local.batch_output_uris))) > 20
  batch_external_reads = distinct([for u in local.batch_input_uris :
    local.batch_external_coarse ? "arn:${local.partition}:s3:::${regex("^s3://([^/]+)/", u)[0]}/*" : "arn:${local.partition}:s3:::${replace(u, "s3://", "")}*"
  ])
  batch_external_writes = distinct([for u in local.batch_output_uris :
    local.batch_external_coarse ? "arn:${local.partition}:s3:::${regex("^s3://([^/]+)/", u)[0]}/*" : "arn:${local.partition}:s3:::${replace(u, "s3://", "")}*"
  ])
  batch_external_buckets = distinct([for u in concat(local.batch_input_uris, local.batch_output_uris) : "arn:${local.partition}:s3:::${regex("^s3://([^/]+)/", u)[0]}"])

  # [account, region, repository] of every image (joined, because flatten() would also flatten the triples).
  batch_image_repositories = [for r in distinct(flatten([for i in values(local.batch_items) : [
    for s in concat(i.preprocess, [i.inference, i.postprocess]) : join("|", regex("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.[a-z0-9.]+/([^:@]+)", s.app_specification.ImageUri))
  ]])) : split("|", r)]
  batch_own_repositories   = [for r in local.batch_image_repositories : r if r[0] == local.account_id && r[1] == local.region]
  batch_other_repositories = [for r in local.batch_image_repositories : "arn:${local.partition}:ecr:${r[1]}:${r[0]}:repository/${r[2]}" if !(r[0] == local.account_id && r[1] == local.region)]
  batch_ecr_repository_arns = distinct(concat(
    local.create_batch_inference_ecr ? [local.batch_ecr_repository_arn] : [],
    length(local.batch_own_repositories) > 20 ? ["arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/*"] : [for r in local.batch_own_repositories : "arn:${local.partition}:ecr:${r[1]}:${r[0]}:repository/${r[2]}"],
    local.batch_other_repositories,
  ))

  batch_inference_definition = local.create_batch_inference ? jsonencode(jsondecode(templatefile("${path.module}/definitions/batch_inference.asl.json.tftpl", {
    partition                    = local.partition
    name_prefix                  = var.name_prefix
    bucket_name                  = local.bucket_name
    manifest_key                 = local.batch_manifest_key
    model_manifest_key_format    = "${local.batch_data_prefix}/models/{}/manifest.json"
    runs_uri                     = local.batch_runs_uri
    sagemaker_role_arn           = module.batch_inference_iam[0].sagemaker_role_arn
    sns_topic_arn                = local.notifications_topic_arn
    kms_key_arn                  = var.kms_key_arn
    max_concurrency              = var.batch_max_concurrency
    tolerated_failure_percentage = var.batch_tolerated_failure_percentage
    # 12 hex digits of a fresh UUID per attempt: a retried task never reuses the name of a job its failed attempt created.
    job_suffix_expression = "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 4)"
    # The SageMaker tasks have no Retry: their Catch sends SageMaker's base exception to "<Task>IsTransient", a
    # Choice on $.error.Cause (retry.transient in locals.tf) that loops back through a Wait at most
    # retry.transient.max_attempts times per model and run ($.retries.<Task>.attempts); any other error, and
    # SageMaker.ResourceLimitExceededException (a quota: raise it or lower batch_max_concurrency), is the model's
    # failure at once.
    retry = local.retry
    # The run's tag value: an execution name may hold characters a SageMaker tag value refuses (a manual start
    # named "run (2)!"), so the tag holds its MD5 (32 hex digits), as the other workflows' sfn-ml:execution tag.
    # https://docs.aws.amazon.com/sagemaker/latest/dg/API_Tag.html
    run_tag_expression = local.execution_tag["Value.$"]
    catch_all          = local.catch_all
    model_catch        = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "NotifyModelFailure" }]
  }))) : null
}

# Scripts, uploaded from each model's scripts_path. aws 3.39 has neither aws_s3_object nor source_hash: the ETag (an
# MD5 of the content) detects changes without KMS; with SSE-KMS the ETag is no MD5, so the content's SHA-256 in the
# metadata does (a metadata change uploads the object again).
resource "aws_s3_bucket_object" "batch_inference_code" {
  #checkov:skip=CKV_AWS_186:Encrypted with kms_key_arn when the caller gives one (the bucket policy then requires it); SSE-S3 otherwise.
  for_each               = local.batch_code_files
  bucket                 = local.bucket_name
  key                    = each.value.key
  source                 = each.value.path
  etag                   = var.kms_key_arn == null ? filemd5(each.value.path) : null
  metadata               = { "content-sha256" = filesha256(each.value.path) }
  kms_key_id             = var.kms_key_arn
  server_side_encryption = var.kms_key_arn == null ? null : "aws:kms"

  depends_on = [module.artifact_store]
}

# The manifest the shared schedule fans out over: one item per model, in name order.
resource "aws_s3_bucket_object" "batch_inference_manifest" {
  #checkov:skip=CKV_AWS_186:Encrypted with kms_key_arn when the caller gives one (the bucket policy then requires it); SSE-S3 otherwise.
  count                  = local.create_batch_inference ? 1 : 0
  bucket                 = local.bucket_name
  key                    = local.batch_manifest_key
  content                = jsonencode(local.batch_manifest)
  content_type           = "application/json"
  kms_key_id             = var.kms_key_arn
  server_side_encryption = var.kms_key_arn == null ? null : "aws:kms"

  depends_on = [module.artifact_store]
}

# A one-item manifest per model: what a run of that model alone ({"model": "<name>"}) fans out over.
resource "aws_s3_bucket_object" "batch_inference_model_manifest" {
  #checkov:skip=CKV_AWS_186:Encrypted with kms_key_arn when the caller gives one (the bucket policy then requires it); SSE-S3 otherwise.
  for_each               = local.batch_items
  bucket                 = local.bucket_name
  key                    = "${local.batch_data_prefix}/models/${each.key}/manifest.json"
  content                = jsonencode([each.value])
  content_type           = "application/json"
  kms_key_id             = var.kms_key_arn
  server_side_encryption = var.kms_key_arn == null ? null : "aws:kms"

  depends_on = [module.artifact_store]
}

module "batch_inference_ecr_repository" {
  source = "./modules/ecr_repository"
  count  = local.create_batch_inference_ecr ? 1 : 0

  name        = local.batch_ecr_repository_name
  kms_key_arn = var.kms_key_arn
  # One repository holds every model's images (tags "<model>-<commit>"): expiring images by count would delete the
  # image of a model that is rarely rebuilt, so the lifecycle policy keeps ECR's maximum and expires untagged ones.
  max_image_count = 10000
  tags            = var.tags
}

module "batch_inference_iam" {
  source = "./modules/iam"
  count  = local.create_batch_inference ? 1 : 0

  name_prefix               = "${var.name_prefix}-bi"
  sagemaker_resource_prefix = local.resource_prefix
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags

  create_sagemaker_role         = var.batch_sagemaker_role_arn == null
  sagemaker_role_arn            = var.batch_sagemaker_role_arn
  sagemaker_bucket_arn          = local.bucket_arn
  sagemaker_s3_prefixes         = ["${local.batch_data_prefix}/"]
  sagemaker_ecr_repository_arns = local.batch_ecr_repository_arns

  create_lambda_role    = false
  lambda_sagemaker_read = false

  create_state_machine_role = true
  sagemaker_job_types       = ["processing"]
  sns_topic_arns            = [local.notifications_topic_arn]
}

# Models whose data lives outside <bucket>/<name_prefix>/batch-inference/: the created SageMaker role may read their
# input_uri and write their output_uri (a role you pass in batch_sagemaker_role_arn must allow this itself).
data "aws_iam_policy_document" "batch_inference_external_data" {
  count = local.create_batch_inference && var.batch_sagemaker_role_arn == null && length(local.batch_external_buckets) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = length(local.batch_external_reads) > 0 ? [true] : []
    content {
      sid       = "ReadModelInputs"
      actions   = ["s3:GetObject"]
      resources = local.batch_external_reads
    }
  }

  dynamic "statement" {
    for_each = length(local.batch_external_writes) > 0 ? [true] : []
    content {
      sid       = "WriteModelOutputs"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
      resources = local.batch_external_writes
    }
  }

  statement {
    sid       = "ListModelDataBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = local.batch_external_buckets
  }
}

resource "aws_iam_role_policy" "batch_inference_external_data" {
  count = length(data.aws_iam_policy_document.batch_inference_external_data)
  name  = "model-data"
  # The role's name, from its ARN (the output waits for the role to exist).
  role   = reverse(split("/", module.batch_inference_iam[0].sagemaker_role_arn))[0]
  policy = data.aws_iam_policy_document.batch_inference_external_data[0].json
}

# What the Distributed Map needs besides the job integrations of modules/iam: start, watch and stop its child
# executions, read the manifests, and read its Map Run to count failed models.
# https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
data "aws_iam_policy_document" "batch_inference_map" {
  count = local.create_batch_inference ? 1 : 0

  statement {
    sid       = "StartChildExecutions"
    actions   = ["states:StartExecution"]
    resources = [local.batch_inference_arn]
  }

  statement {
    sid       = "ManageChildExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.batch_inference_name}/*"]
  }

  statement {
    sid       = "ListOwnMapRuns"
    actions   = ["states:ListMapRuns"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.batch_inference_name}:*"]
  }

  statement {
    sid       = "DescribeOwnMapRuns"
    actions   = ["states:DescribeMapRun"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:mapRun:${local.batch_inference_name}/*"]
  }

  statement {
    sid     = "ReadManifests"
    actions = ["s3:GetObject"]
    resources = [
      "${local.bucket_arn}/${local.batch_manifest_key}",
      "${local.bucket_arn}/${local.batch_data_prefix}/models/*/manifest.json",
    ]
  }
}

resource "aws_iam_role_policy" "batch_inference_map" {
  count  = local.create_batch_inference ? 1 : 0
  name   = "distributed-map"
  role   = module.batch_inference_iam[0].state_machine_role_name
  policy = data.aws_iam_policy_document.batch_inference_map[0].json
}

module "batch_inference_state_machine" {
  source = "./modules/state_machine"
  count  = local.create_batch_inference ? 1 : 0

  name               = local.batch_inference_name
  definition         = local.batch_inference_definition
  role_arn           = module.batch_inference_iam[0].state_machine_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  # Step Functions checks the role's .sync managed-rule permissions when it creates the machine; the definition
  # names the topic, and the first execution reads the manifests.
  depends_on = [
    module.batch_inference_iam, aws_iam_role_policy.batch_inference_map, aws_iam_role_policy.batch_inference_external_data,
    module.notifications, module.batch_inference_ecr_repository,
    aws_s3_bucket_object.batch_inference_manifest, aws_s3_bucket_object.batch_inference_model_manifest,
  ]
}

# One schedule rule for the shared fan-out, plus one per model that has its own schedule_expression (rule names
# "<name_prefix>-bi-all_models" and "<name_prefix>-bi-<model>"; "_" cannot occur in a model name).
module "batch_inference_schedule" {
  source = "./modules/schedule"
  count  = local.create_batch_inference && (var.batch_schedule_expression != null || length(local.batch_own_schedules) > 0) ? 1 : 0

  name_prefix       = "${var.name_prefix}-bi"
  state_machine_arn = module.batch_inference_state_machine[0].arn
  kms_key_arn       = var.kms_key_arn
  tags              = var.tags
  schedules = merge(
    var.batch_schedule_expression == null ? {} : {
      all_models = {
        schedule_expression = var.batch_schedule_expression
        input               = jsonencode({ trigger = "schedule", workflow = "batch-inference" })
        enabled             = var.batch_schedule_enabled
        description         = "Runs every ${var.name_prefix} batch inference model without a schedule of its own (${var.batch_schedule_expression})."
      }
    },
    { for k, expression in local.batch_own_schedules : k => {
      schedule_expression = expression
      input               = local.batch_execution_input[k]
      enabled             = var.batch_schedule_enabled && tobool(local.batch_models[k].enabled)
      description         = "Runs the ${var.name_prefix} batch inference of model ${k} (${expression})."
    } },
  )
}

# ---------------------------------------------------------------------------------------------------------------------
# Alerts that the workflow cannot send itself: a processing job that failed or was stopped (also outside a run), and
# an execution that failed, timed out or was aborted (child executions of the Map included).
# ---------------------------------------------------------------------------------------------------------------------
locals {
  batch_inference_alerts = { for k, a in {
    processing-job-failed = {
      description = "SageMaker Processing jobs of ${var.name_prefix} that failed or were stopped."
      pattern = {
        source        = ["aws.sagemaker"]
        "detail-type" = ["SageMaker Processing Job State Change"]
        detail = {
          ProcessingJobStatus = ["Failed", "Stopped"]
          ProcessingJobName   = [{ prefix = "${local.resource_prefix}-" }]
        }
      }
      input_paths    = { job = "$.detail.ProcessingJobName", status = "$.detail.ProcessingJobStatus", reason = "$.detail.FailureReason" }
      input_template = "\"[${var.name_prefix}] SageMaker Processing job <job> is <status>: <reason>\""
    }
    execution-failed = {
      description = "Executions of the ${var.name_prefix} batch inference state machine (and of its Map's children) that did not succeed."
      pattern = {
        source        = ["aws.states"]
        "detail-type" = ["Step Functions Execution Status Change"]
        detail = {
          status          = ["FAILED", "TIMED_OUT", "ABORTED"]
          stateMachineArn = [local.batch_inference_arn, { prefix = "${local.batch_inference_arn}/" }]
        }
      }
      input_paths    = { name = "$.detail.name", status = "$.detail.status", execution = "$.detail.executionArn" }
      input_template = "\"[${var.name_prefix}] Batch inference execution <name> ended <status>: <execution>\""
    }
  } : k => a if local.create_batch_inference_alerts }
}

resource "aws_cloudwatch_event_rule" "batch_inference_alerts" {
  for_each      = local.batch_inference_alerts
  name          = "${var.name_prefix}-bi-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "batch_inference_alerts" {
  for_each  = local.batch_inference_alerts
  rule      = aws_cloudwatch_event_rule.batch_inference_alerts[each.key].name
  target_id = "notifications"
  arn       = local.notifications_topic_arn

  input_transformer {
    input_paths    = each.value.input_paths
    input_template = each.value.input_template
  }

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }

  depends_on = [module.notifications]
}
