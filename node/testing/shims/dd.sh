#!/usr/bin/env bash
# dd (simulated node): the write probe's way to find a read-only file system.
# The node script writes its probe with `dd of=MOUNTPOINT/.efsdr-probe.PID conv=fsync`. The sandbox runs as whoever
# runs the local cloud (often root, whom file permissions do not stop), so a replica's read-only state is enforced
# here: when of= is on a mount whose file system is not writable now (state/filesystems, refreshed before each
# command; a replica becomes writable in place once promoted, as on EFS), dd fails with EROFS; otherwise the real dd
# runs.
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log dd "$@"

for arg in "$@"; do
  if [[ "$arg" == of=* ]]; then
    of="${arg#of=}"
    if line="$(mount_of "$(normal "$of")")"; then
      case "$(fs_mode_of_mount "$line")" in
        rw) ;;
        ro) printf "dd: failed to open '%s': Read-only file system\n" "$of" >&2; exit 1 ;;
        *) printf "dd: failed to open '%s': Stale file handle\n" "$of" >&2; exit 1 ;;
      esac
    fi
  fi
done
exec "$NODE_REAL_DD" "$@"
