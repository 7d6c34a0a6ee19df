#!/usr/bin/env bash
# efsdr-node.sh: mount EFS and start the application on this node (activate), or stop it and unmount
# (deactivate). EfsDr's SSM Command document runs it as root through SSM Agent.
#
# Why this script exists:
#   It replaces the article's exec-EFS start.sh/stop.sh, exec-MinIO scripts and genw.sh, and it leaves out
#   their bugs. It takes the file system id, not a Name prefix, so nothing is matched by prefix. The NFS
#   server is its own argv element (the article had `_netdev"${fsid}…` with no space). It never runs
#   `pkill` or `pgrep | xargs kill`; the application is a systemd unit. It never runs `umount -f`: a busy
#   unmount fails and names the processes that hold it.
#   Activate is idempotent, so the workflow can send it again after a lost reply. Before it starts the
#   unit, a write probe proves that the file system is writable, so an unpromoted, read-only replica
#   fails here and not inside MinIO.
#
# Inputs: environment variables, as SSM `interpolationType: ENV_VAR` provides them. Each value has already
# passed the document's allowedPattern (the patterns in ClusterConfigurationValidator.Patterns). This
# script checks them again with the same patterns (defence in depth) before it runs any command.
#   SSM_Action                activate | deactivate
#   SSM_FileSystemId          ^fs-[0-9a-f]{8,40}$
#   SSM_Region                ^[a-z]{2}(-[a-z]+)+-[0-9]+$
#   SSM_MountPoint            ^/[A-Za-z0-9._/-]{1,254}$, no '..' segment, not only slashes
#   SSM_MountMethod           efs-utils | nfs4
#   SSM_Unit                  ^[A-Za-z0-9@._-]{1,64}$
#   SSM_HealthUrl             ^https?://[A-Za-z0-9.:\[\]_-]+(/[A-Za-z0-9._~/%-]*)?$, at most 512 characters
#   SSM_HealthTimeoutSeconds  1..3600
# activate needs all eight. deactivate needs Action, MountPoint and Unit; it checks any others that are set.
# deactivate makes no network or AWS call.
# Test hook: EFSDR_EFS_STATE_DIR (default /var/run/efs) is where efs-utils keeps its TLS mount state files.
# EFSDR_STATE_DIR (default /var/lib/efsdr): after a successful activate the script writes the file system id to
# active-file-system there; deactivate removes it once the mount is gone. cluster/genw.sh compares the mounted
# file system with it, so the EXPRESSCLUSTER monitor can tell the right file system without calling AWS.
#
# Exit codes:
#    0  success (or --help)
#    2  usage: unknown command-line argument
#   10  SSM_Action is missing or invalid          11  SSM_FileSystemId is missing or invalid
#   12  SSM_Region is missing or invalid          13  SSM_MountPoint is missing or invalid
#   14  SSM_MountMethod is missing or invalid     15  SSM_Unit is missing or invalid
#   16  SSM_HealthUrl is missing or invalid       17  SSM_HealthTimeoutSeconds is missing or invalid
#   20  the mount point holds a different file system
#   21  mount failed                               22  write probe failed (read-only replica?)
#   23  the unit failed to start                   24  the health URL did not answer within the timeout
#   25  the active file system could not be recorded in EFSDR_STATE_DIR
#   30  the unit failed to stop                    31  unmount failed (busy: the holders are listed)
set -euo pipefail
export LC_ALL=C # regex ranges such as [a-z] are ASCII only

readonly EFS_STATE_DIR="${EFSDR_EFS_STATE_DIR:-/var/run/efs}"
readonly STATE_DIR="${EFSDR_STATE_DIR:-/var/lib/efsdr}"
readonly ACTIVE_RECORD="$STATE_DIR/active-file-system"

die() {
  local code="$1"
  shift
  printf 'efsdr-node: %s\n' "$*" >&2
  exit "$code"
}

usage() {
  cat <<'EOF'
usage: efsdr-node.sh [--help]
Reads SSM_Action (activate|deactivate), SSM_FileSystemId, SSM_Region, SSM_MountPoint,
SSM_MountMethod (efs-utils|nfs4), SSM_Unit, SSM_HealthUrl and SSM_HealthTimeoutSeconds
from the environment. See the header of this script or node/README.md for the exit codes.
EOF
}

# check FIELD CODE REQUIRED REGEX: the value of SSM_<FIELD> must match REGEX; empty is allowed unless REQUIRED.
check() {
  local field="$1" code="$2" required="$3" regex="$4" var="SSM_$1" value shown
  value="${!var-}"
  if [[ -z "$value" ]]; then
    [[ "$required" == yes ]] && die "$code" "invalid $field: $var is required"
    return 0
  fi
  printf -v shown '%q' "$value"
  [[ "$value" =~ $regex ]] || die "$code" "invalid $field: $shown does not match $regex"
}

# check_all ACTION: every value, with the ones ACTION needs required.
check_all() {
  local all=no
  [[ "$1" == activate ]] && all=yes
  check FileSystemId 11 "$all" '^fs-[0-9a-f]{8,40}$'
  check Region 12 "$all" '^[a-z]{2}(-[a-z]+)+-[0-9]+$'
  check MountPoint 13 yes '^/[A-Za-z0-9._/-]{1,254}$'
  if [[ "/$SSM_MountPoint/" == */../* || "$SSM_MountPoint" =~ ^/+$ ]]; then
    die 13 "invalid MountPoint: $SSM_MountPoint has a '..' segment or is only slashes"
  fi
  check MountMethod 14 "$all" '^(efs-utils|nfs4)$'
  check Unit 15 yes '^[A-Za-z0-9@._-]{1,64}$'
  check HealthUrl 16 "$all" '^https?://[][A-Za-z0-9.:_-]+(/[A-Za-z0-9._~/%-]*)?$'
  if (( ${#SSM_HealthUrl} > 512 )); then die 16 "invalid HealthUrl: longer than 512 characters"; fi
  check HealthTimeoutSeconds 17 "$all" '^[1-9][0-9]{0,3}$'
  if [[ -n "$SSM_HealthTimeoutSeconds" ]] && (( SSM_HealthTimeoutSeconds > 3600 )); then
    die 17 "invalid HealthTimeoutSeconds: $SSM_HealthTimeoutSeconds is above 3600"
  fi
}

# is_this_fs MP: the file system mounted at MP is SSM_FileSystemId. Accepted sources:
#   fs-…:/ (efs-utils without TLS)  ·  fs-….efs.<region>.amazonaws.com:/ (nfs4)  ·
#   127.0.0.1:/ (efs-utils TLS via stunnel) when efs-utils' state file <fsid>.<mount point with / as .>.<port>
#   exists, port being the port= mount option.
is_this_fs() {
  local mp="$1" fsid="$SSM_FileSystemId" source options port dotted
  source="$(findmnt -n -o SOURCE --target "$mp")" || return 1
  case "$source" in
    "$fsid:"* | "$fsid.efs.$SSM_Region.amazonaws.com:"*) return 0 ;;
    127.0.0.1:*)
      options="$(findmnt -n -o OPTIONS --target "$mp")" || return 1
      [[ ",$options," =~ ,port=([0-9]+), ]] || return 1
      port="${BASH_REMATCH[1]}"
      dotted="${mp//\//.}"
      [[ -e "$EFS_STATE_DIR/$fsid.${dotted#.}.$port" ]]
      ;;
    *) return 1 ;;
  esac
}

activate() {
  local mp="$1" fsid="$SSM_FileSystemId" unit="$SSM_Unit" mounted=mounted
  mkdir -p -- "$mp"
  if mountpoint -q -- "$mp"; then
    if ! is_this_fs "$mp"; then
      die 20 "$mp already holds $(findmnt -n -o SOURCE --target "$mp" || echo 'an unknown source'), not $fsid; unmount it first"
    fi
    mounted=already-mounted
  elif [[ "$SSM_MountMethod" == efs-utils ]]; then
    mount -t efs -o tls "$fsid:/" "$mp" || die 21 "mount -t efs of $fsid at $mp failed"
  else
    mount -t nfs4 -o nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev \
      "$fsid.efs.$SSM_Region.amazonaws.com:/" "$mp" || die 21 "mount -t nfs4 of $fsid at $mp failed"
  fi

  # Write probe: create, fsync (dd conv=fsync), read back, remove. An unpromoted replica is read-only.
  local probe="$mp/.efsdr-probe.$$" token="efsdr-probe $$ $RANDOM"
  if ! printf '%s\n' "$token" | dd of="$probe" conv=fsync status=none; then
    rm -f -- "$probe" 2>/dev/null || true
    die 22 "write probe failed at $mp: $fsid is read-only (a replica not yet promoted?) or not writable"
  fi
  if [[ "$(cat -- "$probe")" != "$token" ]] || ! rm -f -- "$probe"; then
    die 22 "write probe at $mp read back wrong data or could not be removed"
  fi

  systemctl start -- "$unit" || die 23 "systemctl start $unit failed"

  local started="$SECONDS" deadline=$((SECONDS + SSM_HealthTimeoutSeconds)) last
  until last="$(curl -fsS --max-time 5 -o /dev/null "$SSM_HealthUrl" 2>&1)"; do
    if (( SECONDS >= deadline )); then
      die 24 "$unit not healthy at $SSM_HealthUrl within ${SSM_HealthTimeoutSeconds}s (last: ${last:-no output})"
    fi
    sleep 1
  done
  # Record the file system for cluster/genw.sh: written to a temporary file, then renamed, so it is never half written.
  local temp="$ACTIVE_RECORD.$$"
  if ! { mkdir -p -- "$STATE_DIR" && printf '%s\n' "$fsid" >"$temp" && mv -f -- "$temp" "$ACTIVE_RECORD"; }; then
    rm -f -- "$temp" 2>/dev/null || true
    die 25 "could not record $fsid in $ACTIVE_RECORD ($unit is running; cluster/genw.sh needs this record)"
  fi
  printf 'efsdr-node: activated {"fileSystemId":"%s","region":"%s","mountPoint":"%s","mount":"%s","unit":"%s","healthy":true,"healthSeconds":%d}\n' \
    "$fsid" "$SSM_Region" "$mp" "$mounted" "$unit" "$((SECONDS - started))"
}

deactivate() {
  local mp="$1" unit="$SSM_Unit" unmounted=not-mounted
  if ! systemctl stop -- "$unit"; then
    # A unit that is not loaded or already stopped is fine; one still active is not.
    if systemctl is-active --quiet -- "$unit"; then die 30 "systemctl stop $unit failed and it is still active"; fi
    printf 'efsdr-node: systemctl stop %s failed, but it is not active; continuing\n' "$unit" >&2
  fi
  if mountpoint -q -- "$mp"; then
    if ! umount -- "$mp"; then
      if mountpoint -q -- "$mp"; then
        if command -v fuser >/dev/null 2>&1; then
          printf 'efsdr-node: processes holding %s:\n' "$mp" >&2
          fuser -vm "$mp" >&2 || true
        fi
        die 31 "umount $mp failed (busy?); nothing was killed, stop the holders listed above and retry"
      fi
    fi
    unmounted=unmounted
  fi
  # Nothing is mounted any more: the record of the active file system goes (a failure here only warns).
  rm -f -- "$ACTIVE_RECORD" || printf 'efsdr-node: could not remove %s; continuing\n' "$ACTIVE_RECORD" >&2
  printf 'efsdr-node: deactivated {"mountPoint":"%s","mount":"%s","unit":"%s","stopped":true}\n' "$mp" "$unmounted" "$unit"
}

main() {
  case "${1-}" in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; die 2 "unknown argument: $(printf '%q' "$1") (inputs come from SSM_* variables)" ;;
  esac
  local action="${SSM_Action-}"
  [[ "$action" == activate || "$action" == deactivate ]] ||
    die 10 "invalid Action: $(printf '%q' "$action") (expected activate or deactivate)"
  : "${SSM_FileSystemId:=}" "${SSM_Region:=}" "${SSM_MountPoint:=}" "${SSM_MountMethod:=}"
  : "${SSM_Unit:=}" "${SSM_HealthUrl:=}" "${SSM_HealthTimeoutSeconds:=}"
  check_all "$action"
  local mp
  mp="$(realpath -ms -- "$SSM_MountPoint")" # like efs-utils' os.path.abspath: no trailing or double slashes
  case "$action" in
    activate) activate "$mp" ;;
    deactivate) deactivate "$mp" ;;
  esac
}

main "$@"
