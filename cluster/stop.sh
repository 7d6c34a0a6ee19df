#!/usr/bin/env bash
# stop.sh: EXPRESSCLUSTER X exec resource (exec-efsdr) stop script. It stops MinIO and unmounts EFS on THIS node,
# locally, without any AWS call.
#
# Why this script exists:
#   It replaces the article's exec-MinIO stop.sh (`pgrep minio | xargs kill`) and exec-EFS stop.sh (`umount -f`). A
#   group stop or a failover away from this node must work when AWS, or the whole region, is unreachable, because
#   that is when it matters. So this script calls no AWS API and does not use efsdr. It runs EfsDr's node script
#   (the same code the SSM document runs) with SSM_Action=deactivate. The node script stops the systemd unit,
#   unmounts without -f, and removes the record of the active file system. It never kills by name, and when the
#   mount is busy it names the holders and fails instead. The node script's exit code passes through unchanged.
#
# Settings: sourced from ${EFSDR_CONF:-/etc/efsdr/efsdr.conf} when that file exists (see cluster/efsdr.conf.example).
#   EFSDR_NODE_SCRIPT (/opt/efsdr/efsdr-node.sh), EFSDR_MOUNT_POINT (/mnt/efs), EFSDR_UNIT (minio),
#   EFSDR_STATE_DIR (/var/lib/efsdr).
# The node script gets exactly SSM_Action=deactivate, SSM_MountPoint and SSM_Unit; inherited SSM_* are removed.
#
# Exit codes:
#    0  the unit is stopped and the mount point is unmounted (or was not mounted)   (node script)
#   13  EFSDR_MOUNT_POINT is invalid                                                 (node script)
#   15  EFSDR_UNIT is invalid                                                        (node script)
#   30  the unit failed to stop and is still active                                  (node script)
#   31  unmount failed (busy): the holders are listed on stderr, nothing was killed  (node script)
#   40  the settings file exists but could not be read
#   43  EFSDR_NODE_SCRIPT is not a readable file
#   (node/README.md lists every code of the node script.)
set -euo pipefail

die() {
  local code="$1"
  shift
  printf 'efsdr-cluster stop: %s\n' "$*" >&2
  exit "$code"
}

conf="${EFSDR_CONF:-/etc/efsdr/efsdr.conf}"
if [[ -e "$conf" ]]; then
  [[ -r "$conf" ]] || die 40 "cannot read the settings file $conf"
  # shellcheck source=/dev/null
  . "$conf" || die 40 "the settings file $conf failed (exit $?)"
fi

EFSDR_NODE_SCRIPT="${EFSDR_NODE_SCRIPT:-/opt/efsdr/efsdr-node.sh}"
EFSDR_MOUNT_POINT="${EFSDR_MOUNT_POINT:-/mnt/efs}"
EFSDR_UNIT="${EFSDR_UNIT:-minio}"
EFSDR_STATE_DIR="${EFSDR_STATE_DIR:-/var/lib/efsdr}"

[[ -f "$EFSDR_NODE_SCRIPT" && -r "$EFSDR_NODE_SCRIPT" ]] ||
  die 43 "EFSDR_NODE_SCRIPT $EFSDR_NODE_SCRIPT is not a readable file"

printf 'efsdr-cluster stop: CLP_EVENT=%s CLP_SERVER=%s CLP_GROUPNAME=%s CLP_RESOURCENAME=%s: stopping %s and unmounting %s\n' \
  "${CLP_EVENT:-}" "${CLP_SERVER:-}" "${CLP_GROUPNAME:-}" "${CLP_RESOURCENAME:-}" "$EFSDR_UNIT" "$EFSDR_MOUNT_POINT"

# Exactly the inputs deactivate expects: any other SSM_* value would be checked too, and could fail the stop.
mapfile -t inherited < <(compgen -A export -X '!SSM_*' || true)
for name in "${inherited[@]}"; do
  unset "$name"
done
export SSM_Action=deactivate SSM_MountPoint="$EFSDR_MOUNT_POINT" SSM_Unit="$EFSDR_UNIT" EFSDR_STATE_DIR
exec bash "$EFSDR_NODE_SCRIPT"
