# shellcheck shell=bash
# node-lib.sh: shared by the simulated node's command shims (sourced by each of them, never run).
#
# One set of shims serves both the local cloud's simulated nodes (local/EfsDr.LocalCloud/Nodes/NodeSandbox.cs) and the
# node script's tests (tests/EfsDr.Node.Tests/Support/NodeSandbox.cs). Both lay a node out the same way:
#   bin/         the shims: mount, umount, mountpoint, findmnt, systemctl, curl, dd, fuser, pkill, killall
#   lib/         this file
#   node.env     the node's constants: NODE_NAME, NODE_INSTANCE_ID, NODE_REGION, NODE_ADDRESS, NODE_APP_UNIT,
#                NODE_APP_PORT, NODE_APP_DIR, NODE_APP_KIND, NODE_S3RVER, NODE_REAL_DD, NODE_REAL_CURL
#   mnt/efs      what /mnt/efs is on a real node (the node's MountPoint)
#   state/       mounts            TARGET<TAB>SOURCE<TAB>FSTYPE<TAB>OPTIONS<TAB>REGION<TAB>FSID, one line per mount
#                filesystems       REGION<TAB>FSID<TAB>rw|ro<TAB>DATADIR, written by the local cloud before each command
#                                  (by the test before it runs the script)
#                app.pid, app.log  the application while it runs
#                lock              serialises the shims that change state
#                faults/NAME       an injected fault, set by whoever drives the node (see below)
#   log          every shim call, one line each: name [arg1] [arg2] ...
#
# The application unit ($NODE_APP_UNIT) is, by NODE_APP_KIND:
#   s3rver (the default)  a real S3-compatible server, s3rver ($NODE_S3RVER), over the mount, on $NODE_ADDRESS port
#                         $NODE_APP_PORT; the health check connects to it (the local cloud).
#   stub                  no process and no port: start writes state/app.pid with the starting shim's pid and stop
#                         removes it; the health check answers from that file alone, so nothing touches the network
#                         (the node tests). Every other rule (the mount it requires, a read-only file system, busy) is
#                         the same.
#
# Faults: a file state/faults/NAME makes the shims fail as a real node would. Absent by default; the local cloud sets
# none today. A fault applies to the shims of every application kind.
#   unhealthy       every curl fails to connect (exit 7).
#   curl-failures   holds N: the next N curls fail to connect (exit 7); each failure counts N down by one.
#   busy            holds "PID COMMAND", another process using every mount: umount fails with "target is busy."
#                   (exit 32) and fuser lists that process.
#   start-fails     systemctl start of the application unit fails like a failed job (exit 1).
#   stop-fails      systemctl stop of the application unit fails like a failed job (exit 1); the unit keeps its state.
# A read-only file system is no fault: it is the rw|ro column of state/filesystems. A mount that fails is a file system
# that state/filesystems does not list.
set -euo pipefail

NODE_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_STATE="$NODE_ROOT/state"
# shellcheck source=/dev/null
. "$NODE_ROOT/node.env"
: "${NODE_APP_KIND:=s3rver}"
mkdir -p -- "$NODE_STATE"
touch -- "$NODE_STATE/mounts" "$NODE_STATE/filesystems"

# node_log NAME ARGS...: records one call in $NODE_ROOT/log.
node_log() {
  {
    printf '%s' "$1"
    shift
    if (($# > 0)); then printf ' [%s]' "$@"; fi
    printf '\n'
  } >>"$NODE_ROOT/log"
}

# node_lock: holds the node's state lock (fd 9) until the shim exits.
node_lock() {
  exec 9>"$NODE_STATE/lock"
  flock 9
}

# node_unlock: releases the node's state lock before the shim runs something that may take long.
node_unlock() {
  exec 9>&-
}

# fault NAME: the fault state/faults/NAME is set.
fault() {
  [[ -e "$NODE_STATE/faults/$1" ]]
}

# fault_text NAME: the content of the fault state/faults/NAME (empty when it is not set).
fault_text() {
  if fault "$1"; then cat -- "$NODE_STATE/faults/$1"; fi
}

# take_curl_failure: the curl-failures fault has a failure left; takes it (counts the fault down by one).
take_curl_failure() {
  local left
  fault curl-failures || return 1
  node_lock
  left="$(fault_text curl-failures)"
  if [[ ! "$left" =~ ^[0-9]+$ ]] || ((left == 0)); then
    node_unlock
    return 1
  fi
  printf '%s\n' "$((left - 1))" >"$NODE_STATE/faults/curl-failures"
  node_unlock
}

# busy_holder: prints "PID COMMAND" of the process that the busy fault says uses every mount; fails without the fault.
busy_holder() {
  local holder
  fault busy || return 1
  holder="$(fault_text busy)"
  printf '%s\n' "${holder:-0 unknown}"
}

# normal PATH: the absolute path without '.', '..' or repeated slashes, symlinks kept (as the node script does).
normal() {
  realpath -ms -- "$1"
}

# mount_at TARGET: prints the mounts line of the mount whose target is exactly TARGET; fails when none.
mount_at() {
  local want="$1" tgt rest
  while IFS=$'\t' read -r tgt rest; do
    if [[ "$tgt" == "$want" ]]; then
      printf '%s\t%s\n' "$tgt" "$rest"
      return 0
    fi
  done <"$NODE_STATE/mounts"
  return 1
}

# mount_of PATH: prints the mounts line of the mount that holds PATH (the longest target that is PATH or a parent).
mount_of() {
  local path="$1" tgt rest best="" line=""
  while IFS=$'\t' read -r tgt rest; do
    if [[ "$path" == "$tgt" || "$path" == "$tgt"/* ]] && ((${#tgt} > ${#best})); then
      best="$tgt"
      line="$tgt"$'\t'"$rest"
    fi
  done <"$NODE_STATE/mounts"
  [[ -n "$line" ]] || return 1
  printf '%s\n' "$line"
}

# field N LINE: the Nth (1-based) tab-separated field of LINE.
field() {
  local -a parts
  IFS=$'\t' read -r -a parts <<<"$2"
  printf '%s\n' "${parts[$(($1 - 1))]-}"
}

# fs_info REGION FSID: prints "rw|ro<TAB>DATADIR" for a file system the local cloud knows; fails when unknown.
fs_info() {
  local region fsid mode dir
  while IFS=$'\t' read -r region fsid mode dir; do
    if [[ "$region" == "$1" && "$fsid" == "$2" ]]; then
      printf '%s\t%s\n' "$mode" "$dir"
      return 0
    fi
  done <"$NODE_STATE/filesystems"
  return 1
}

# fs_mode_of_mount LINE: rw, ro, or gone (the file system no longer exists) for a mounts line.
fs_mode_of_mount() {
  local info
  if info="$(fs_info "$(field 5 "$1")" "$(field 6 "$1")")"; then
    field 1 "$info"
  else
    printf 'gone\n'
  fi
}

# app_pid: prints the pid of the node's application when it runs; fails otherwise. For s3rver the pid must still be
# an s3rver bound to this node's address (a recycled pid is not ours) and not a zombie; a stub runs while its pid
# file is there.
app_pid() {
  local pid cmdline
  [[ -r "$NODE_STATE/app.pid" ]] || return 1
  pid="$(<"$NODE_STATE/app.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  if [[ "$NODE_APP_KIND" == stub ]]; then
    printf '%s\n' "$pid"
    return 0
  fi
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *s3rver*" --address $NODE_ADDRESS "* ]] || return 1
  alive "$pid" || return 1
  printf '%s\n' "$pid"
}

# alive PID: some thread of the process is neither a zombie nor dead. A multithreaded process (node) whose main thread
# is already a zombie still holds its files and sockets until its last thread exits.
alive() {
  local task line rest
  for task in /proc/"$1"/task/*/stat; do
    line="$(cat -- "$task" 2>/dev/null)" || continue
    rest="${line##*) }" # the command name may hold spaces; the state follows the last ')'
    [[ "${rest%% *}" == [ZX] ]] || return 0
  done
  return 1
}

# port_open HOST PORT: something accepts TCP connections there.
port_open() {
  (: <"/dev/tcp/$1/$2") 2>/dev/null
}

# unit_name NAME: NAME without a .service suffix.
unit_name() {
  printf '%s\n' "${1%.service}"
}
