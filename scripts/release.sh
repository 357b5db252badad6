#!/usr/bin/env bash
# Release every authkit-go module at one version: make release VERSION=v0.2.0
#
#   scripts/release.sh [--dry-run] [--skip-tests] vX.Y.Z
#
# Refuses a dirty tree, an existing tag, a version not above the last release
# and a CHANGELOG.md without a "## vX.Y.Z" entry; runs make lint, tidy and
# test (--skip-tests: lint and tidy only); then sets every inter-module
# requirement and authkit.Version to the version, commits "release vX.Y.Z"
# and writes one annotated tag per released module, core first
# (core/vX.Y.Z, adapters/echo/vX.Y.Z, ...). It pushes nothing: it prints the
# push command. --dry-run does every check and the bump, shows the diff and
# the tags, then puts the tree back and writes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=false
skip_tests=false
version=""
for arg in "$@"; do
	case "$arg" in
	--dry-run) dry_run=true ;;
	--skip-tests) skip_tests=true ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	v*) version="$arg" ;;
	*) echo "release: unknown argument $arg (usage: scripts/release.sh [--dry-run] [--skip-tests] vX.Y.Z)" >&2; exit 2 ;;
	esac
done
if [ -z "$version" ]; then
	echo "release: no version (usage: scripts/release.sh [--dry-run] [--skip-tests] vX.Y.Z)" >&2
	exit 2
fi

tool() { go run ./internal/release/cmd/release-tool "$@"; }
fail() { echo "release: $*" >&2; exit 1; }
step() { echo; echo "==> $*"; }

tags=$(tool tags "$version") # also validates the version
branch=$(git rev-parse --abbrev-ref HEAD)

step "checks for $version"
if [ -n "$(git status --porcelain)" ]; then
	git status --short >&2
	fail "the working tree is not clean: commit or stash first"
fi
if [ "$branch" != main ]; then
	if $dry_run; then
		echo "note: on branch $branch; a real release runs on main"
	else
		fail "on branch $branch: release from main"
	fi
fi
for tag in $tags; do
	if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
		fail "tag $tag exists already"
	fi
done
last=$(git tag --list 'core/v*' | sed 's|^core/||' | sort -V | tail -n 1)
if [ -n "$last" ] && [ "$(printf '%s\n%s\n' "$last" "$version" | sort -V | tail -n 1)" != "$version" ]; then
	fail "$version is not above the last release $last"
fi
if ! grep -qE "^## \[?${version//./\\.}\]?( |$)" CHANGELOG.md; then
	fail "CHANGELOG.md has no '## $version' entry: write it and commit first"
fi
echo "clean tree on $branch, no $version tags yet, last release ${last:-none}, CHANGELOG entry found"

step "make lint"
make lint
step "make tidy"
make tidy
if $skip_tests; then
	echo; echo "==> make test skipped (--skip-tests)"
else
	step "make test"
	make test
fi

step "bump the modules to $version"
if $dry_run; then
	# The tree was clean: restoring HEAD's files loses nothing.
	trap 'git checkout -q HEAD -- . && echo && echo "dry run: tree restored, nothing committed or tagged"' EXIT
fi
tool bump "$version"
sed -i "s/^## $version - unreleased\$/## $version - $(date -u +%F)/" CHANGELOG.md
# The replace lines keep every module building against its siblings before
# the tags reach the proxy: tidy and build each released module on its own.
for tag in $tags; do
	dir=${tag%/"$version"}
	(cd "$dir" && go mod tidy && GOWORK=off go build ./...) || fail "$dir does not build at $version without go.work"
done
git --no-pager diff --stat
if $dry_run; then
	git --no-pager diff
	step "would commit 'release $version' and tag, in this order:"
	printf '  %s\n' $tags
	exit 0
fi

step "commit and tag"
git commit -q -am "release $version" -m "Every module requires its siblings at $version; authkit.Version is ${version#v}."
for tag in $tags; do
	git tag -a "$tag" -m "${tag%/"$version"} $version"
	echo "  tagged $tag"
done
step "done: push the commit and the tags together (core first), then check the proxy"
# shellcheck disable=SC2086 # one tag per word
echo "  git push --atomic origin main" $tags
echo "  GOPROXY=https://proxy.golang.org GOFLAGS=-mod=mod go list -m github.com/authkit-go/authkit/core@$version"
