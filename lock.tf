# The endpoint locks (modules/endpoint_lock): one table for every workflow of this module that deploys to an
# endpoint, keyed by endpoint name, so that retraining and approved deployment exclude each other on one endpoint.

locals {
  create_lock_table = local.create_retraining || local.create_approved_deployment
  lock_table_name   = "${var.name_prefix}-endpoint-locks"
}

module "endpoint_lock" {
  source = "./modules/endpoint_lock"
  count  = local.create_lock_table ? 1 : 0

  name        = local.lock_table_name
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}
