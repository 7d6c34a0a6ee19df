#!/usr/bin/env bash
# mountpoint (simulated node): is a folder a mount point made by the mount shim?
#   mountpoint [-q] [--] PATH     exit 0 when it is, 32 when it is not (util-linux's codes)
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log mountpoint "$@"

quiet=no path=""
while (($# > 0)); do
  case "$1" in
    -q | --quiet) quiet=yes; shift ;;
    --) shift; path="${1-}"; break ;;
    -*) printf 'mountpoint: the simulated mountpoint does not support option %s\n' "$1" >&2; exit 1 ;;
    *) path="$1"; shift ;;
  esac
done
[[ -n "$path" ]] || { printf 'mountpoint: bad usage\n' >&2; exit 1; }
path="$(normal "$path")"

if mount_at "$path" >/dev/null; then
  [[ "$quiet" == yes ]] || printf '%s is a mountpoint\n' "$path"
  exit 0
fi
[[ "$quiet" == yes ]] || printf '%s is not a mountpoint\n' "$path"
exit 32
