#!/usr/bin/env bash
# First start of the compose PostgreSQL: one role and one database per service (they never share tables).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
  -v ingest_password="$INGEST_DB_PASSWORD" -v results_password="$RESULTS_DB_PASSWORD" <<'SQL'
CREATE ROLE ingest LOGIN PASSWORD :'ingest_password';
CREATE ROLE results LOGIN PASSWORD :'results_password';
CREATE DATABASE moderation_ingest OWNER ingest;
CREATE DATABASE moderation_results OWNER results;
SQL
