#!/usr/bin/env bash
# start.sh: EXPRESSCLUSTER X exec resource (exec-efsdr) start script. It fails the group over to THIS node through
# EfsDr's workflow and waits for the result.
#
# Why this script exists:
#   It replaces the article's exec-EFS start.sh, exec-MinIO start.sh and the awsdns resource. One command,
#   `efsdr failover --to THIS-SERVER --wait`, starts (or joins an already running) failover execution in this
#   node's region. That execution promotes the replica when needed, mounts EFS and starts MinIO on this node, then
#   switches DNS, in that order. The exec resource must start SYNCHRONOUSLY: EXPRESSCLUSTER reads this script's exit
#   code as the activation result, so efsdr's exit code is passed through, and the start-script timeout must be
#   longer than EFSDR_CONFLICT_WAIT + EFSDR_TIMEOUT (see cluster/README.md).
#   efsdr runs as a child so that this script can report the outcome (clplogcmd). A TERM, INT or HUP sent to this
#   script (EXPRESSCLUSTER's timeout) is passed on to efsdr, which then stops waiting; that never stops the execution.
#
# What the wait costs: efsdr follows the execution's history incrementally (the newest events only, never the whole
#   history again) about once a second while steps change, backing off to once every 10 s during long waits such as
#   the promotion, and describes the execution once at the end: at most about 1 Step Functions call per second, about
#   0.25 a second on average through a 15-minute promotion (a few hundred calls per node and failover; the old
#   follower made about 18,000). Every waiting node spends this against the account's shared Step Functions quotas.
#
# One run per file system: when another server's failover is running, efsdr refuses (exit 3, "efsdr: refused: a
#   failover to OTHER is running: ARN …"). That happens after an activation failure, when EXPRESSCLUSTER fails the
#   group over to the next server while the first server's execution still runs. This script then logs the running
#   execution and its target, and asks again every EFSDR_CONFLICT_POLL seconds for up to EFSDR_CONFLICT_WAIT: once the
#   other run has ended, the failover to this server starts, so the group ends where EXPRESSCLUSTER put it. If the
#   other run still runs at the end, this server does not become active: exit 45.
#
# Run by EXPRESSCLUSTER only: CLP_EVENT must be START or FAILOVER. Without CLP_EVENT the script is being run by hand
#   and refuses (exit 43) unless its only argument is --manual. CLP_EVENT=RECOVER (Windows only) or any other value
#   is refused (exit 44).
#
# Settings: sourced from ${EFSDR_CONF:-/etc/efsdr/efsdr.conf} when that file exists (see cluster/efsdr.conf.example).
#   EFSDR_SERVER (default: hostname -s), EFSDR_BIN (/usr/local/bin/efsdr; a name without / is looked up on PATH),
#   EFSDR_CONFIG_FILE (/etc/efsdr/cluster.json), EFSDR_TIMEOUT (125m), EFSDR_CONFLICT_WAIT (30m),
#   EFSDR_CONFLICT_POLL (30, seconds), EFSDR_ACCEPT_UNVERIFIED_EPOCHS (no), EFSDR_PLANNED (auto),
#   EFSDR_CLPLOGCMD_OPTIONS (empty).
# Planned moves (EFSDR_PLANNED): auto uses `--planned-if-possible` for CLP_EVENT=START and --manual (a group move in
#   Cluster WebUI starts the group on the new server with START): zero data loss, proven, when the source region
#   answers; efsdr itself falls back to an ordinary failover when the source region does not answer or the target is not
#   a replica. CLP_EVENT=FAILOVER (a server failed) never uses planned mode under auto: the failed node could not be
#   stopped. always passes --planned (refused, exit 3, when it is not possible); never passes nothing.
#   AWS_* variables reach efsdr as exported.
# EXPRESSCLUSTER's variables, logged and put in the run's reason: CLP_EVENT, CLP_SERVER, CLP_GROUPNAME, CLP_RESOURCENAME.
# Outcomes are reported with clplogcmd (EXPRESSCLUSTER's alert log) when it is on PATH, and always on stderr.
#
# Exit codes (any non-zero code fails the activation):
#    0  the failover run succeeded: EFS is mounted, MinIO is healthy and DNS points here   (efsdr)
#    1  efsdr: an unexpected error                                                           (efsdr)
#    2  efsdr refused the input or the configuration (usage, cluster.json)                 (efsdr)
#    3  the run failed: FAILED, TIMED_OUT or ABORTED                                        (efsdr)
#    4  EFSDR_TIMEOUT passed while waiting; the execution goes on                           (efsdr)
#    5  AWS was unreachable                                                                 (efsdr)
#  130  efsdr was interrupted; the execution goes on                                        (efsdr)
#   40  the settings file exists but could not be read
#   41  a setting is missing or invalid, or an unknown argument was given
#   42  EFSDR_BIN is not an executable file (or, as a bare name, not on PATH)
#   43  CLP_EVENT is not set (not run by EXPRESSCLUSTER) and --manual was not given; nothing was asked
#   44  CLP_EVENT is neither START nor FAILOVER; nothing was asked
#   45  a failover to another server was still running after EFSDR_CONFLICT_WAIT: this server is not active
set -euo pipefail

readonly TAG="efsdr-cluster start"

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

manual=no
case "$#:${1-}" in
  0:) ;;
  1:--manual) manual=yes ;;
  *) die 41 "unknown arguments: $(printf '%q ' "$@")(the only argument is --manual)" ;;
esac

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
EFSDR_TIMEOUT="${EFSDR_TIMEOUT:-125m}"
EFSDR_CONFLICT_WAIT="${EFSDR_CONFLICT_WAIT:-30m}"
EFSDR_CONFLICT_POLL="${EFSDR_CONFLICT_POLL:-30}"
EFSDR_ACCEPT_UNVERIFIED_EPOCHS="${EFSDR_ACCEPT_UNVERIFIED_EPOCHS:-no}"
EFSDR_PLANNED="${EFSDR_PLANNED:-auto}"

# The same pattern as cluster.json's servers[].name (Patterns.ServerName).
[[ "$EFSDR_SERVER" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] ||
  die 41 "EFSDR_SERVER $(printf '%q' "$EFSDR_SERVER") is not a server name; set it in $conf"
[[ -n "$EFSDR_CONFIG_FILE" ]] || die 41 "EFSDR_CONFIG_FILE is empty"
[[ -n "$EFSDR_TIMEOUT" ]] || die 41 "EFSDR_TIMEOUT is empty"
[[ "$EFSDR_CONFLICT_WAIT" =~ ^([0-9]{1,5})([smh]?)$ ]] ||
  die 41 "EFSDR_CONFLICT_WAIT $(printf '%q' "$EFSDR_CONFLICT_WAIT") is not a duration (0, 90s, 30m, 1h)"
case "${BASH_REMATCH[2]}" in
  h) conflict_wait=$((10#${BASH_REMATCH[1]} * 3600)) ;;
  m) conflict_wait=$((10#${BASH_REMATCH[1]} * 60)) ;;
  *) conflict_wait=$((10#${BASH_REMATCH[1]})) ;;
esac
[[ "$EFSDR_CONFLICT_POLL" =~ ^[1-9][0-9]{0,3}$ ]] ||
  die 41 "EFSDR_CONFLICT_POLL $(printf '%q' "$EFSDR_CONFLICT_POLL") is not 1-9999 seconds"
case "$EFSDR_ACCEPT_UNVERIFIED_EPOCHS" in
  yes) accept=(--accept-unverified-epochs) ;;
  no | "") accept=() ;;
  *) die 41 "EFSDR_ACCEPT_UNVERIFIED_EPOCHS $(printf '%q' "$EFSDR_ACCEPT_UNVERIFIED_EPOCHS") is neither yes nor no" ;;
esac
case "$EFSDR_PLANNED" in
  auto | always | never) ;;
  *) die 41 "EFSDR_PLANNED $(printf '%q' "$EFSDR_PLANNED") is not auto, always or never" ;;
esac
if [[ "$EFSDR_BIN" != */* ]]; then # a bare name is looked up on PATH
  found="$(command -v -- "$EFSDR_BIN")" || die 42 "EFSDR_BIN $EFSDR_BIN is not on PATH ($PATH)"
  EFSDR_BIN="$found"
fi
[[ -f "$EFSDR_BIN" && -x "$EFSDR_BIN" ]] || die 42 "EFSDR_BIN $EFSDR_BIN is not an executable file"

group="${CLP_GROUPNAME:-group}"
case "${CLP_EVENT:-}" in
  START | FAILOVER) reason="EXPRESSCLUSTER $CLP_EVENT of $group" ;;
  "")
    [[ "$manual" == yes ]] ||
      die 43 "CLP_EVENT is not set, so EXPRESSCLUSTER did not run this script; nothing was asked. To fail over to $EFSDR_SERVER by hand, run: $0 --manual (or efsdr failover --to $EFSDR_SERVER --wait)"
    reason="manual start.sh on $EFSDR_SERVER"
    ;;
  *) die 44 "CLP_EVENT=$(printf '%q' "$CLP_EVENT") is neither START nor FAILOVER; nothing was asked" ;;
esac

errors="$(mktemp "${TMPDIR:-/tmp}/efsdr-start.XXXXXX")"
child=0
signalled="" # the last signal received: also sent to any child started after it
# shellcheck disable=SC2317 # called by the traps below
cleanup() { rm -f -- "$errors"; }
# shellcheck disable=SC2317 # called by the traps below
forward() {
  signalled="$1"
  if ((child > 0)); then kill -s "$1" "$child" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP

# run_child COMMAND…: runs it in the background and waits, so that a trapped signal is forwarded at once; sets rc.
# efsdr's stderr is kept in $errors (to recognise a refusal) and then copied to this script's stderr.
run_child() {
  : >"$errors"
  "$@" 2>"$errors" &
  child=$!
  # A signal that arrived before child was set (or before this child started) still reaches it.
  if [[ -n "$signalled" ]]; then kill -s "$signalled" "$child" 2>/dev/null || true; fi
  rc=0
  wait "$child" || rc=$?
  # wait returns early (>128) when a trapped signal arrives. Waiting again returns the child's own status once it has
  # ended, before or after this point (bash keeps it), so a child that exits at once on the forwarded signal is not
  # mistaken for one killed by it.
  local again
  while ((rc > 128)); do
    again=0
    wait "$child" || again=$?
    if ((again == rc)) && ! kill -0 "$child" 2>/dev/null; then break; fi
    rc=$again
  done
  child=0
  cat -- "$errors" >&2
}

# pause SECONDS: a sleep that a forwarded signal ends at once.
pause() {
  run_child sleep "$1"
  if ((rc != 0)); then
    report err "interrupted while waiting for the running failover to end; $EFSDR_SERVER is not active (exit 130)"
    exit 130
  fi
}

# A planned move stops the source and waits for the last sync (data-loss window 0, proven); see EFSDR_PLANNED above.
planned=()
case "$EFSDR_PLANNED:${CLP_EVENT:-}" in
  always:*) planned=(--planned) ;;
  auto:START | auto:) planned=(--planned-if-possible) ;;
esac

what=(failover --to "$EFSDR_SERVER" --wait --timeout "$EFSDR_TIMEOUT" --config "$EFSDR_CONFIG_FILE" "${planned[@]}" --reason "$reason" "${accept[@]}")
report info "CLP_EVENT=${CLP_EVENT:-} CLP_SERVER=${CLP_SERVER:-} CLP_GROUPNAME=${CLP_GROUPNAME:-} CLP_RESOURCENAME=${CLP_RESOURCENAME:-}: failing over to $EFSDR_SERVER (wait up to $EFSDR_TIMEOUT)"
if ((${#accept[@]} > 0)); then
  report warn "EFSDR_ACCEPT_UNVERIFIED_EPOCHS=yes: a region whose epochs cannot be read does not stop this failover; a newer copy there would be abandoned"
fi

deadline=0 # EFSDR_CONFLICT_WAIT counts from the first refusal; with a wait above 0 it asks again at least once
refusals=0
while :; do
  run_child "$EFSDR_BIN" "${what[@]}"
  refusal="$(grep -m1 '^efsdr: refused: ' -- "$errors" || true)"
  if ((rc != 3)) || [[ -z "$refusal" ]]; then break; fi
  refusals=$((refusals + 1))
  running="another failover"
  if [[ "$refusal" =~ a\ failover\ to\ ([^ ]+)\ is\ running:\ ([^ ]+) ]]; then
    running="the failover to ${BASH_REMATCH[1]} (${BASH_REMATCH[2]})"
  fi
  if ((refusals == 1)); then deadline=$((SECONDS + conflict_wait)); fi
  if ((refusals > 1 || conflict_wait == 0)) && ((SECONDS >= deadline)); then
    die 45 "$running is still running after EFSDR_CONFLICT_WAIT=$EFSDR_CONFLICT_WAIT; one run per file system, so $EFSDR_SERVER will not become active. Wait for that run to end (efsdr runs), then start the group where it should run"
  fi
  if ((refusals == 1)); then
    report warn "$running is running; one run per file system, so $EFSDR_SERVER does not become active while it runs. Asking again every ${EFSDR_CONFLICT_POLL}s for up to $EFSDR_CONFLICT_WAIT"
  fi
  pause "$EFSDR_CONFLICT_POLL"
done

case "$rc" in
  0) report info "$EFSDR_SERVER is active: the failover run succeeded (EFS mounted, MinIO healthy, DNS points here)" ;;
  2) report err "efsdr refused the input or the configuration $EFSDR_CONFIG_FILE; $EFSDR_SERVER is not active (exit 2)" ;;
  3) report err "the failover run to $EFSDR_SERVER failed (see efsdr runs / efsdr report); $EFSDR_SERVER is not active (exit 3)" ;;
  4) report err "EFSDR_TIMEOUT=$EFSDR_TIMEOUT passed while waiting; the execution goes on, but the activation fails here (exit 4)" ;;
  5) report err "AWS was unreachable from $EFSDR_SERVER; the activation fails (exit 5)" ;;
  130 | 143 | 129) report err "efsdr was interrupted (EXPRESSCLUSTER's start-script timeout?); the execution goes on, the activation fails (exit $rc)" ;;
  *) report err "efsdr failed unexpectedly; $EFSDR_SERVER is not active (exit $rc)" ;;
esac
exit "$rc"
