#!/usr/bin/env bash
# Installs Debian's packages that are missing: scripts/debian-packages.sh "WHAT FOR" PACKAGE...
# (sudo when not root). Already installed, it does nothing.
set -euo pipefail
why=$1
shift
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "Installing Debian's ${missing[*]} $why..."
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
