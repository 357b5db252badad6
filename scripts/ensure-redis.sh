#!/usr/bin/env bash
# Installs Debian's redis-server for the tests of stores/redis when it is missing.
# Outside CI a failed install is only a warning (those tests then skip and say why);
# in CI (CI=true) it is an error.
set -u
command -v redis-server >/dev/null 2>&1 && exit 0
. "$(dirname "$0")/apt.sh"
echo "installing redis-server (apt-get) for the Redis store tests..."
if apt_install redis-server; then
  exit 0
fi
if [ "${CI:-}" = true ]; then
  echo "redis-server is missing and could not be installed: apt-get install redis-server" >&2
  exit 1
fi
echo "warning: redis-server not found; Redis store tests will skip (install it: sudo apt-get install redis-server)" >&2
exit 0
