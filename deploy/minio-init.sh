#!/usr/bin/env bash
# One-shot job of compose.yaml: the vault's bucket with object lock (versioning comes with it), the staging
# bucket (no lock, no versioning: a batch's objects go once it is in the vault; sohoa sets its lifecycle rule),
# and a MinIO user for sohoa that can use those two buckets and nothing else. Safe to run again.
set -euo pipefail
set -a
# shellcheck source=/dev/null
. /run/secrets/minio.env  # MINIO_ROOT_USER, MINIO_ROOT_PASSWORD
set +a
bucket="${SOHOA_VAULT_S3_BUCKET:-sohoa-vault}"
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
# Object lock is set when a bucket is made and cannot be added later (sohoa refuses a bucket without versioning).
mc mb --ignore-existing --with-lock "local/$bucket"
staging="${SOHOA_INGEST_STAGING_BUCKET:-sohoa-staging}"
mc mb --ignore-existing "local/$staging"
mc admin user add local sohoa "$(cat /run/secrets/sohoa_vault_s3_secret_key)"
mc admin policy create local sohoa-vault /deploy/minio-policy.json
mc admin policy attach local sohoa-vault --user sohoa || true  # already attached on a second run
echo "bucket $bucket: object lock on; staging bucket $staging; user sohoa limited to them"
