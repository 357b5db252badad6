# Sourced by the ensure-*.sh scripts: apt_install PKG... installs Debian
# packages when run as root with apt-get. The package lists are updated at
# most once an hour across the scripts (a stamp file), so make deps runs
# apt-get update once when both chromium and redis-server are missing; a
# failed install with older lists updates them and tries again.
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  local stamp="${TMPDIR:-/tmp}/authkit-apt-update.stamp"
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@")
  if [ -n "$(find "$stamp" -mmin -60 2>/dev/null)" ] && "${install[@]}" >/dev/null 2>&1; then
    return 0
  fi
  apt-get update -qq || return 1
  touch "$stamp"
  "${install[@]}" >/dev/null
}
