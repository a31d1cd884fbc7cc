output "sagemaker_name_hash" {
  description = "The States.Hash intrinsic of a fresh UUID (32 hex digits) that every SageMaker name a workflow builds ends with."
  value       = local.sagemaker_name_hash
}

output "name_suffix_pattern" {
  description = "IAM name patterns by workflow marker (`rt`, `ad`): `-<marker>-` and 32 `?`, the fixed-length suffix of the workflow's SageMaker names."
  value       = local.name_suffix_pattern
}

output "execution_tag" {
  description = "The tag (ASL parameters) every SageMaker resource a workflow creates carries: `sfn-ml:execution` = MD5 of the execution name."
  value       = local.execution_tag
}

output "transient_retry" {
  description = "The retry timing of transient errors (interval, attempts, backoff, cap, jitter)."
  value       = local.transient_retry
}

output "retry" {
  description = "Retry policies of the Task states by integration (lambda, sns, glue, sfn) and the Cause-matching loop settings of SageMaker tasks (transient)."
  value       = local.retry
}

output "catch_all" {
  description = "The Catch of every Task state: any error to NotifyFailure with the error at $.error."
  value       = local.catch_all
}

output "lock_retry" {
  description = "Retry policy of the DynamoDB endpoint-lock tasks (transient DynamoDB errors only)."
  value       = local.lock_retry
}

output "sklearn_image_registries" {
  description = "SageMaker's scikit-learn and XGBoost framework image registry accounts by region."
  value       = local.sklearn_image_registries
}

output "builtin_algorithm_registries" {
  description = "SageMaker's first-generation built-in algorithm registry accounts by region."
  value       = local.builtin_algorithm_registries
}

output "builtin_algorithm_repositories" {
  description = "Repository names of the first-generation built-in algorithms that report metrics without definitions."
  value       = local.builtin_algorithm_repositories
}

output "execution_alert_status_patterns" {
  description = "By workflow marker (`rt`, `ad`, `bi`): the `$or` branches of an execution alert rule's detail: timed out, aborted, or failed with an error other than the workflow's notified ones (or none)."
  value       = local.execution_alert_status_patterns
}
