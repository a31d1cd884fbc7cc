# The endpoint locks: one DynamoDB item per endpoint, held by the execution that may change that endpoint
# (definitions/retraining.asl.json.tftpl, AcquireLock .. ReleaseLockBefore*). Keyed by endpoint name, so every
# workflow of this module that deploys to one endpoint excludes the others. The pattern is AWS's "Controlling
# concurrency in distributed systems with Step Functions and DynamoDB" sample: conditional writes are atomic, and a
# strongly consistent GetItem sees every completed write, where ListExecutions is eventually consistent.
# The item "serving#<endpoint>" records the build (execution start) of the commit the approved-deployment workflow
# last deployed there (definitions/approved_deployment.asl.json.tftpl, RecordDeployment).

locals {
  create_lock_table = local.create_retraining || local.create_approved_deployment
  lock_table_name   = "${var.name_prefix}-endpoint-locks"
  lock_table_arn    = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.lock_table_name}"

  # Transient errors of the DynamoDB optimized integration (Step Functions names them DynamoDB.<Error>, e.g.
  # DynamoDB.ConditionalCheckFailedException, "Call DynamoDB APIs with Step Functions"); a failed condition is
  # never retried: it is the answer.
  lock_retry = [merge({
    ErrorEquals = [
      "DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.RequestLimitExceeded",
      "DynamoDB.ThrottlingException", "DynamoDB.InternalServerErrorException",
    ]
  }, local.transient_retry)]
}

resource "aws_dynamodb_table" "locks" {
  #checkov:skip=CKV_AWS_119:Encrypted with kms_key_arn when the caller gives one; DynamoDB encrypts every table at rest with an AWS owned key otherwise.
  count        = local.create_lock_table ? 1 : 0
  name         = local.lock_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "lock_key"
  tags         = var.tags

  attribute {
    name = "lock_key"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  dynamic "server_side_encryption" {
    for_each = var.kms_key_arn == null ? [] : [true]
    content {
      enabled     = true
      kms_key_arn = var.kms_key_arn
    }
  }
}
