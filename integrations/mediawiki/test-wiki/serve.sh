#!/usr/bin/env bash
# Serves a wiki made by install.sh with PHP's built-in server on 127.0.0.1:PORT, several workers: ingest fetches an
# upload back from the wiki while the worker that took the upload waits for ingest.
#   serve.sh DIR PORT [WORKERS]
set -euo pipefail
dir=$(realpath "$1"); port=$2
mw=${MEDIAWIKI_DIR:-/usr/share/mediawiki}
export MW_CONFIG_FILE="$dir/LocalSettings.php" MODERATION_WIKI_DIR="$dir" PHP_CLI_SERVER_WORKERS=${3:-4}
exec php -S "127.0.0.1:$port" -t "$mw" "$(dirname "$0")/router.php"
