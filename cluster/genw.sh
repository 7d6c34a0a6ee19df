#!/usr/bin/env bash
# genw.sh: EXPRESSCLUSTER X custom monitor (genw-efsdr) for exec-efsdr. It checks, without any AWS call, that the
# file system EfsDr activated on this node is still mounted and writable.
#
# Why this script exists:
#   The article's genw-EFS ran only `mountpoint /mnt/efs`. That check passes for any file system, including a stale
#   ex-primary or a read-only replica mounted by hand. This script checks three things, in order, and each failed
#   check has its own exit code:
#     (a) the mount point is mounted (`mountpoint -q`);
#     (b) it holds the file system that the node script recorded at activation, in
#         $EFSDR_STATE_DIR/active-file-system. findmnt's SOURCE must be `fs-ID:…` (efs-utils), `fs-ID.efs.REGION.
#         amazonaws.com:…` (nfs4), or `127.0.0.1:…` (efs-utils TLS). The TLS form counts only when efs-utils' state
#         file EFSDR_EFS_STATE_DIR/fs-ID.<mount point with / as .>.<port> exists, port being the mount's port= option.
#         This is the node script's own rule, except that any REGION is accepted, because the record holds only the id;
#     (c) it is writable: a probe file .efsdr-genw.PID under the mount point is written with `dd conv=fsync`, read
#         back and removed, within EFSDR_GENW_PROBE_TIMEOUT seconds.
#   It reads no AWS API, so a regional outage does not look like a local failure.
#   Every command that touches the mount point (realpath, mountpoint, findmnt, dd, cat, rm) runs under `timeout`
#   with EFSDR_GENW_PROBE_TIMEOUT: a hung NFS mount makes the monitor fail with 54 instead of hanging it.
#   A failure is reported with clplogcmd (EXPRESSCLUSTER's alert log) when it is on PATH, once per change of the
#   outcome (recorded in $EFSDR_STATE_DIR/genw-reported), and on stderr every time; recovery is reported once too.
#
# Settings: sourced from ${EFSDR_CONF:-/etc/efsdr/efsdr.conf} when that file exists (see cluster/efsdr.conf.example).
#   EFSDR_MOUNT_POINT (/mnt/efs), EFSDR_STATE_DIR (/var/lib/efsdr), EFSDR_GENW_PROBE_TIMEOUT (20, seconds: the limit
#   of each command that touches the mount point), EFSDR_EFS_STATE_DIR (/var/run/efs, where efs-utils keeps its TLS
#   mount state files), EFSDR_CLPLOGCMD_OPTIONS (empty).
#
# Exit codes (0 is normal; any other code is a monitor error):
#    0  healthy: mounted, the recorded file system, writable
#   40  the settings file exists but could not be read
#   41  a setting is invalid (EFSDR_MOUNT_POINT, EFSDR_GENW_PROBE_TIMEOUT)
#   50  (a) the mount point is not mounted
#   51  (b) no valid record of the activated file system (missing, unreadable or not an fs- id)
#   52  (b) the mount point holds a different file system than the recorded one
#   53  (c) not writable: the probe could not be written, read back or removed (read-only replica?)
#   54  a command on the mount point (mountpoint, findmnt or a probe step) did not finish within
#       EFSDR_GENW_PROBE_TIMEOUT (a hung NFS mount?)
set -euo pipefail
export LC_ALL=C # regex ranges such as [a-z] are ASCII only

readonly TAG="efsdr-cluster genw"

# report LEVEL MESSAGE [alert]: stderr; with "alert", EXPRESSCLUSTER's alert log too when clplogcmd is on PATH
# (never fatal).
report() {
  local level="$1" message="$TAG: $2"
  printf '%s\n' "$message" >&2
  if [[ "${3-}" == alert ]] && command -v clplogcmd >/dev/null 2>&1; then
    local -a extra=()
    read -ra extra <<<"${EFSDR_CLPLOGCMD_OPTIONS:-}"
    timeout -k 2 10 clplogcmd -m "${message:0:500}" -l "$level" "${extra[@]}" >/dev/null 2>&1 || true
  fi
}

# finish CODE [MESSAGE]: the monitor's outcome. genw runs every interval, so the alert log hears of an outcome only
# when it differs from the last one reported ($EFSDR_STATE_DIR/genw-reported); stderr gets every failure.
finish() {
  local code="$1" message="${2-}" record="" last="" alert=alert
  if [[ -n "${EFSDR_STATE_DIR:-}" ]]; then
    record="$EFSDR_STATE_DIR/genw-reported"
    last="$(cat -- "$record" 2>/dev/null || true)"
    if [[ "$last" == "$code" ]]; then alert=""; fi
  fi
  if ((code != 0)); then
    report err "$message (exit $code)" "$alert"
  elif [[ -n "$last" && "$last" != 0 ]]; then
    report info "healthy again: $EFSDR_MOUNT_POINT holds the activated file system and is writable" alert
  fi
  if [[ -n "$record" && "$last" != "$code" ]] && ! [[ "$code" == 0 && -z "$last" ]]; then
    printf '%s\n' "$code" 2>/dev/null >"$record" || true
  fi
  exit "$code"
}

die() {
  local code="$1"
  shift
  finish "$code" "$*"
}

# bounded COMMAND…: runs it under timeout with the probe limit; 124/137 mean it hung.
bounded() {
  timeout -k 5 "$limit" "$@"
}

conf="${EFSDR_CONF:-/etc/efsdr/efsdr.conf}"
if [[ -e "$conf" ]]; then
  [[ -r "$conf" ]] || die 40 "cannot read the settings file $conf"
  # shellcheck source=/dev/null
  . "$conf" || die 40 "the settings file $conf failed (exit $?)"
fi

EFSDR_MOUNT_POINT="${EFSDR_MOUNT_POINT:-/mnt/efs}"
EFSDR_STATE_DIR="${EFSDR_STATE_DIR:-/var/lib/efsdr}"
EFSDR_GENW_PROBE_TIMEOUT="${EFSDR_GENW_PROBE_TIMEOUT:-20}"
EFSDR_EFS_STATE_DIR="${EFSDR_EFS_STATE_DIR:-/var/run/efs}"

# The node script's MountPoint rule (Patterns.IsMountPoint).
if [[ ! "$EFSDR_MOUNT_POINT" =~ ^/[A-Za-z0-9._/-]{1,254}$ || "/$EFSDR_MOUNT_POINT/" == */../* || "$EFSDR_MOUNT_POINT" =~ ^/+$ ]]; then
  die 41 "EFSDR_MOUNT_POINT $(printf '%q' "$EFSDR_MOUNT_POINT") is not an absolute path of letters, digits and ._/- without '..'"
fi
[[ "$EFSDR_GENW_PROBE_TIMEOUT" =~ ^[1-9][0-9]{0,3}$ ]] ||
  die 41 "EFSDR_GENW_PROBE_TIMEOUT $(printf '%q' "$EFSDR_GENW_PROBE_TIMEOUT") is not 1-9999 seconds"
limit="$EFSDR_GENW_PROBE_TIMEOUT"
hung() { (($1 == 124 || $1 == 137)); }

rc=0
mp="$(bounded realpath -ms -- "$EFSDR_MOUNT_POINT")" || rc=$? # as the node script does: no trailing or double slashes
if hung "$rc"; then die 54 "realpath $EFSDR_MOUNT_POINT did not finish within ${limit}s; is it hung?"; fi
((rc == 0)) || die 41 "realpath $EFSDR_MOUNT_POINT failed (exit $rc)"

# (a) mounted
rc=0
bounded mountpoint -q -- "$mp" || rc=$?
if hung "$rc"; then die 54 "mountpoint $mp did not finish within ${limit}s; $mp is hung?"; fi
((rc == 0)) || die 50 "$mp is not mounted"

# (b) the recorded file system
record="$EFSDR_STATE_DIR/active-file-system"
[[ -f "$record" && -r "$record" ]] ||
  die 51 "no record of the activated file system: $record is missing (was the group started by exec-efsdr?)"
fsid="$(<"$record")"
[[ "$fsid" =~ ^fs-[0-9a-f]{8,40}$ ]] || die 51 "$record holds $(printf '%q' "$fsid"), not a file system id"

rc=0
source="$(bounded findmnt -n -o SOURCE --target "$mp")" || rc=$?
if hung "$rc"; then die 54 "findmnt $mp did not finish within ${limit}s; $mp is hung?"; fi
((rc == 0)) || die 52 "findmnt cannot tell which file system $mp holds"
case "$source" in
  "$fsid:"* | "$fsid".efs.*.amazonaws.com:*) ;;
  127.0.0.1:*)
    rc=0
    options="$(bounded findmnt -n -o OPTIONS --target "$mp")" || rc=$?
    if hung "$rc"; then die 54 "findmnt $mp did not finish within ${limit}s; $mp is hung?"; fi
    ((rc == 0)) || die 52 "findmnt cannot tell the options of $mp"
    [[ ",$options," =~ ,port=([0-9]+), ]] || die 52 "$mp holds $source without a port= option; cannot tell its file system"
    dotted="${mp//\//.}"
    state="$EFSDR_EFS_STATE_DIR/$fsid.${dotted#.}.${BASH_REMATCH[1]}"
    [[ -e "$state" ]] || die 52 "$mp holds $source (efs-utils TLS), but $state is missing: not $fsid"
    ;;
  *) die 52 "$mp holds $source, not the activated file system $fsid" ;;
esac

# (c) writable: write with fsync, read back, remove; each step bounded (a hard NFS mount can hang).
probe="$mp/.efsdr-genw.$$"
token="efsdr-genw $$ $RANDOM"
rc=0
printf '%s\n' "$token" | bounded dd of="$probe" conv=fsync status=none || rc=$?
if ((rc == 124 || rc == 137)); then
  die 54 "writing $probe did not finish within ${limit}s; $mp is hung?"
elif ((rc != 0)); then
  bounded rm -f -- "$probe" 2>/dev/null || true
  die 53 "cannot write $probe (exit $rc): $fsid is read-only (replicating?) or not writable"
fi
rc=0
back="$(bounded cat -- "$probe")" || rc=$?
if ((rc == 124 || rc == 137)); then die 54 "reading $probe back did not finish within ${limit}s; $mp is hung?"; fi
if ((rc != 0)) || [[ "$back" != "$token" ]]; then
  bounded rm -f -- "$probe" 2>/dev/null || true
  die 53 "$probe read back wrong data (exit $rc)"
fi
rc=0
bounded rm -f -- "$probe" || rc=$?
if ((rc == 124 || rc == 137)); then die 54 "removing $probe did not finish within ${limit}s; $mp is hung?"; fi
((rc == 0)) || die 53 "cannot remove $probe (exit $rc)"
finish 0
