# The hourly retraining workflow, once per model of var.models: schedule -> (Glue ETL) -> training (.sync) ->
# metrics -> gate -> model -> endpoint config -> create or update the endpoint -> wait until InService -> delete the
# superseded models and endpoint configs (retention.tf).
# Every per-model resource is for_each over the model keys, so adding or removing a model touches only its own
# resources; the metrics and gate functions (which get everything model-specific from their event) and their role
# are shared by the models of one call.

module "conventions" {
  source = "../conventions"
}

data "aws_caller_identity" "current" {
  count = var.account_id == null ? 1 : 0
}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = var.account_id != null ? var.account_id : data.aws_caller_identity.current[0].account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix

  # SageMaker ARNs carry names in lower case; the IAM policies are scoped to these prefixes.
  resource_prefix = lower(var.name_prefix)
  bucket_name     = var.artifact_bucket_name
  workflow_name   = "${var.name_prefix}-retraining"
  # The gate's custom metrics (GatedMetricValue, GateThreshold, GateDeploy by StateMachine); its role may put
  # metrics only in this namespace.
  metrics_namespace = "${var.name_prefix}/Retraining"

  # An empty name only while check_lock_table refuses the plan (no "null in string template" cascade).
  lock_table_name = var.create_lock_table ? "${var.name_prefix}-rt-endpoint-locks" : var.lock_table_name == null ? "" : var.lock_table_name
  lock_table_arn  = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.lock_table_name}"

  ecr_repository_name = "${local.resource_prefix}-rt-training"

  functions = {
    metrics = {
      function_name = "${local.workflow_name}-metrics"
      handler       = "metrics.handler"
      description   = "Reads the final metrics of a ${var.name_prefix} training job, by name."
      timeout       = 60
      memory_size   = 256
    }
    gate = {
      function_name = "${local.workflow_name}-gate"
      handler       = "gate.handler"
      description   = "Decides whether a ${var.name_prefix} candidate model clears the bar; fails closed."
      timeout       = 60
      memory_size   = 256
    }
    fingerprint = {
      function_name = "${local.workflow_name}-fingerprint"
      handler       = "fingerprint.handler"
      description   = "Fingerprints the training channels of a ${var.name_prefix} run (keys, sizes, ETags), to skip unchanged data."
      timeout       = 300
      memory_size   = 256
    }
  }
  # ARNs follow from names, so the definitions and the policies are known, and reviewable, at plan time.
  function_arns = { for k, f in local.functions : k => "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${f.function_name}" }

  kms = var.kms_key_arn == null ? {} : { KmsKeyId = var.kms_key_arn }

  # ---------------------------------------------------------------------------------------------------------------
  # Models: var.models is `any` (Terraform 1.0 has no optional() attributes), checked by its validations and by the
  # checks below, and completed here with these defaults. Keep this list in step with the variable's field list.
  # ---------------------------------------------------------------------------------------------------------------
  model_defaults = {
    training_image_uri           = null
    inference_image_uri          = null
    training_instance_type       = "ml.m5.xlarge"
    training_instance_count      = 1
    training_volume_size_gb      = 30
    training_max_runtime_seconds = 3600
    hyperparameters              = {}
    metric_definitions           = []
    input_channels               = null
    input_content_type           = "text/csv"
    metric_name                  = "validation:accuracy"
    metric_goal                  = "maximize"
    metric_threshold             = 0.9
    metric_min                   = null
    metric_max                   = null
    compare_with_champion        = false
    endpoint_name                = null
    endpoint_instance_type       = "ml.m5.large"
    endpoint_instance_count      = 1
    glue_job_name                = null
    glue_job_arguments           = {}
    schedule_expression          = "rate(1 hour)"
    schedule_enabled             = true
    skip_unchanged_data          = true
    notify_unchanged_data        = false
  }
  given = { for k, m in var.models : k => merge(local.model_defaults, m) }

  models = { for k, m in local.given : k => {
    key              = k
    prefix           = "${local.resource_prefix}-${k}"
    state_machine    = "${var.name_prefix}-${k}-retraining"
    data_prefix      = "${local.resource_prefix}/retraining/${k}"
    training_image   = m.training_image_uri
    inference_image  = m.inference_image_uri != null ? m.inference_image_uri : m.training_image_uri
    endpoint_name    = m.endpoint_name != null ? m.endpoint_name : "${var.name_prefix}-${k}"
    instance_type    = m.training_instance_type
    instance_count   = m.training_instance_count
    volume_size_gb   = m.training_volume_size_gb
    max_runtime      = m.training_max_runtime_seconds
    hyperparameters  = try({ for h, v in m.hyperparameters : h => tostring(v) }, {})
    definitions      = try([for d in m.metric_definitions : { name = d.name, regex = d.regex }], [])
    input_channels   = m.input_channels
    content_type     = m.input_content_type
    metric_name      = m.metric_name
    metric_goal      = m.metric_goal
    metric_threshold = m.metric_threshold
    metric_min       = m.metric_min
    metric_max       = m.metric_max
    compare          = try(tobool(m.compare_with_champion), false)
    ep_type          = m.endpoint_instance_type
    ep_count         = m.endpoint_instance_count
    glue_job_name    = m.glue_job_name
    glue_arguments   = try({ for a, v in m.glue_job_arguments : a => tostring(v) }, {})
    schedule         = m.schedule_expression
    schedule_enabled = try(tobool(m.schedule_enabled), true)
    skip_unchanged   = try(tobool(m.skip_unchanged_data), true)
    notify_unchanged = try(tobool(m.notify_unchanged_data), false)
  } }

  # for_each keys: a map of strings (the models' objects may differ in type, which a conditional cannot unify).
  model_keys = { for k in keys(local.models) : k => k }

  channels = { for k, m in local.models : k => m.input_channels != null ? { for c, u in m.input_channels : c => tostring(u) } : {
    train      = "s3://${local.bucket_name}/${m.data_prefix}/data/train/"
    validation = "s3://${local.bucket_name}/${m.data_prefix}/data/validation/"
  } }
  output_uris = { for k, m in local.models : k => "s3://${local.bucket_name}/${m.data_prefix}/models/" }

  # "<prefix>-<model>-rt-<32 hex>": the model key has no hyphen, so "<prefix>-<model>" names one (prefix, model)
  # and the fixed-length IAM pattern of one never matches another's names (modules/conventions).
  name_expressions        = { for k, m in local.models : k => "States.Format('{}-rt-{}', '${m.prefix}', ${module.conventions.sagemaker_name_hash})" }
  sagemaker_role_arns     = { for k, m in local.models : k => var.create_sagemaker_role ? module.iam[k].sagemaker_role_arn : var.sagemaker_role_arn }
  state_machine_role_arns = { for k, m in local.models : k => var.create_state_machine_role ? module.iam[k].state_machine_role_arn : var.state_machine_role_arn }
  lambda_role_arn         = var.create_lambda_role ? try(module.lambda_iam[0].lambda_role_arn, null) : var.lambda_role_arn
  state_machine_arns      = { for k, m in local.models : k => "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${m.state_machine}" }

  algorithm_specifications = { for k, m in local.models : k => merge(
    { TrainingImage = m.training_image, TrainingInputMode = "File" },
    length(m.definitions) == 0 ? {} : { MetricDefinitions = [for d in m.definitions : { Name = d.name, Regex = d.regex }] },
  ) }
  input_data_configs = { for k, m in local.models : k => [for name, uri in local.channels[k] : {
    ChannelName = name
    ContentType = m.content_type
    DataSource  = { S3DataSource = { S3DataType = "S3Prefix", S3Uri = uri, S3DataDistributionType = "FullyReplicated" } }
  }] }

  # The execution timeout allows up to three endpoint waits: before training, before the update, for the update.
  template_vars = { for k, m in local.models : k => {
    partition                 = local.partition
    name_prefix               = var.name_prefix
    model                     = k
    name_expression           = local.name_expressions[k]
    execution_timeout_seconds = m.max_runtime + 3 * var.endpoint_wait_timeout_seconds + 7200
    glue_job_name             = m.glue_job_name
    glue_arguments            = merge(m.glue_arguments, { "--sfn_execution.$" = "$$.Execution.Name" })
    sagemaker_role_arn        = local.sagemaker_role_arns[k]
    algorithm_specification   = local.algorithm_specifications[k]
    hyperparameters           = m.hyperparameters
    input_data_config         = local.input_data_configs[k]
    output_data_config        = merge({ S3OutputPath = local.output_uris[k] }, local.kms)
    resource_config = merge(
      { InstanceType = m.instance_type, InstanceCount = m.instance_count, VolumeSizeInGB = m.volume_size_gb },
      var.kms_key_arn == null ? {} : { VolumeKmsKeyId = var.kms_key_arn },
    )
    training_max_runtime_seconds = m.max_runtime
    # Network settings of the training job and the model (network.tf); empty unless set.
    training_network = local.training_network
    model_network    = local.model_network
    # Skipping unchanged data: the fingerprint of the last run that reached the gate is an item of the lock table
    # (an endpoint name cannot hold "#", so the key never names a lock).
    skip_unchanged_data      = m.skip_unchanged
    notify_unchanged_data    = m.notify_unchanged
    fingerprint_function_arn = local.function_arns["fingerprint"]
    fingerprint_key          = "data#${m.state_machine}"
    fingerprint_channels     = local.channels[k]
    # What else makes a training differ on the same data: a change of image, hyperparameters, channels' settings,
    # instance or runtime trains again.
    training_config_digest = sha256(jsonencode({
      algorithm  = local.algorithm_specifications[k]
      hyper      = m.hyperparameters
      channels   = local.input_data_configs[k]
      resources  = [m.instance_type, m.instance_count, m.volume_size_gb]
      runtime    = m.max_runtime
      inference  = m.inference_image
      output_uri = local.output_uris[k]
    }))
    execution_tags        = [module.conventions.execution_tag]
    metrics_function_arn  = local.function_arns["metrics"]
    gate_function_arn     = local.function_arns["gate"]
    metric_name           = m.metric_name
    metric_goal           = m.metric_goal
    metric_threshold      = m.metric_threshold
    metric_min            = local.metric_min[k]
    metric_max            = local.metric_max[k]
    compare_with_champion = m.compare
    endpoint_name         = m.endpoint_name
    inference_image_uri   = m.inference_image
    endpoint_config_parameters = merge({
      "EndpointConfigName.$" = local.name_expressions[k]
      ProductionVariants = [{
        VariantName          = "AllTraffic"
        "ModelName.$"        = "$.model.ModelName"
        InitialInstanceCount = m.ep_count
        InstanceType         = m.ep_type
        InitialVariantWeight = 1
      }]
      # The gate reads these tags back as the champion's metric (lambda_src/retraining/gate.py).
      Tags = [
        { Key = "sfn-ml:metric-name", Value = m.metric_name },
        { Key = "sfn-ml:metric-value", "Value.$" = "States.Format('{}', $.decision.metric_value)" },
        module.conventions.execution_tag,
      ]
    }, local.kms)
    sns_topic_arn                 = var.notifications_topic_arn
    endpoint_poll_seconds         = var.endpoint_poll_seconds
    endpoint_max_polls            = local.endpoint_max_polls
    endpoint_wait_timeout_seconds = var.endpoint_wait_timeout_seconds
    retry                         = module.conventions.retry
    catch_all                     = module.conventions.catch_all
    lock_table_name               = local.lock_table_name
    lock_key                      = m.endpoint_name
    lock_retry                    = module.conventions.lock_retry
    retention_function_arn        = local.retention_function_arn
    retention_name_prefix         = "${m.prefix}-rt-"
    retain_previous_models        = var.retain_previous_models
    metrics_namespace             = local.metrics_namespace
    state_machine_name            = m.state_machine
  } }
  # The workflow's own states plus the shared create-or-update-the-endpoint-and-wait states.
  main_states = { for k, v in local.template_vars : k => jsondecode(templatefile("${path.module}/../../definitions/retraining.asl.json.tftpl", v)) }
  definitions = { for k, v in local.template_vars : k => jsonencode(merge(local.main_states[k], {
    States = merge(local.main_states[k].States, jsondecode(templatefile(
      "${path.module}/../../definitions/deploy_endpoint.states.json.tftpl",
      merge(v, { config_label = "new", deployment_config = module.endpoint_rollout.deployment_configs[k] }),
    )))
  })) }
}

module "ecr_repository" {
  source = "../ecr_repository"
  count  = var.create_ecr_repository ? 1 : 0

  name        = local.ecr_repository_name
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}

module "endpoint_lock" {
  source = "../endpoint_lock"
  count  = var.create_lock_table ? 1 : 0

  name        = local.lock_table_name
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}

module "functions" {
  source = "../lambda_function"
  count  = length(local.models) > 0 ? 1 : 0

  functions          = local.functions
  package_path       = "${path.module}/../../lambda_src/packages/retraining.zip"
  runtime            = var.lambda_runtime
  role_arn           = local.lambda_role_arn
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  vpc_subnet_ids         = var.lambda_subnet_ids
  vpc_security_group_ids = var.lambda_security_group_ids

  depends_on = [aws_iam_role_policy.lambda_read]
}

module "state_machine" {
  source   = "../state_machine"
  for_each = local.model_keys

  name               = local.models[each.key].state_machine
  definition         = local.definitions[each.key]
  role_arn           = local.state_machine_role_arns[each.key]
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  # Step Functions checks the role's permissions (e.g. the .sync managed rules) when it creates the machine, and
  # the definition names the functions, the lock table and the SageMaker role by ARN.
  depends_on = [module.iam, module.functions, module.endpoint_lock]
}

module "schedule" {
  source   = "../schedule"
  for_each = local.model_keys

  name_prefix       = "${var.name_prefix}-${each.key}-rt"
  state_machine_arn = module.state_machine[each.key].arn
  kms_key_arn       = var.kms_key_arn
  tags              = var.tags
  schedules = {
    hourly = {
      schedule_expression = local.models[each.key].schedule
      input               = jsonencode({ trigger = "schedule", workflow = "retraining", model = each.key })
      enabled             = local.models[each.key].schedule_enabled
      description         = "Starts the ${var.name_prefix} retraining of ${each.key} (${local.models[each.key].schedule})."
    }
  }
}

# Nothing fails silently: an execution that fails outside a Catch (States.Runtime), times out or is aborted never
# reaches the workflow's own NotifyFailure state; Step Functions' status change events do (one rule per model).
module "execution_alerts" {
  source = "../event_alerts"
  count  = var.create_execution_alerts && length(local.models) > 0 ? 1 : 0

  name_prefix = "${var.name_prefix}-rt"
  topic_arn   = var.notifications_topic_arn
  tags        = var.tags
  rules = { for k, m in local.models : "${k}-executions" => {
    description = "Executions of the ${var.name_prefix} retraining of ${k} that failed, timed out or were aborted."
    pattern = {
      source        = ["aws.states"]
      "detail-type" = ["Step Functions Execution Status Change"]
      detail = {
        stateMachineArn = [local.state_machine_arns[k]]
        "$or"           = module.conventions.execution_alert_status_patterns["rt"]
      }
    }
    input_paths = {
      name      = "$.detail.name"
      status    = "$.detail.status"
      execution = "$.detail.executionArn"
    }
    # Only values that cannot hold a quote: error and cause (free text, possibly absent) could break the JSON
    # string, and a message EventBridge cannot build is never delivered. The execution's history has them.
    input_template = "\"[${var.name_prefix}] Retraining of ${k}: execution <name> ended <status>, see its history: <execution>\""
  } }
}

# CloudWatch alarms per model's state machine and schedule dead-letter queue, on the functions' errors (retention's too), and
# the workflow's dashboard (modules/workflow_monitoring). The gate publishes to local.metrics_namespace.
module "monitoring" {
  source = "../workflow_monitoring"
  count  = length(local.models) > 0 && (var.create_alarms || var.create_dashboard) ? 1 : 0

  name_prefix                     = "${var.name_prefix}-rt"
  topic_arn                       = var.notifications_topic_arn
  account_id                      = local.account_id
  region                          = local.region
  partition                       = local.partition
  tags                            = var.tags
  create_state_machine_alarms     = var.create_alarms && contains(var.alarm_kinds, "executions")
  create_lambda_alarms            = var.create_alarms && contains(var.alarm_kinds, "lambda_errors")
  create_dead_letter_queue_alarms = var.create_alarms && contains(var.alarm_kinds, "dead_letter_queue")
  create_dashboard                = var.create_dashboard
  state_machines                  = local.state_machine_arns
  state_machine_names             = { for k, m in local.models : k => m.state_machine }
  lambda_function_names           = merge({ for k, f in local.functions : k => f.function_name }, { retention = local.retention_function.retention.function_name })
  dead_letter_queue_names         = { for k in keys(local.models) : k => "${var.name_prefix}-${k}-rt-schedule-dlq" }
  endpoint_names                  = { for k, m in local.models : k => m.endpoint_name }
  gate_metrics_namespace          = local.metrics_namespace
}
