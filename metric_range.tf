# The gated metric's possible range, passed to the gate Lambda, which refuses a candidate (and distrusts a champion)
# outside it. metric_min / metric_max win; a null one takes the default for the metric's well-known name: the part
# after the last ':' (validation:accuracy -> accuracy), lower case. Unknown names stay unbounded. The table is
# documented in docs/metric_range.md; keep the two in step.
locals {
  metric_default_ranges = {
    # Fractions, from 0 to 1.
    accuracy                       = { min = 0, max = 1 }
    balanced_accuracy              = { min = 0, max = 1 }
    binary_classification_accuracy = { min = 0, max = 1 }
    precision                      = { min = 0, max = 1 }
    precision_macro                = { min = 0, max = 1 }
    recall                         = { min = 0, max = 1 }
    recall_macro                   = { min = 0, max = 1 }
    f1                             = { min = 0, max = 1 }
    f1_macro                       = { min = 0, max = 1 }
    auc                            = { min = 0, max = 1 }
    roc_auc                        = { min = 0, max = 1 }
    pr_auc                         = { min = 0, max = 1 }
    error                          = { min = 0, max = 1 }
    merror                         = { min = 0, max = 1 }
    # Non-negative errors and losses, unbounded above.
    rmse               = { min = 0, max = null }
    mae                = { min = 0, max = null }
    mse                = { min = 0, max = null }
    mape               = { min = 0, max = null }
    logloss            = { min = 0, max = null }
    mlogloss           = { min = 0, max = null }
    cross_entropy_loss = { min = 0, max = null }
    loss               = { min = 0, max = null }
    # Coefficient of determination: at most 1, unbounded below.
    r2 = { min = null, max = 1 }
  }
  metric_base_name     = lower(element(split(":", var.metric_name), length(split(":", var.metric_name)) - 1))
  metric_default_range = lookup(local.metric_default_ranges, local.metric_base_name, { min = null, max = null })
  metric_min           = var.metric_min != null ? var.metric_min : local.metric_default_range.min
  metric_max           = var.metric_max != null ? var.metric_max : local.metric_default_range.max

  # Terraform 1.0.3 has no preconditions (see locals.tf): a bad range fails planning here, naming the variables.
  # (Conditionals, not ||: Terraform 1.0.3 evaluates both sides of || and null < 1 is an error.)
  check_metric_range = (local.metric_min == null || local.metric_max == null ? true : local.metric_min < local.metric_max) ? true : tobool(
    "The metric_min must be less than metric_max (after defaults for the metric_name's well-known range, see docs/metric_range.md)."
  )
  check_metric_threshold_in_range = (
    (local.metric_min == null ? true : var.metric_threshold >= local.metric_min) &&
    (local.metric_max == null ? true : var.metric_threshold <= local.metric_max)
    ) ? true : tobool(
    "The metric_threshold must lie within the metric's range given by metric_min and metric_max (after defaults for the metric_name's well-known range, see docs/metric_range.md)."
  )
}
