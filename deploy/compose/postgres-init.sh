#!/usr/bin/env bash
# First start of the compose PostgreSQL: one database per service (they never share tables), each with two roles:
# <service>_owner owns the database and runs its migrations (the *-migrate one-shots), <service> is what the service
# runs as and gets row rights only (postgres-grant runs deploy/k8s/base/data/grant-serving-role.sql as the owner).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
  -v ingest_owner_password="$INGEST_OWNER_DB_PASSWORD" -v ingest_password="$INGEST_DB_PASSWORD" \
  -v results_owner_password="$RESULTS_OWNER_DB_PASSWORD" -v results_password="$RESULTS_DB_PASSWORD" <<'SQL'
CREATE ROLE ingest_owner LOGIN PASSWORD :'ingest_owner_password';
CREATE ROLE ingest LOGIN PASSWORD :'ingest_password';
CREATE ROLE results_owner LOGIN PASSWORD :'results_owner_password';
CREATE ROLE results LOGIN PASSWORD :'results_password';
CREATE DATABASE moderation_ingest OWNER ingest_owner;
CREATE DATABASE moderation_results OWNER results_owner;
SQL
