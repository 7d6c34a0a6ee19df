#!/usr/bin/env bash
# umount (simulated node): removes a binding made by the mount shim (the link becomes an empty folder again).
#   umount [--] TARGET
# Exit 32 with "target is busy." while the node's application (s3rver) runs from the mount, as umount(8) does for a
# file system in use; exit 32 with "not mounted." for a folder that is not a mount point. -f and -l are refused:
# EfsDr never forces an unmount. The busy fault (state/faults/busy, see node-lib.sh) makes every mount busy.
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log umount "$@"

fail() {
  printf 'umount: %s\n' "$1" >&2
  exit 32
}

args=()
while (($# > 0)); do
  case "$1" in
    --) shift; args+=("$@"); break ;;
    -*) fail "the simulated umount does not support option $1" ;;
    *) args+=("$1"); shift ;;
  esac
done
((${#args[@]} == 1)) || fail "expected one TARGET, got ${#args[@]} arguments"
target="$(normal "${args[0]}")"

node_lock
mount_at "$target" >/dev/null || fail "$target: not mounted."
if busy_holder >/dev/null; then fail "$target: target is busy."; fi
if app_pid >/dev/null && [[ "$NODE_APP_DIR" == "$target" || "$NODE_APP_DIR" == "$target"/* ]]; then
  fail "$target: target is busy."
fi

kept="$(awk -F '\t' -v t="$target" '$1 != t' "$NODE_STATE/mounts")"
if [[ -n "$kept" ]]; then printf '%s\n' "$kept" >"$NODE_STATE/mounts"; else : >"$NODE_STATE/mounts"; fi
rm -f -- "$target"
mkdir -p -- "$target"
