#!/usr/bin/env bash
# fuser (simulated node): which processes use a mount made by the mount shim.
#   fuser [-v] [-m] [--] PATH     the application when it runs from the mount holding PATH, and the process the busy
#                                 fault names (state/faults/busy, see node-lib.sh)
# As fuser(1): pids on stdout, the -v table on stderr; exit 0 when a process was found, 1 otherwise.
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log fuser "$@"

verbose=no path=""
while (($# > 0)); do
  case "$1" in
    --) shift; path="${1-}"; break ;;
    -*) [[ "$1" == --verbose || ( "$1" != --* && "$1" == *v* ) ]] && verbose=yes; shift ;;
    *) path="$1"; shift ;;
  esac
done
[[ -n "$path" ]] || { printf 'fuser: no file specified\n' >&2; exit 1; }
path="$(normal "$path")"
line="$(mount_of "$path")" || exit 1
target="$(field 1 "$line")"
holders=() # "PID COMMAND"
if pid="$(app_pid)" && [[ "$NODE_APP_DIR" == "$target" || "$NODE_APP_DIR" == "$target"/* ]]; then
  if [[ "$NODE_APP_KIND" == stub ]]; then
    holders+=("$pid $NODE_APP_UNIT (stub)")
  else
    holders+=("$pid node (s3rver, $NODE_APP_UNIT)")
  fi
fi
if holder="$(busy_holder)"; then
  holders+=("$holder")
fi
((${#holders[@]} > 0)) || exit 1
if [[ "$verbose" == yes ]]; then
  printf '%21s %-10s %6s %-6s %s\n' '' USER PID ACCESS COMMAND >&2
  name="$path:"
  for holder in "${holders[@]}"; do
    printf '%-21s %-10s %6s %-6s %s\n' "$name" "$(id -un)" "${holder%% *}" '..c..' "${holder#* }" >&2
    name=""
  done
fi
for holder in "${holders[@]}"; do
  printf ' %s' "${holder%% *}"
done
printf '\n'
