# Terraform 1.0.3 has no preconditions, and a validation may only read its own variable: the checks across
# variables and of each model's fields fail planning here, with one message naming `models["<key>"].<field>` (or the
# variables) and what is allowed ("Invalid function argument ... cannot convert "<message>" to bool"). A check on a
# value known only at apply (an image URI built from the caller's repository) is decided at apply.

locals {
  ecr_image_regex = "^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})?$"
  # Exactly the regex of modules/schedule/variables.tf (cron: exactly one of day-of-month and day-of-week is "?").
  schedule_regex      = "^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\([^ ?()]+ [^ ?()]+ (\\? [^ ?()]+ [^ ?()]+|[^ ?()]+ [^ ?()]+ \\?) [^ ?()]+\\))$"
  instance_type_regex = "^ml\\.[a-z0-9-]+\\.[a-z0-9]+$"

  # Is the gated metric reported? Either a definition names it, or the image is a SageMaker built-in algorithm image
  # from SageMaker's registry account of the image's region ("Docker Registry Paths and Example Code",
  # https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html): sagemaker-xgboost
  # from the XGBoost registries, and the first-generation algorithms from their shared registries. Anything else (a
  # copy in another account, a framework image that runs a script) is custom and reports nothing without a definition.
  image_parts_regex = "^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)"
  metric_defined    = { for k, m in local.given : k => try(contains([for d in m.metric_definitions : d.name], m.metric_name), false) }
  image_parts       = { for k, m in local.given : k => try(regex(local.image_parts_regex, m.training_image_uri), ["", "", ""]) }
  image_builtin = { for k, p in local.image_parts : k => p[0] != "" && (
    (p[2] == "sagemaker-xgboost" && lookup(module.conventions.sklearn_image_registries, p[1], "") == p[0])
    || (contains(module.conventions.builtin_algorithm_repositories, p[2]) && lookup(module.conventions.builtin_algorithm_registries, p[1], "") == p[0])
  ) }

  model_errors = flatten([for k, m in local.given : [
    length(local.resource_prefix) + 1 + length(k) <= 26 ? "" : "The name_prefix and the key of models[\"${k}\"] must be at most 25 characters together (len(name_prefix) + 1 + len(key) <= 26): the model's SageMaker names are <name_prefix>-<key>-rt-<32 hex digits>, at most 63 characters.",
    m.training_image_uri == null ? "The models[\"${k}\"].training_image_uri must be set: the ECR image the training job runs (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:tag|@sha256:digest]). There is no default, so that a model without an image does not start failing runs every hour." : "",
    try(m.training_image_uri == null ? true : (can(regex(local.ecr_image_regex, m.training_image_uri))), false) ? "" : "The models[\"${k}\"].training_image_uri must be an ECR image URI: ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:tag|@sha256:digest].",
    try(m.inference_image_uri == null ? true : (can(regex(local.ecr_image_regex, m.inference_image_uri))), false) ? "" : "The models[\"${k}\"].inference_image_uri must be an ECR image URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:tag|@sha256:digest]), or null for the training image.",
    try(can(regex(local.instance_type_regex, m.training_instance_type)), false) ? "" : "The models[\"${k}\"].training_instance_type must be a SageMaker instance type such as ml.m5.xlarge.",
    try(can(regex(local.instance_type_regex, m.endpoint_instance_type)), false) ? "" : "The models[\"${k}\"].endpoint_instance_type must be a SageMaker instance type such as ml.m5.large.",
    try(tonumber(m.training_instance_count) >= 1 && tonumber(m.training_instance_count) <= 100 && floor(tonumber(m.training_instance_count)) == tonumber(m.training_instance_count), false) ? "" : "The models[\"${k}\"].training_instance_count must be a whole number from 1 to 100.",
    try(tonumber(m.training_volume_size_gb) >= 1 && tonumber(m.training_volume_size_gb) <= 16384 && floor(tonumber(m.training_volume_size_gb)) == tonumber(m.training_volume_size_gb), false) ? "" : "The models[\"${k}\"].training_volume_size_gb must be a whole number from 1 to 16384.",
    try(tonumber(m.training_max_runtime_seconds) >= 1 && tonumber(m.training_max_runtime_seconds) <= 2419200 && floor(tonumber(m.training_max_runtime_seconds)) == tonumber(m.training_max_runtime_seconds), false) ? "" : "The models[\"${k}\"].training_max_runtime_seconds must be a whole number from 1 to 2419200 (28 days).",
    try(tonumber(m.endpoint_instance_count) >= 1 && tonumber(m.endpoint_instance_count) <= 1000 && floor(tonumber(m.endpoint_instance_count)) == tonumber(m.endpoint_instance_count), false) ? "" : "The models[\"${k}\"].endpoint_instance_count must be a whole number from 1 to 1000.",
    try(length(m.hyperparameters) <= 100 && alltrue([for h, v in m.hyperparameters : length(h) >= 1 && length(h) <= 256 && length(tostring(v)) <= 2500]), false) ? "" : "The models[\"${k}\"].hyperparameters must be a map of at most 100 entries, keys of 1-256 and values of up to 2500 characters.",
    try(length(m.metric_definitions) <= 40 && alltrue([for d in m.metric_definitions : length(keys(d)) == 2 && length(d.name) >= 1 && length(d.name) <= 255 && length(d.regex) >= 1 && length(d.regex) <= 500]), false) ? "" : "The models[\"${k}\"].metric_definitions must be a list of at most 40 { name, regex } objects, each with a name of 1-255 and a regex of 1-500 characters.",
    try(m.input_channels == null ? true : ((length(m.input_channels) >= 1 && length(m.input_channels) <= 20 && alltrue([for c, u in m.input_channels : can(regex("^[A-Za-z0-9.\\-_]{1,64}$", c)) && can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/", u))]))), false) ? "" : "The models[\"${k}\"].input_channels must map 1-20 channel names of 1-64 letters, digits, '.', '-' or '_' to s3://bucket/prefix URIs, or be null for train and validation under the artifact bucket.",
    try(can(regex("^[a-z]+/[a-zA-Z0-9.+-]+$", m.input_content_type)), false) ? "" : "The models[\"${k}\"].input_content_type must be a MIME type such as text/csv.",
    # SageMaker tag values: letters, digits, spaces and _ . : / = + - @ (the metric name is a tag value of the endpoint config).
    try(can(regex("^[\\p{L}\\p{N}_.:/=+@-][\\p{L}\\p{Z}\\p{N}_.:/=+@-]{0,254}$", m.metric_name)), false) ? "" : "The models[\"${k}\"].metric_name must be 1-255 characters of letters, digits, spaces and _ . : / = + - @ (the characters of a SageMaker tag value), not starting with a space.",
    try(contains(["maximize", "minimize"], m.metric_goal), false) ? "" : "The models[\"${k}\"].metric_goal must be \"maximize\" or \"minimize\".",
    try(tonumber(m.metric_threshold) >= 0 && tonumber(m.metric_threshold) <= 1000000000, false) ? "" : "The models[\"${k}\"].metric_threshold must be a number from 0 to 1e9: the gated metrics (accuracy, error, AUC, F1, RMSE, log loss) are not negative.",
    try(m.metric_min == null ? true : (tonumber(m.metric_min) == tonumber(m.metric_min)), false) ? "" : "The models[\"${k}\"].metric_min must be a number or null.",
    try(m.metric_max == null ? true : (tonumber(m.metric_max) == tonumber(m.metric_max)), false) ? "" : "The models[\"${k}\"].metric_max must be a number or null.",
    try(tobool(m.compare_with_champion) == tobool(m.compare_with_champion), false) ? "" : "The models[\"${k}\"].compare_with_champion must be true or false.",
    try(m.endpoint_name == null ? true : ((can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", m.endpoint_name)) && length(m.endpoint_name) <= 63)), false) ? "" : "The models[\"${k}\"].endpoint_name must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit, or null for <name_prefix>-<key>.",
    try(m.glue_job_name == null ? true : (can(regex("^[\\w .-]{1,255}$", m.glue_job_name))), false) ? "" : "The models[\"${k}\"].glue_job_name must be 1-255 letters, digits, spaces, '_', '.' or '-', or null to skip the ETL step.",
    try(alltrue([for a, v in m.glue_job_arguments : can(regex("^--[A-Za-z0-9_.-]+$", a)) && length(tostring(v)) >= 0]), false) ? "" : "The models[\"${k}\"].glue_job_arguments must map Glue argument names such as \"--input\" to strings.",
    try(can(regex(local.schedule_regex, m.schedule_expression)), false) ? "" : "The models[\"${k}\"].schedule_expression must be rate(1 hour), rate(N hours) (likewise minute/minutes, day/days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with exactly one of day-of-month and day-of-week set to ? (EventBridge refuses both set or both ?), e.g. \"rate(1 hour)\" or \"cron(0 * * * ? *)\".",
    try(tobool(m.schedule_enabled) == tobool(m.schedule_enabled), false) ? "" : "The models[\"${k}\"].schedule_enabled must be true or false.",
    try(tobool(m.skip_unchanged_data) == tobool(m.skip_unchanged_data), false) ? "" : "The models[\"${k}\"].skip_unchanged_data must be true or false.",
    try(tobool(m.notify_unchanged_data) == tobool(m.notify_unchanged_data), false) ? "" : "The models[\"${k}\"].notify_unchanged_data must be true or false.",
  ]])
  check_models = length(compact(local.model_errors)) == 0 ? true : tobool("${join(" ", compact(local.model_errors))} (In the root module, models is retraining_models.)")

  # Evaluated on completed models only once their fields are valid (check_models), so that a bad field gives its own
  # message, not one of these. (Conditionals, not ||: Terraform 1.0.3 evaluates both sides and null < 1 is an error.)
  range_errors = flatten([for k, m in local.models : local.check_models ? [
    (local.metric_min[k] == null || local.metric_max[k] == null ? true : local.metric_min[k] < local.metric_max[k]) ? "" : "The models[\"${k}\"].metric_min must be less than its metric_max (after defaults for the metric_name's well-known range, see docs/metric_range.md).",
    ((local.metric_min[k] == null ? true : m.metric_threshold >= local.metric_min[k]) && (local.metric_max[k] == null ? true : m.metric_threshold <= local.metric_max[k])) ? "" : "The models[\"${k}\"].metric_threshold must lie within the metric's range given by its metric_min and metric_max (after defaults for the metric_name's well-known range, see docs/metric_range.md).",
    # The check does not need the image URI when a definition names metric_name, so an image URI unknown at plan plans.
    local.metric_defined[k] ? "" : local.image_builtin[k] ? "" : "The models[\"${k}\"].metric_name must be the name of one of its metric_definitions (a regex over the training job's log lines) unless its training_image_uri is a SageMaker built-in algorithm image: a custom image reports no metric without a definition, and none is named ${m.metric_name}.",
  ] : []])
  check_ranges = length(compact(local.range_errors)) == 0 ? true : tobool("${join(" ", compact(local.range_errors))} (In the root module, models is retraining_models.)")

  check_roles = (var.create_sagemaker_role || var.sagemaker_role_arn != null) && (var.create_state_machine_role || var.state_machine_role_arn != null) && (var.create_lambda_role || var.lambda_role_arn != null) ? true : tobool(
    "The sagemaker_role_arn, state_machine_role_arn and lambda_role_arn must each be set when its create_sagemaker_role, create_state_machine_role or create_lambda_role is false."
  )
  check_lock_table = var.create_lock_table || var.lock_table_name != null ? true : tobool(
    "The lock_table_name must be set when create_lock_table is false."
  )
}

# Execution history: AWS keeps at most 25,000 events per execution
# (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). Each poll of an endpoint wait loop costs
# 11 events, and an execution can run three such loops (before training, before the update, the update itself): 33
# per allowed poll. 500 polls -> 16,500 events, leaving > 8,000 for the rest of the run.
locals {
  endpoint_polls     = ceil(var.endpoint_wait_timeout_seconds / var.endpoint_poll_seconds)
  endpoint_max_polls = local.check_endpoint_polls ? local.endpoint_polls : 0
  check_endpoint_polls = local.endpoint_polls <= 500 ? true : tobool(
    "The endpoint_wait_timeout_seconds must be at most 500 times endpoint_poll_seconds (at most 500 polls per wait: an execution history holds 25,000 events and each poll costs 33 across the three endpoint waits); raise endpoint_poll_seconds or lower endpoint_wait_timeout_seconds."
  )
}
