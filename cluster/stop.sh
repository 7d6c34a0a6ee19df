#!/usr/bin/env bash
# stop.sh: EXPRESSCLUSTER X exec resource (exec-efsdr) stop script. It stops MinIO and unmounts EFS on THIS node,
# locally, without any AWS call.
#
# Why this script exists:
#   It replaces the article's exec-MinIO stop.sh (`pgrep minio | xargs kill`) and exec-EFS stop.sh (`umount -f`). A
#   group stop or a failover away from this node must work when AWS, or the whole region, is unreachable, because
#   that is when it matters. So this script calls no AWS API and does not use efsdr. It runs EfsDr's node script
#   (the same code the SSM document runs) with SSM_Action=deactivate, within EFSDR_STOP_TIMEOUT. The node script stops
#   the systemd unit, unmounts without -f, and removes the record of the active file system. It never kills by name,
#   and when the mount is busy it names the holders and fails instead.
#
# When it fails, and why so rarely: a failed (or timed-out) stop script meets the exec resource's final action on
#   deactivation failure, by default "stop the cluster service and shut down the OS". That is right only when this
#   node may still hold the file system, because the next server will mount it; shutting down then releases it. So:
#   - the unit is still active (30), the mount is busy (31), or the node script did not finish (44): the node may
#     still write to EFS; this script fails, and the final action fences the node;
#   - any other failure (a setting, the node script missing) is checked afterwards: when the mount point is not
#     mounted, the unit is not active and no record of an active file system is left, nothing is held, and this
#     script succeeds with a logged warning. Otherwise it fails with the node script's code.
#   Every check of the mount is bounded by `timeout`: a hung NFS mount counts as held.
#
# Settings: sourced from ${EFSDR_CONF:-/etc/efsdr/efsdr.conf} when that file exists (see cluster/efsdr.conf.example).
#   EFSDR_NODE_SCRIPT (/opt/efsdr/efsdr-node.sh), EFSDR_MOUNT_POINT (/mnt/efs), EFSDR_UNIT (minio),
#   EFSDR_STATE_DIR (/var/lib/efsdr), EFSDR_STOP_TIMEOUT (240, seconds), EFSDR_STOP_CHECK_TIMEOUT (10, seconds),
#   EFSDR_CLPLOGCMD_OPTIONS (empty).
# The node script gets exactly SSM_Action=deactivate, SSM_MountPoint and SSM_Unit; inherited SSM_* are removed.
# Outcomes are reported with clplogcmd (EXPRESSCLUSTER's alert log) when it is on PATH, and always on stderr.
#
# Exit codes:
#    0  the unit is stopped and the mount point is unmounted (or was not mounted); or the stop failed for another
#       reason but nothing is held (logged as a warning)
#   30  the unit failed to stop and is still active                                  (node script)
#   31  unmount failed (busy): the holders are listed on stderr, nothing was killed  (node script)
#   40  the settings file exists but could not be read
#   43  EFSDR_NODE_SCRIPT is not a readable file, and the node may still hold the file system
#   44  the node script did not finish within EFSDR_STOP_TIMEOUT (a hung mount?)
#   other codes of the node script (13 invalid mount point, 15 invalid unit, …), when the node may still hold the
#   file system (node/README.md lists every code of the node script).
set -euo pipefail

readonly TAG="efsdr-cluster stop"

# report LEVEL MESSAGE: stderr always; EXPRESSCLUSTER's alert log too when clplogcmd is on PATH (never fatal).
report() {
  local level="$1" message="$TAG: $2"
  printf '%s\n' "$message" >&2
  if command -v clplogcmd >/dev/null 2>&1; then
    local -a options=()
    read -ra options <<<"${EFSDR_CLPLOGCMD_OPTIONS:-}"
    timeout -k 2 10 clplogcmd -m "${message:0:500}" -l "$level" "${options[@]}" >/dev/null 2>&1 || true
  fi
}

die() {
  local code="$1"
  shift
  report err "$* (exit $code)"
  exit "$code"
}

conf="${EFSDR_CONF:-/etc/efsdr/efsdr.conf}"
if [[ -e "$conf" ]]; then
  [[ -r "$conf" ]] || die 40 "cannot read the settings file $conf; the node may still hold the file system"
  # shellcheck source=/dev/null
  . "$conf" || die 40 "the settings file $conf failed (exit $?); the node may still hold the file system"
fi

EFSDR_NODE_SCRIPT="${EFSDR_NODE_SCRIPT:-/opt/efsdr/efsdr-node.sh}"
EFSDR_MOUNT_POINT="${EFSDR_MOUNT_POINT:-/mnt/efs}"
EFSDR_UNIT="${EFSDR_UNIT:-minio}"
EFSDR_STATE_DIR="${EFSDR_STATE_DIR:-/var/lib/efsdr}"
EFSDR_STOP_TIMEOUT="${EFSDR_STOP_TIMEOUT:-240}"
EFSDR_STOP_CHECK_TIMEOUT="${EFSDR_STOP_CHECK_TIMEOUT:-10}"
# An invalid limit must not fail a stop: the default is used instead.
if [[ ! "$EFSDR_STOP_TIMEOUT" =~ ^[1-9][0-9]{0,3}$ ]]; then
  report warn "EFSDR_STOP_TIMEOUT $(printf '%q' "$EFSDR_STOP_TIMEOUT") is not 1-9999 seconds; using 240"
  EFSDR_STOP_TIMEOUT=240
fi
if [[ ! "$EFSDR_STOP_CHECK_TIMEOUT" =~ ^[1-9][0-9]{0,3}$ ]]; then
  report warn "EFSDR_STOP_CHECK_TIMEOUT $(printf '%q' "$EFSDR_STOP_CHECK_TIMEOUT") is not 1-9999 seconds; using 10"
  EFSDR_STOP_CHECK_TIMEOUT=10
fi

# held: prints what this node still holds (nothing when it holds nothing). Each check is bounded.
held() {
  local limit="$EFSDR_STOP_CHECK_TIMEOUT" rc=0
  timeout -k 2 "$limit" mountpoint -q -- "$EFSDR_MOUNT_POINT" || rc=$?
  if ((rc == 0)); then
    printf '%s is still mounted; ' "$EFSDR_MOUNT_POINT"
  elif ((rc == 124 || rc == 137)); then
    printf 'checking %s did not finish within %ss (hung?); ' "$EFSDR_MOUNT_POINT" "$limit"
  fi
  rc=0
  timeout -k 2 "$limit" systemctl is-active --quiet -- "$EFSDR_UNIT" || rc=$?
  if ((rc == 0)); then
    printf 'unit %s is still active; ' "$EFSDR_UNIT"
  elif ((rc == 124 || rc == 137)); then
    printf 'systemctl is-active %s did not finish within %ss; ' "$EFSDR_UNIT" "$limit"
  fi
  if [[ -e "$EFSDR_STATE_DIR/active-file-system" ]]; then
    printf '%s/active-file-system still records an active file system; ' "$EFSDR_STATE_DIR"
  fi
}

# settle CODE WHY: after a failed stop, succeed with a warning when nothing is held, else fail with CODE.
settle() {
  local code="$1" why="$2" holding
  holding="$(held)"
  if [[ -z "$holding" ]]; then
    report warn "$why; but $EFSDR_MOUNT_POINT is not mounted, $EFSDR_UNIT is not active and no active file system is recorded, so the stop succeeds"
    exit 0
  fi
  die "$code" "$why; ${holding%; }: this node may still hold the file system, so the stop fails and EXPRESSCLUSTER's final action on deactivation failure applies"
}

situation="CLP_EVENT=${CLP_EVENT:-} CLP_FACTOR=${CLP_FACTOR:-} CLP_GROUPNAME=${CLP_GROUPNAME:-} CLP_RESOURCENAME=${CLP_RESOURCENAME:-}"
[[ -f "$EFSDR_NODE_SCRIPT" && -r "$EFSDR_NODE_SCRIPT" ]] ||
  settle 43 "$situation: EFSDR_NODE_SCRIPT $EFSDR_NODE_SCRIPT is not a readable file"

report info "$situation: stopping $EFSDR_UNIT and unmounting $EFSDR_MOUNT_POINT"

# Exactly the inputs deactivate expects: any other SSM_* value would be checked too, and could fail the stop.
mapfile -t inherited < <(compgen -A export -X '!SSM_*' || true)
for name in "${inherited[@]}"; do
  unset "$name"
done
export SSM_Action=deactivate SSM_MountPoint="$EFSDR_MOUNT_POINT" SSM_Unit="$EFSDR_UNIT" EFSDR_STATE_DIR
rc=0
timeout -k 10 "$EFSDR_STOP_TIMEOUT" bash "$EFSDR_NODE_SCRIPT" || rc=$?
case "$rc" in
  0) report info "$EFSDR_UNIT is stopped and $EFSDR_MOUNT_POINT is not mounted" ;;
  30) die 30 "the unit $EFSDR_UNIT failed to stop and is still active: it may still write to EFS, so the stop fails" ;;
  31) die 31 "$EFSDR_MOUNT_POINT could not be unmounted (busy; the holders are listed above, nothing was killed): the stop fails" ;;
  124 | 137) die 44 "the node script did not finish within EFSDR_STOP_TIMEOUT=${EFSDR_STOP_TIMEOUT}s ($EFSDR_MOUNT_POINT hung?): the stop fails" ;;
  *) settle "$rc" "the node script failed (exit $rc)" ;;
esac
exit 0
