#!/usr/bin/env bash
# mount (simulated node): binds an EFS file system's data folder to a mount point.
#   mount -t efs -o tls fs-ID:/ TARGET                                  (efs-utils; the node's own region)
#   mount -t nfs4 -o OPTIONS fs-ID.efs.REGION.amazonaws.com:/ TARGET    (NFS; the region of the DNS name)
#   mount                                                               (lists the mounts)
# The file system is looked up in state/filesystems (the local cloud writes it from the EFS emulator before each
# command). The empty mount point folder is replaced by a symbolic link to the data folder, and the mount is recorded
# in state/mounts with the source as given, so mountpoint and findmnt answer like the real ones. Exit 32 and a
# "mount: ..." message for an unknown file system, a busy or missing mount point, as mount(8) does.
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log mount "$@"

fail() {
  printf 'mount: %s\n' "$1" >&2
  exit 32
}

if (($# == 0)); then
  while IFS=$'\t' read -r tgt src type opts _ _; do
    printf '%s on %s type %s (%s)\n' "$src" "$tgt" "$type" "$opts"
  done <"$NODE_STATE/mounts"
  exit 0
fi

type="" opts="" args=()
while (($# > 0)); do
  case "$1" in
    -t) type="${2-}"; shift 2 || fail "option -t needs a value" ;;
    -o) opts="${2-}"; shift 2 || fail "option -o needs a value" ;;
    --) shift; args+=("$@"); break ;;
    -*) fail "the simulated mount does not support option $1" ;;
    *) args+=("$1"); shift ;;
  esac
done
((${#args[@]} == 2)) || fail "expected SOURCE and TARGET, got ${#args[@]} arguments"
source="${args[0]}"
target="$(normal "${args[1]}")"

case "$type" in
  efs)
    [[ "$source" =~ ^(fs-[0-9a-f]+):/?$ ]] || fail "$source: not an EFS source (fs-ID:/)"
    fsid="${BASH_REMATCH[1]}" region="$NODE_REGION"
    ;;
  nfs4 | nfs)
    [[ "$source" =~ ^(fs-[0-9a-f]+)\.efs\.([a-z0-9-]+)\.amazonaws\.com:/?$ ]] ||
      fail "$source: not an EFS DNS name (fs-ID.efs.REGION.amazonaws.com:/)"
    fsid="${BASH_REMATCH[1]}" region="${BASH_REMATCH[2]}"
    ;;
  *) fail "unknown filesystem type '$type' (the simulated node mounts efs and nfs4)" ;;
esac

node_lock
if line="$(mount_at "$target")"; then
  fail "$target: $(field 2 "$line") already mounted on $target."
fi
[[ -e "$target" ]] || fail "$target: mount point does not exist."
[[ -d "$target" && ! -L "$target" ]] || fail "$target: mount point is not a directory."
if [[ -n "$(ls -A -- "$target")" ]]; then
  fail "$target: mount point is not empty (the simulated mount replaces it with a link, so it must be empty)."
fi
info="$(fs_info "$region" "$fsid")" || fail "$target: failed to resolve server $fsid in $region: no such file system."
datadir="$(field 2 "$info")"
[[ -d "$datadir" ]] || fail "$target: $fsid: the data folder $datadir does not exist."

rmdir -- "$target"
ln -s -- "$datadir" "$target"
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$source" nfs4 "rw${opts:+,$opts}" "$region" "$fsid" >>"$NODE_STATE/mounts"
