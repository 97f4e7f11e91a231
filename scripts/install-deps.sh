#!/bin/sh
# Installs every Debian package Trygg needs to build, run and test.
# Used by `make run`, `make test` and CI alike. Idempotent: installs only what is missing.
set -eu

PACKAGES="
build-essential pkg-config gettext clang libclang-rt-14-dev
libmicrohttpd-dev libsqlite3-dev sqlite3 libpq-dev postgresql postgresql-client
libjansson-dev libsodium-dev libcmocka-dev libcurl4-openssl-dev
libcmark-dev libvips-dev libcairo2-dev libpango1.0-dev libjs-leaflet
chromium wrk nginx-light ca-certificates r-cran-survey
libimage-exiftool-perl libheif-examples libxml2-utils
"
# Node.js and npm run the browser tests; a machine that already has node (with its own npm) keeps it.
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs"
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing packages:$missing" >&2
		echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
		exit 1
	fi
	echo "install-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
	# Debian starts a cluster on install; Trygg's tests make their own private ones.
fi
