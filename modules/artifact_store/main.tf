data "aws_partition" "current" {}

locals {
  # Built from the name, so that the bucket policy is known (and reviewable) at plan time.
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
}

# aws 3.39 has no aws_s3_bucket_versioning / _server_side_encryption_configuration / _lifecycle_configuration
# resources, and the inline arguments of aws_s3_bucket that replaced them are deprecated from aws 4 on, so the
# bucket carries none of them (see README: "Artifact store").
resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Access logging needs a separate log bucket that infra teams already run; not created here.
  #checkov:skip=CKV_AWS_21:Versioning needs aws_s3_bucket_versioning (aws >= 4.0); the inline argument is deprecated from aws 4 on.
  #checkov:skip=CKV_AWS_144:Cross-region replication is an organisation-level choice, out of this module's scope.
  #checkov:skip=CKV_AWS_145:SSE-KMS is enforced by the bucket policy when kms_key_arn is set; S3 encrypts every object (SSE-S3) otherwise.
  #checkov:skip=CKV2_AWS_61:Lifecycle rules need aws_s3_bucket_lifecycle_configuration (aws >= 4.0); the inline argument is deprecated.
  #checkov:skip=CKV2_AWS_62:Event notifications are not needed by the workflows.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [true]
    content {
      sid       = "DenyUploadsWithoutTheKmsKey"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["${local.bucket_arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "StringNotEquals"
        variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        values   = [var.kms_key_arn]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # S3 refuses a policy write while the public access block is being changed.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
