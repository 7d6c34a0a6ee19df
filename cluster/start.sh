#!/usr/bin/env bash
# start.sh: EXPRESSCLUSTER X exec resource (exec-efsdr) start script. It fails the group over to THIS node through
# EfsDr's workflow and waits for the result.
#
# Why this script exists:
#   It replaces the article's exec-EFS start.sh, exec-MinIO start.sh and the awsdns resource. One command,
#   `efsdr failover --to THIS-SERVER --wait`, starts (or joins an already running) failover execution in this
#   node's region. That execution promotes the replica when needed, mounts EFS and starts MinIO on this node, then
#   switches DNS, in that order. The exec resource must start SYNCHRONOUSLY: EXPRESSCLUSTER reads this script's exit
#   code as the activation result. So the script execs efsdr and passes its exit code through unchanged, and the
#   exec resource's start timeout must be longer than EFSDR_TIMEOUT (see cluster/README.md).
#   exec, not a child process: a signal from EXPRESSCLUSTER (a timeout) reaches efsdr itself, which then stops
#   waiting. Stopping the wait never stops the execution.
#
# Settings: sourced from ${EFSDR_CONF:-/etc/efsdr/efsdr.conf} when that file exists (see cluster/efsdr.conf.example).
#   EFSDR_SERVER (default: hostname -s), EFSDR_BIN (/usr/local/bin/efsdr; a name without / is looked up on PATH),
#   EFSDR_CONFIG_FILE (/etc/efsdr/cluster.json), EFSDR_TIMEOUT (55m). AWS_* variables reach efsdr as exported.
# EXPRESSCLUSTER's variables, logged and put in the run's reason: CLP_EVENT (START | FAILOVER | RECOVER),
#   CLP_SERVER (HOME | OTHER), CLP_GROUPNAME, CLP_RESOURCENAME.
#
# Exit codes (any non-zero code fails the activation):
#    0  the failover run succeeded: EFS is mounted, MinIO is healthy and DNS points here   (efsdr)
#    2  efsdr refused the input or the configuration (usage, cluster.json)                 (efsdr)
#    3  the run failed: FAILED, TIMED_OUT or ABORTED                                        (efsdr)
#    4  EFSDR_TIMEOUT passed while waiting; the execution goes on                           (efsdr)
#    5  AWS was unreachable                                                                 (efsdr)
#  130  efsdr was interrupted; the execution goes on                                        (efsdr)
#   40  the settings file exists but could not be read
#   41  a setting is missing or invalid (EFSDR_SERVER, EFSDR_CONFIG_FILE, EFSDR_TIMEOUT)
#   42  EFSDR_BIN is not an executable file (or, as a bare name, not on PATH)
set -euo pipefail

die() {
  local code="$1"
  shift
  printf 'efsdr-cluster start: %s\n' "$*" >&2
  exit "$code"
}

conf="${EFSDR_CONF:-/etc/efsdr/efsdr.conf}"
if [[ -e "$conf" ]]; then
  [[ -r "$conf" ]] || die 40 "cannot read the settings file $conf"
  # shellcheck source=/dev/null
  . "$conf" || die 40 "the settings file $conf failed (exit $?)"
fi

if [[ -z "${EFSDR_SERVER:-}" ]]; then
  EFSDR_SERVER="$(hostname -s 2>/dev/null)" || EFSDR_SERVER=""
fi
EFSDR_BIN="${EFSDR_BIN:-/usr/local/bin/efsdr}"
EFSDR_CONFIG_FILE="${EFSDR_CONFIG_FILE:-/etc/efsdr/cluster.json}"
EFSDR_TIMEOUT="${EFSDR_TIMEOUT:-55m}"

# The same pattern as cluster.json's servers[].name (Patterns.ServerName).
[[ "$EFSDR_SERVER" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] ||
  die 41 "EFSDR_SERVER $(printf '%q' "$EFSDR_SERVER") is not a server name; set it in $conf"
[[ -n "$EFSDR_CONFIG_FILE" ]] || die 41 "EFSDR_CONFIG_FILE is empty"
[[ -n "$EFSDR_TIMEOUT" ]] || die 41 "EFSDR_TIMEOUT is empty"
if [[ "$EFSDR_BIN" != */* ]]; then # a bare name is looked up on PATH
  found="$(command -v -- "$EFSDR_BIN")" || die 42 "EFSDR_BIN $EFSDR_BIN is not on PATH ($PATH)"
  EFSDR_BIN="$found"
fi
[[ -f "$EFSDR_BIN" && -x "$EFSDR_BIN" ]] || die 42 "EFSDR_BIN $EFSDR_BIN is not an executable file"

event="${CLP_EVENT:-START}"
group="${CLP_GROUPNAME:-group}"
printf 'efsdr-cluster start: CLP_EVENT=%s CLP_SERVER=%s CLP_GROUPNAME=%s CLP_RESOURCENAME=%s: failing over to %s (wait up to %s)\n' \
  "${CLP_EVENT:-}" "${CLP_SERVER:-}" "${CLP_GROUPNAME:-}" "${CLP_RESOURCENAME:-}" "$EFSDR_SERVER" "$EFSDR_TIMEOUT"

exec "$EFSDR_BIN" failover --to "$EFSDR_SERVER" --wait --timeout "$EFSDR_TIMEOUT" --config "$EFSDR_CONFIG_FILE" \
  --reason "EXPRESSCLUSTER $event of $group"
