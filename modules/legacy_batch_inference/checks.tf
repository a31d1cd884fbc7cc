# ---------------------------------------------------------------------------------------------------------------------
# Checks of each model's fields and of combinations of inputs. Terraform 1.0.3 has neither preconditions nor
# variable validations whose message can name a map key, so each check fails planning here with a message naming
# models["<key>"].<field> ("Invalid function argument ... cannot convert "<message>" to bool"). Each check reads
# only what it names: a value unknown at plan (an image URI or a bucket of the caller's own) is checked once known.
# The root module passes its batch_inference_models as models: models["iris"] is batch_inference_models["iris"].
# ---------------------------------------------------------------------------------------------------------------------
locals {
  ecr_image_regex   = "^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$"
  s3_uri_regex      = "^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/"
  s3_prefix_regex   = "^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/(.*/)?$"
  instance_regex    = "^ml\\.[a-z0-9-]+\\.[a-z0-9]+$"
  script_regex      = "^[A-Za-z0-9_][A-Za-z0-9_./-]*\\.py$"
  schedule_regex    = "^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\([^ ?()]+ [^ ?()]+ (\\? [^ ?()]+ [^ ?()]+|[^ ?()]+ [^ ?()]+ \\?) [^ ?()]+\\))$"
  step_kinds        = ["", "preprocess_", "inference_", "postprocess_"]
  schedule_allowed  = "null (the model runs on the shared schedule_expression), rate(1 hour), rate(N hours) (likewise minute/minutes, day/days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with exactly one of day-of-month and day-of-week set to ?, e.g. \"cron(0 3 * * ? *)\""
  preprocess_counts = { for k, m in local.models : k => try(length(tolist(m.preprocess_scripts)), -1) }

  # Per model, its problems as [key, field, problem]; the first problem fails the plan.
  model_problems = { for k, m in local.models : k => concat(
    (m.scripts_path == null) == (m.code_uri == null) ? [[k, "scripts_path", "exactly one of scripts_path (the local directory, e.g. \"$${path.module}/models/${k}\", that holds its scripts) and code_uri (an S3 prefix ending with \"/\" where you keep them) must be set"]] : [],
    m.code_uri == null || can(regex(local.s3_prefix_regex, m.code_uri)) ? [] : [[k, "code_uri", "must be an S3 prefix ending with \"/\", e.g. s3://team-code/${k}/v3/"]],
    local.preprocess_counts[k] >= 1 && local.preprocess_counts[k] <= 10 ? [] : [[k, "preprocess_scripts", "must list 1-10 scripts"]],
    [for f in ["preprocess_scripts", "predict_script", "postprocess_script"] : [k, f, "must be .py paths relative to scripts_path (or code_uri), without \"..\"; only predict_script may be null (to run the inference image's own entrypoint)"]
      if !try(alltrue([for s in flatten([m[f]]) : (s == null && f == "predict_script") || (s != null && can(regex(local.script_regex, s)) && !can(regex("\\.\\.", s)))]), false)
    ],
    m.scripts_path == null ? [] : [for s in flatten([try(tolist(m.preprocess_scripts), []), [m.predict_script], [m.postprocess_script]]) : [k, "scripts_path", "must hold the model's preprocess_scripts, predict_script and postprocess_script, each of which must exist there: ${s} is not in ${m.scripts_path}"] if try(s != null && !fileexists("${m.scripts_path}/${s}"), false)],
    (m.image_uri == null) != (m.image_tag == null) ? [] : [[k, "image_uri", "exactly one of image_uri (the ECR image URI of the inference step) and image_tag (a tag in the repository the submodule creates) must be set"]],
    [for f in ["image_uri", "sklearn_image_uri"] : [k, f, "must be an ECR image URI such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/legacy:iris-3f2a1bc (SageMaker Processing runs images from ECR only)"] if !(m[f] == null || can(regex(local.ecr_image_regex, m[f])))],
    m.image_tag == null || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", m.image_tag)) ? [] : [[k, "image_tag", "must be 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'"]],
    m.image_tag == null || var.create_ecr_repository ? [] : [[k, "image_tag", "needs the repository the submodule creates (create_ecr_repository = true); with create_ecr_repository = false set image_uri"]],
    [for p in local.step_kinds : [k, "${p}instance_type", "must be a SageMaker instance type such as ml.m5.xlarge"] if !(m["${p}instance_type"] == null || can(regex(local.instance_regex, m["${p}instance_type"])))],
    [for p in local.step_kinds : [k, "${p}volume_size_gb", "must be a whole number from 1 to 16384 (GB), the range SageMaker Processing accepts"] if !(m["${p}volume_size_gb"] == null || try(tonumber(m["${p}volume_size_gb"]) >= 1 && tonumber(m["${p}volume_size_gb"]) <= 16384 && floor(tonumber(m["${p}volume_size_gb"])) == tonumber(m["${p}volume_size_gb"]), false))],
    [for p in local.step_kinds : [k, "${p}max_runtime_seconds", "must be a whole number from 1 to 777600 (9 days), the range SageMaker Processing accepts"] if !(m["${p}max_runtime_seconds"] == null || try(tonumber(m["${p}max_runtime_seconds"]) >= 1 && tonumber(m["${p}max_runtime_seconds"]) <= 777600 && floor(tonumber(m["${p}max_runtime_seconds"])) == tonumber(m["${p}max_runtime_seconds"]), false))],
    m.input_uri == null || can(regex(local.s3_uri_regex, m.input_uri)) ? [] : [[k, "input_uri", "must be an S3 URI (s3://bucket/prefix)"]],
    m.output_uri == null || can(regex(local.s3_prefix_regex, m.output_uri)) ? [] : [[k, "output_uri", "must be an S3 prefix ending with \"/\" (s3://bucket/prefix/): each run writes under <output_uri><execution name>/"]],
    [for f in ["preprocess_arguments", "inference_arguments", "postprocess_arguments"] : [k, f, "must be a list of at most 256 strings of up to 256 characters"] if !(m[f] == null || try(length(m[f]) <= 256 && alltrue([for a in m[f] : length(tostring(a)) <= 256]), false))],
    m.environment == null || try(length(m.environment) <= 97 && alltrue([for ek, ev in m.environment : can(regex("^[a-zA-Z_][a-zA-Z0-9_]{0,255}$", ek)) && length(tostring(ev)) <= 256 && !can(regex("^SFN_ML_", ek))]), false) ? [] : [[k, "environment", "must be a map of at most 97 variables (names of letters, digits and '_', not starting with a digit or SFN_ML_; values up to 256 characters)"]],
    m.schedule_expression == null || can(regex(local.schedule_regex, m.schedule_expression)) ? [] : [[k, "schedule_expression", "must be ${local.schedule_allowed}"]],
    m.schedule_expression == null || length(k) <= 23 ? [] : [[k, "schedule_expression", "needs a model name of at most 23 characters: its EventBridge rule is named <name_prefix>-bi-<model> and rule names are limited to 64 characters"]],
    can(tobool(m.enabled)) && m.enabled != null ? [] : [[k, "enabled", "must be true or false"]],
  ) }
  first_problems = [for k in sort(keys(local.model_problems)) : local.model_problems[k][0] if length(local.model_problems[k]) > 0]

  check_models = length(local.first_problems) == 0 ? true : tobool(
    "The models[\"${local.first_problems[0][0]}\"].${local.first_problems[0][1]} (batch_inference_models[\"${local.first_problems[0][0]}\"] in the root module) ${local.first_problems[0][2]}."
  )
  check_sagemaker_role = var.create_sagemaker_role || var.sagemaker_role_arn != null ? true : tobool(
    "The sagemaker_role_arn must be set when create_sagemaker_role is false."
  )
}
