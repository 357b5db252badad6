#!/usr/bin/env bash
# Smoke test of the README's `make demo`: start it, wait for the home page and
# the emulator's sign-in redirect, interrupt it, and expect a clean exit 0.
set -euo pipefail
port="${PORT:-18080}"
framework="${FRAMEWORK:-gin}"
command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# setsid: make demo runs in its own process group, so the interrupt reaches
# the app the way Ctrl-C in a terminal does.
setsid make --no-print-directory demo FRAMEWORK="$framework" PORT="$port" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://localhost:$port/" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "demo-smoke: make demo exited early" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "http://localhost:$port/" | grep -q "Sign in" || { cat "$log"; echo "demo-smoke: home page lacks Sign in" >&2; exit 1; }
loc="$(curl -sS -o /dev/null -w '%{redirect_url}' "http://localhost:$port/account")"
case "$loc" in
  http://127.0.0.1:*/user_management/authorize\?*) ;;
  *) cat "$log"; echo "demo-smoke: /account redirected to '$loc', not the emulator" >&2; exit 1 ;;
esac
grep -q "admin@example.com" "$log" || { cat "$log"; echo "demo-smoke: seeded users not printed" >&2; exit 1; }
kill -INT -- "-$pid"
rc=0; wait "$pid" || rc=$?
if [ "$rc" != 0 ]; then cat "$log"; echo "demo-smoke: make demo exited $rc on Ctrl-C" >&2; exit 1; fi
grep -q "Stopped." "$log" || { cat "$log"; echo "demo-smoke: no clean shutdown message" >&2; exit 1; }
echo "demo-smoke: make demo FRAMEWORK=$framework served, redirected to the emulator and stopped cleanly"
