# The gated metric's possible range, passed to the gate Lambda, which refuses a candidate (and distrusts a champion)
# outside it. A model's metric_min / metric_max win; a null one takes the default for the metric's well-known name:
# the part after the last ':' (validation:accuracy -> accuracy), lower case. Unknown names stay unbounded. The table
# is documented in docs/metric_range.md; keep the two in step.
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
  metric_base_name     = { for k, m in local.models : k => lower(element(split(":", m.metric_name), length(split(":", m.metric_name)) - 1)) }
  metric_default_range = { for k, m in local.models : k => lookup(local.metric_default_ranges, local.metric_base_name[k], { min = null, max = null }) }
  metric_min           = { for k, m in local.models : k => m.metric_min != null ? m.metric_min : local.metric_default_range[k].min }
  metric_max           = { for k, m in local.models : k => m.metric_max != null ? m.metric_max : local.metric_default_range[k].max }
}
