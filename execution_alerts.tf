# ---------------------------------------------------------------------------------------------------------------------
# Nothing fails silently: each workflow submodule has its own EventBridge rules (create_execution_alerts) that send
# its executions that failed outside a Catch, timed out or were aborted to the notifications topic ("Automating Step
# Functions event delivery with EventBridge", https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html):
# modules/hourly_retraining (one rule per model), modules/legacy_batch_inference (executions, Map children and
# Processing jobs), modules/approved_deployment.
# ---------------------------------------------------------------------------------------------------------------------
locals {
  # Every EventBridge rule that targets the notifications topic; its policy lets events.amazonaws.com publish
  # only on behalf of these (aws:SourceArn). Built from names in the submodules, so known at plan.
  notification_rule_arns = concat(
    flatten(module.hourly_retraining[*].notification_rule_arns),
    flatten(module.batch_inference[*].notification_rule_arns),
    flatten(module.approved_deployment[*].notification_rule_arns),
  )
}
