#!/usr/bin/env bash
# Installs a throw-away MediaWiki (Debian's mediawiki package, SQLite) with the ModerationCluster extension in one
# directory, for the end-to-end test and for trying the extension out. Serve it afterwards with serve.sh.
#   install.sh DIR PORT HOOK_URL CLIENT_ID HOOK_SECRET CALLBACK_SECRET [ADMIN_PASSWORD]
# The wiki answers on http://127.0.0.1:PORT; its admin is "Admin". Nothing outside DIR is written.
set -euo pipefail
[ $# -ge 6 ] || { sed -n 2,5p "$0"; exit 2; }
dir=$(realpath -m "$1"); port=$2; hook=$3; client=$4; hook_secret=$5; callback_secret=$6; password=${7:-moderation-wiki-admin-1}
extension=$(cd "$(dirname "$0")/.." && pwd)
mw=${MEDIAWIKI_DIR:-/usr/share/mediawiki}
[ -f "$mw/maintenance/install.php" ] || { echo "MediaWiki is missing at $mw: apt-get install mediawiki php-cli php-sqlite3" >&2; exit 1; }

rm -rf "$dir"; mkdir -p "$dir/data" "$dir/images" "$dir/deleted" "$dir/tmp"
export MW_CONFIG_FILE="$dir/LocalSettings.php"
php "$mw/maintenance/install.php" --quiet --dbtype sqlite --dbpath "$dir/data" --dbname wiki \
  --server "http://127.0.0.1:$port" --scriptpath "" --lang en --pass "$password" --confpath "$dir" \
  "Moderation Test Wiki" Admin >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }

php_string() { printf "'%s'" "$(printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g")"; }
cat >>"$dir/LocalSettings.php" <<PHP

# --- test wiki: uploads on, files and deleted files inside this directory, no caches that hide changes ---
\$wgEnableUploads = true;
\$wgUploadDirectory = $(php_string "$dir/images");
\$wgUploadPath = '/images';
\$wgDeletedDirectory = $(php_string "$dir/deleted");
\$wgTmpDirectory = $(php_string "$dir/tmp");
\$wgCacheDirectory = false;
\$wgMainCacheType = CACHE_NONE;
\$wgUseInstantCommons = false;
\$wgUseImageMagick = false;
\$wgGenerateThumbnailOnParse = false;
\$wgShowExceptionDetails = true;
\$wgDebugLogGroups['ModerationCluster'] = $(php_string "$dir/moderation.log");

wfLoadExtension( 'ModerationCluster', $(php_string "$extension/extension.json") );
\$wgModerationClusterHookUrl = $(php_string "$hook");
\$wgModerationClusterClientId = $(php_string "$client");
\$wgModerationClusterHookSecret = $(php_string "$hook_secret");
\$wgModerationClusterCallbackSecret = $(php_string "$callback_secret");
\$wgModerationClusterTimeout = 120;
PHP

php "$mw/maintenance/update.php" --quick >"$dir/update.log" 2>&1 || { cat "$dir/update.log" >&2; exit 1; }
