#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing. Sourced by scripts/up and scripts/test.
set -euo pipefail

MODERATION_APT_PACKAGES=(rabbitmq-server postgresql ffmpeg chromium libonnx-dev python3-onnx python3-opencv gnome-backgrounds openclipart-png nodejs npm util-linux
  mediawiki php-cli php-sqlite3 php-curl)
# Prometheus and promtool: the metrics test scrapes a running cluster, the deploy tests unit-test the alert rules.
MODERATION_APT_PACKAGES+=(prometheus)

deps_install() {
  local missing=() pkg
  for pkg in "${MODERATION_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  # node/npm may come from outside Debian (e.g. NodeSource); accept any working node >= 18
  if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  fi
  local wanted=()
  for pkg in "${missing[@]}"; do [ -n "$pkg" ] && wanted+=("$pkg"); done
  [ ${#wanted[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${wanted[*]}"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
  # The Debian packages start system-wide services; ours run project-local, so stop theirs.
  # (mediawiki pulls in apache2; the test wiki runs on PHP's built-in server instead.)
  $sudo systemctl disable --now rabbitmq-server postgresql apache2 prometheus >/dev/null 2>&1 || true
  if [ -x /etc/init.d/rabbitmq-server ]; then $sudo /etc/init.d/rabbitmq-server stop >/dev/null 2>&1 || true; fi
  if [ -x /etc/init.d/apache2 ]; then $sudo /etc/init.d/apache2 stop >/dev/null 2>&1 || true; fi
  if [ -x /etc/init.d/prometheus ]; then $sudo /etc/init.d/prometheus stop >/dev/null 2>&1 || true; fi
}
