# The endpoint locks: one DynamoDB item per endpoint, held by the execution that may change that endpoint
# (definitions/retraining.asl.json.tftpl, AcquireLock .. ReleaseLockBefore*). Keyed by endpoint name, so every
# workflow that is given one table and deploys to one endpoint excludes the others. The pattern is AWS's "Controlling
# concurrency in distributed systems with Step Functions and DynamoDB" sample: conditional writes are atomic, and a
# strongly consistent GetItem sees every completed write, where ListExecutions is eventually consistent.
# The item "serving#<endpoint>" records the build (execution start) of the commit the approved-deployment workflow
# last deployed there (definitions/approved_deployment.asl.json.tftpl, RecordDeployment).

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:Encrypted with kms_key_arn when the caller gives one; DynamoDB encrypts every table at rest with an AWS owned key otherwise.
  name         = var.name
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

  # A dynamic block accepts an unknown for_each, so a key created in the same apply plans.
  dynamic "server_side_encryption" {
    for_each = var.kms_key_arn == null ? [] : [true]
    content {
      enabled     = true
      kms_key_arn = var.kms_key_arn
    }
  }
}
