#!/usr/bin/env bash
# systemctl (simulated node): the node's application unit ($NODE_APP_UNIT, minio by default) is an S3-compatible
# server, s3rver, serving the node's mount point ($NODE_APP_DIR, what /mnt/efs is on a real node) on the node's own
# loopback address, port $NODE_APP_PORT.
#   systemctl start [--] UNIT      starts s3rver in the background (its pid in state/app.pid) and waits until it
#                                  accepts connections; fails like a unit with RequiresMountsFor= when the mount point
#                                  is not mounted, and refuses a read-only (replica) file system
#   systemctl stop [--] UNIT       stops exactly that pid (TERM, then KILL after 10 s); never pkill
#   systemctl is-active [--quiet] [--] UNIT    exit 0 active, 3 inactive
#   systemctl status [--] UNIT     exit 0 active, 3 inactive
# Any other unit is not installed on the node: start and stop fail with exit 5, is-active says inactive (exit 3).
# A stub application (NODE_APP_KIND=stub) follows the same rules without a process: start records the shim's pid in
# state/app.pid, stop removes it. The start-fails and stop-fails faults (see node-lib.sh) make the jobs fail.
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log systemctl "$@"

verb="" unit="" quiet=no
while (($# > 0)); do
  case "$1" in
    -q | --quiet) quiet=yes; shift ;;
    --no-pager | --no-block | --no-ask-password) shift ;;
    --) shift; [[ -z "$unit" ]] && unit="${1-}"; break ;;
    -*) printf 'systemctl: the simulated systemctl does not support option %s\n' "$1" >&2; exit 1 ;;
    *) if [[ -z "$verb" ]]; then verb="$1"; elif [[ -z "$unit" ]]; then unit="$1"; fi; shift ;;
  esac
done
case "$verb" in
  daemon-reload) exit 0 ;;
  start | stop | restart | is-active | status) ;;
  *) printf 'systemctl: the simulated systemctl does not support %s\n' "${verb:-an empty command}" >&2; exit 1 ;;
esac
[[ -n "$unit" ]] || { printf 'Too few arguments.\n' >&2; exit 1; }
unit="$(unit_name "$unit")"

inactive() {
  [[ "$quiet" == yes ]] || printf 'inactive\n'
  exit 3
}

if [[ "$unit" != "$NODE_APP_UNIT" ]]; then
  case "$verb" in
    start | restart) printf 'Failed to %s %s.service: Unit %s.service not found.\n' "$verb" "$unit" "$unit" >&2; exit 5 ;;
    stop) printf 'Failed to stop %s.service: Unit %s.service not loaded.\n' "$unit" "$unit" >&2; exit 5 ;;
    is-active) inactive ;;
    status) printf 'Unit %s.service could not be found.\n' "$unit" >&2; exit 4 ;;
  esac
fi

job_failed() {
  printf 'Job for %s.service failed because the control process exited with error code.\n' "$unit" >&2
  printf 'See "systemctl status %s.service" and "journalctl -xeu %s.service" for details.\n' "$unit" "$unit" >&2
  printf '(simulated node %s: %s)\n' "$NODE_NAME" "$1" >&2
  exit 1
}

start_app() {
  app_pid >/dev/null && return 0
  local line mode pid i
  if fault start-fails; then job_failed "the start-fails fault is set"; fi
  line="$(mount_at "$NODE_APP_DIR")" || job_failed "$NODE_APP_DIR is not mounted; the unit requires its data mount"
  mode="$(fs_mode_of_mount "$line")"
  [[ "$mode" == rw ]] || job_failed "$NODE_APP_DIR holds $(field 6 "$line"), which is not writable ($mode): the application refuses a read-only file system"
  if [[ "$NODE_APP_KIND" == stub ]]; then
    printf '%s\n' "$$" >"$NODE_STATE/app.pid"
    return 0
  fi
  [[ -x "$NODE_S3RVER" ]] || job_failed "$NODE_S3RVER is missing: run npm ci in the repository root"
  if port_open "$NODE_ADDRESS" "$NODE_APP_PORT"; then
    job_failed "$NODE_ADDRESS:$NODE_APP_PORT is already in use by a process that is not this unit's"
  fi
  # setsid: its own session, so it outlives this shim; fd 9 (the lock) is not inherited.
  setsid "$NODE_S3RVER" --directory "$NODE_APP_DIR" --address "$NODE_ADDRESS" --port "$NODE_APP_PORT" --silent \
    --allow-mismatched-signatures </dev/null >"$NODE_STATE/app.log" 2>&1 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$NODE_STATE/app.pid"
  # Like Type=notify: the start job ends when the server accepts connections (at most 20 s).
  for ((i = 0; i < 200; i++)); do
    if ! alive "$pid"; then
      rm -f -- "$NODE_STATE/app.pid"
      job_failed "s3rver exited: $(tail -n 5 -- "$NODE_STATE/app.log" | tr '\n' ' ')"
    fi
    port_open "$NODE_ADDRESS" "$NODE_APP_PORT" && return 0
    sleep 0.1
  done
  return 0
}

stop_app() {
  local pid i
  if fault stop-fails; then
    printf 'Job for %s.service failed because the control process exited with error code.\n' "$unit" >&2
    printf '(simulated node %s: the stop-fails fault is set)\n' "$NODE_NAME" >&2
    exit 1
  fi
  if ! pid="$(app_pid)" || [[ "$NODE_APP_KIND" == stub ]]; then
    rm -f -- "$NODE_STATE/app.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  # Wait on the pid itself: an exiting process loses its cmdline before it closes its sockets.
  for ((i = 0; i < 150; i++)); do
    if ! alive "$pid"; then
      rm -f -- "$NODE_STATE/app.pid"
      return 0
    fi
    ((i != 100)) || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.1
  done
  printf 'Failed to stop %s.service: pid %s did not exit.\n' "$unit" "$pid" >&2
  exit 1
}

case "$verb" in
  start)
    node_lock
    start_app
    ;;
  stop)
    node_lock
    stop_app
    ;;
  restart)
    node_lock
    stop_app
    start_app
    ;;
  is-active)
    app_pid >/dev/null || inactive
    [[ "$quiet" == yes ]] || printf 'active\n'
    ;;
  status)
    if pid="$(app_pid)"; then
      printf '* %s.service - %s (simulated by s3rver on %s:%s)\n' "$unit" "$unit" "$NODE_ADDRESS" "$NODE_APP_PORT"
      printf '     Active: active (running)\n   Main PID: %s (node)\n' "$pid"
    else
      printf '* %s.service - %s (simulated by s3rver)\n     Active: inactive (dead)\n' "$unit" "$unit"
      exit 3
    fi
    ;;
esac
