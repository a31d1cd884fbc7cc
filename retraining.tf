# The hourly retraining workflow: schedule -> (Glue ETL) -> training (.sync) -> metrics -> gate ->
# model -> endpoint config -> create or update the endpoint -> wait until InService.

locals {
  retraining_name        = "${var.name_prefix}-retraining"
  endpoint_name          = coalesce(var.endpoint_name, "${var.name_prefix}-endpoint")
  ecr_repository_name    = "${local.resource_prefix}-training"
  ecr_repository_arn     = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${local.ecr_repository_name}"
  ecr_repository_url     = "${local.account_id}.dkr.ecr.${local.region}.${data.aws_partition.current.dns_suffix}/${local.ecr_repository_name}"
  training_image_uri     = var.training_image_uri != null ? var.training_image_uri : "${local.ecr_repository_url}:${var.training_image_tag}"
  retraining_data_prefix = "${local.resource_prefix}/retraining"
  retraining_functions = {
    metrics = {
      function_name = "${local.retraining_name}-metrics"
      handler       = "metrics.handler"
      description   = "Reads the final metrics of a ${var.name_prefix} training job, by name."
      timeout       = 60
      memory_size   = 256
    }
    gate = {
      function_name = "${local.retraining_name}-gate"
      handler       = "gate.handler"
      description   = "Decides whether a ${var.name_prefix} candidate model clears the bar; fails closed."
      timeout       = 60
      memory_size   = 256
    }
  }
  # ARNs follow from names, so the definition and the policies are known, and reviewable, at plan time.
  retraining_function_arns = { for k, f in local.retraining_functions : k => "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${f.function_name}" }
  training_input_channels = var.training_input_channels != null ? var.training_input_channels : {
    train      = "s3://${local.bucket_name}/${local.retraining_data_prefix}/data/train/"
    validation = "s3://${local.bucket_name}/${local.retraining_data_prefix}/data/validation/"
  }
  kms                   = var.kms_key_arn == null ? {} : { KmsKeyId = var.kms_key_arn }
  retraining_output_uri = "s3://${local.bucket_name}/${local.retraining_data_prefix}/models/"

  # Is the gated metric reported? Either a definition names it, or the image is a SageMaker built-in algorithm image
  # from SageMaker's registry account of the image's region ("Docker Registry Paths and Example Code",
  # https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html; the same
  # tables as the SageMaker Python SDK's image_uri_config): sagemaker-xgboost from the XGBoost registries (the
  # scikit-learn ones of batch_inference.tf), and the first-generation algorithms below from their shared registries.
  # Anything else (a copy in another account, a framework image that runs a script) is custom.
  metric_defined                 = contains([for m in var.training_metric_definitions : m.name], var.metric_name)
  builtin_algorithm_registries   = module.conventions.builtin_algorithm_registries
  builtin_algorithm_repositories = module.conventions.builtin_algorithm_repositories
  training_image_regex           = "^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)"
  training_image_parts           = can(regex(local.training_image_regex, local.training_image_uri)) ? regex(local.training_image_regex, local.training_image_uri) : ["", "", ""]
  training_image_builtin = local.training_image_parts[0] != "" && (
    (local.training_image_parts[2] == "sagemaker-xgboost" && lookup(local.sklearn_image_registries, local.training_image_parts[1], "") == local.training_image_parts[0])
    || (contains(local.builtin_algorithm_repositories, local.training_image_parts[2]) && lookup(local.builtin_algorithm_registries, local.training_image_parts[1], "") == local.training_image_parts[0])
  )

  # The execution timeout allows up to three endpoint waits: before training, before the update, for the update.
  retraining_template_vars = local.create_retraining ? {
    partition                 = local.partition
    name_prefix               = var.name_prefix
    model                     = "default"
    name_expression           = local.name_expression
    execution_timeout_seconds = var.training_max_runtime_seconds + 3 * var.endpoint_wait_timeout_seconds + 7200
    glue_job_name             = var.glue_job_name
    glue_arguments            = merge(var.glue_job_arguments, { "--sfn_execution.$" = "$$.Execution.Name" })
    sagemaker_role_arn        = module.iam[0].sagemaker_role_arn
    algorithm_specification = merge(
      { TrainingImage = local.training_image_uri, TrainingInputMode = "File" },
      length(var.training_metric_definitions) == 0 ? {} : { MetricDefinitions = [for m in var.training_metric_definitions : { Name = m.name, Regex = m.regex }] },
    )
    hyperparameters = var.training_hyperparameters
    input_data_config = [for name, uri in local.training_input_channels : {
      ChannelName = name
      ContentType = var.training_input_content_type
      DataSource  = { S3DataSource = { S3DataType = "S3Prefix", S3Uri = uri, S3DataDistributionType = "FullyReplicated" } }
    }]
    output_data_config = merge({ S3OutputPath = local.retraining_output_uri }, local.kms)
    resource_config = merge(
      { InstanceType = var.training_instance_type, InstanceCount = var.training_instance_count, VolumeSizeInGB = var.training_volume_size_gb },
      var.kms_key_arn == null ? {} : { VolumeKmsKeyId = var.kms_key_arn },
    )
    training_max_runtime_seconds = var.training_max_runtime_seconds
    execution_tags               = [local.execution_tag]
    metrics_function_arn         = local.retraining_function_arns["metrics"]
    gate_function_arn            = local.retraining_function_arns["gate"]
    metric_name                  = var.metric_name
    metric_goal                  = var.metric_goal
    metric_threshold             = var.metric_threshold
    metric_min                   = local.metric_min
    metric_max                   = local.metric_max
    compare_with_champion        = var.compare_with_champion
    endpoint_name                = local.endpoint_name
    inference_image_uri          = coalesce(var.inference_image_uri, local.training_image_uri)
    endpoint_config_parameters = merge({
      "EndpointConfigName.$" = local.name_expression
      ProductionVariants = [{
        VariantName          = "AllTraffic"
        "ModelName.$"        = "$.model.ModelName"
        InitialInstanceCount = var.endpoint_instance_count
        InstanceType         = var.endpoint_instance_type
        InitialVariantWeight = 1
      }]
      # The gate reads these tags back as the champion's metric (lambda_src/retraining/gate.py).
      Tags = [
        { Key = "sfn-ml:metric-name", Value = var.metric_name },
        { Key = "sfn-ml:metric-value", "Value.$" = "States.Format('{}', $.decision.metric_value)" },
        local.execution_tag,
      ]
    }, local.kms)
    sns_topic_arn                 = local.notifications_topic_arn
    endpoint_poll_seconds         = var.endpoint_poll_seconds
    endpoint_max_polls            = local.endpoint_max_polls
    endpoint_wait_timeout_seconds = var.endpoint_wait_timeout_seconds
    retry                         = local.retry
    catch_all                     = local.catch_all
    lock_table_name               = local.lock_table_name
    lock_key                      = local.endpoint_name
    lock_retry                    = local.lock_retry
  } : null
  # The workflow's own states plus the shared create-or-update-the-endpoint-and-wait states.
  retraining_main = local.create_retraining ? jsondecode(templatefile("${path.module}/definitions/retraining.asl.json.tftpl", local.retraining_template_vars)) : null
  retraining_definition = local.create_retraining ? jsonencode(merge(local.retraining_main, {
    States = merge(local.retraining_main.States, jsondecode(templatefile(
      "${path.module}/definitions/deploy_endpoint.states.json.tftpl",
      merge(local.retraining_template_vars, { config_label = "new" }),
    )))
  })) : null
}

module "ecr_repository" {
  source = "./modules/ecr_repository"
  count  = local.create_ecr ? 1 : 0

  name        = local.ecr_repository_name
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}

module "iam" {
  source = "./modules/iam"
  count  = local.create_retraining ? 1 : 0

  name_prefix               = "${var.name_prefix}-rt"
  sagemaker_resource_prefix = local.resource_prefix
  account_id                = local.account_id
  region                    = local.region
  partition                 = local.partition
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags

  # Exactly the inputs: the channels (any bucket), the output path, the training and inference images (any
  # repository, other accounts included), the KMS key; names of the fixed "<prefix>-rt-<32 hex>" shape.
  create_sagemaker_role         = var.sagemaker_role_arn == null
  sagemaker_role_arn            = var.sagemaker_role_arn
  sagemaker_s3_read_uris        = values(local.training_input_channels)
  sagemaker_s3_write_uris       = [local.retraining_output_uri]
  sagemaker_image_uris          = distinct([local.training_image_uri, coalesce(var.inference_image_uri, local.training_image_uri)])
  sagemaker_name_suffix_pattern = local.name_suffix_pattern["rt"]

  create_lambda_role    = var.lambda_role_arn == null
  lambda_function_names = [for f in values(local.retraining_functions) : f.function_name]
  endpoint_names        = [local.endpoint_name]

  create_state_machine_role = var.state_machine_role_arn == null
  state_machine_name        = local.retraining_name
  sagemaker_job_types       = ["training"]
  sagemaker_deploys_models  = true
  glue_job_names            = var.glue_job_name == null ? [] : [var.glue_job_name]
  lambda_function_arns      = values(local.retraining_function_arns)
  sns_topic_arns            = [local.notifications_topic_arn]
  lock_table_arns           = [local.lock_table_arn]
}

module "retraining_functions" {
  source = "./modules/lambda_function"
  count  = local.create_retraining ? 1 : 0

  functions          = local.retraining_functions
  package_path       = "${path.module}/lambda_src/packages/retraining.zip"
  runtime            = var.lambda_runtime
  role_arn           = coalesce(var.lambda_role_arn, module.iam[0].lambda_role_arn)
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

module "retraining_state_machine" {
  source = "./modules/state_machine"
  count  = local.create_retraining ? 1 : 0

  name               = local.retraining_name
  definition         = local.retraining_definition
  role_arn           = coalesce(var.state_machine_role_arn, module.iam[0].state_machine_role_arn)
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  # Step Functions checks the role's permissions (e.g. the .sync managed rules) when it creates the machine, and
  # the definition names the functions and the topic by ARN.
  depends_on = [module.iam, module.retraining_functions, module.notifications, module.ecr_repository, module.endpoint_lock]
}

module "retraining_schedule" {
  source = "./modules/schedule"
  count  = local.create_retraining ? 1 : 0

  name_prefix       = local.retraining_name
  state_machine_arn = module.retraining_state_machine[0].arn
  kms_key_arn       = var.kms_key_arn
  tags              = var.tags
  schedules = {
    hourly = {
      schedule_expression = var.schedule_expression
      input               = jsonencode({ trigger = "schedule", workflow = "retraining" })
      enabled             = var.schedule_enabled
      description         = "Starts the ${var.name_prefix} retraining workflow (${var.schedule_expression})."
    }
  }
}
