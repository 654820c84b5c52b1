#!/usr/bin/env bash
# Starts and stops the services and the dashboard as background processes (logs in .run/logs, pids in .run/pids).
set -euo pipefail

SERVICES=(results ingest frame-extractor classifier dashboard)
SETTINGS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../deploy/settings" && pwd)

service_project() {
  case $1 in
    ingest) echo services/ingest/Moderation.Ingest ;;
    frame-extractor) echo services/frame-extractor/Moderation.FrameExtractor ;;
    classifier) echo services/classifier/Moderation.Classifier ;;
    results) echo services/results/Moderation.Results ;;
    dashboard) echo services/dashboard/Moderation.Dashboard ;;
  esac
}

service_port() {
  case $1 in
    ingest) echo "${INGEST_PORT:-5080}" ;;
    frame-extractor) echo "${EXTRACTOR_PORT:-5081}" ;;
    classifier) echo "${CLASSIFIER_PORT:-5082}" ;;
    results) echo "${RESULTS_PORT:-5090}" ;;
    dashboard) echo "${DASHBOARD_PORT:-5091}" ;;
  esac
}

service_dll() { # the built assembly of a service
  local project; project=$(service_project "$1")
  echo "$(dirname "$project")/bin/Release/net10.0/$(basename "$project").dll"
}

# The configuration of each service, as environment variables: the settings catalogue (deploy/settings: common.env,
# then <service>.env; the same files compose and Kubernetes read), then what is particular to this machine (paths,
# ports, credentials). deploy/settings/*.env lists which keys vary per environment; no key here repeats the catalogue.
service_env() {
  local name=$1
  grep -hv '^[[:space:]]*\(#\|$\)' "$SETTINGS_DIR/common.env" "$SETTINGS_DIR/$name.env"
  echo "ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Production}"
  echo "ConnectionStrings__rabbitmq=$MODERATION_RABBITMQ"
  case $name in
    ingest)
      echo "ConnectionStrings__postgres=$MODERATION_POSTGRES;Database=moderation_ingest"
      echo "Database__MigrateOnStart=true"
      echo "BlobStore__Root=$MODERATION_DATA/blobs"
      echo "Ingest__PublicBaseUrl=http://127.0.0.1:$(service_port ingest)"
      ;;
    frame-extractor)
      echo "BlobStore__Root=$MODERATION_DATA/blobs"
      ;;
    classifier)
      echo "Classifier__ManifestPath=$MODERATION_MODEL_DIR/mobilenet_v2/model.json"
      echo "BlobStore__Root=$MODERATION_DATA/blobs"
      ;;
    results)
      echo "ConnectionStrings__postgres=$MODERATION_POSTGRES;Database=moderation_results"
      echo "Database__MigrateOnStart=true"
      echo "BlobStore__Root=$MODERATION_DATA/blobs"
      echo "Callbacks__Secret=$(cat "$MODERATION_DATA/secrets/callback-secret")"
      echo "FeedbackHead__OutputDirectory=$MODERATION_MODEL_DIR"
      # The benchmarks' client (scripts/up): every picture judged by the model, never by a near-duplicate's decision.
      echo "Banks__ClientNearDuplicateDistance__bench=-1"
      ;;
    dashboard)
      echo "Dashboard__ResultsUrl=http://127.0.0.1:$(service_port results)"
      echo "Dashboard__IngestUrl=http://127.0.0.1:$(service_port ingest)"
      echo "Dashboard__KeysDirectory=$MODERATION_DATA/dashboard-keys"
      echo "BlobStore__Root=$MODERATION_DATA/blobs"
      ;;
  esac
}

service_start() {
  local name=$1 run=$MODERATION_DATA/run port pidfile
  port=$(service_port "$name"); pidfile=$run/pids/$name
  mkdir -p "$run/pids" "$run/logs"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  (
    while IFS= read -r kv; do export "${kv?}"; done < <(service_env "$name")
    exec setsid dotnet "$(service_dll "$name")" --urls "http://127.0.0.1:$port" >>"$run/logs/$name.log" 2>&1
  ) &
  echo $! > "$pidfile"
}

service_wait_ready() { # service_wait_ready <name> <seconds>
  local name=$1 deadline=$(( $(date +%s) + $2 )) port
  port=$(service_port "$name")
  until curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$MODERATION_DATA/run/pids/$name")" 2>/dev/null; then
      echo "$name exited; last log lines:" >&2; tail -n 30 "$MODERATION_DATA/run/logs/$name.log" >&2; return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "$name not ready after $2 s; last log lines:" >&2; tail -n 30 "$MODERATION_DATA/run/logs/$name.log" >&2; return 1
    fi
    sleep 1
  done
}

service_stop() {
  local pidfile=$MODERATION_DATA/run/pids/$1 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
