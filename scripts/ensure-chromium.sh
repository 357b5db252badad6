#!/usr/bin/env bash
# Installs Debian's chromium for the browser end-to-end tests when it is missing.
# Outside CI a failed install is only a warning (those tests then skip and say why);
# in CI (CI=true) it is an error.
set -u
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null 2>&1 && exit 0
done
. "$(dirname "$0")/apt.sh"
echo "installing chromium (apt-get) for the browser tests..."
if apt_install chromium; then
  exit 0
fi
if [ "${CI:-}" = true ]; then
  echo "chromium is missing and could not be installed: apt-get install chromium" >&2
  exit 1
fi
echo "warning: chromium not found; browser tests will skip (install it: sudo apt-get install chromium)" >&2
exit 0
