#!/usr/bin/env bash
# findmnt (simulated node): the mounts made by the mount shim.
#   findmnt [-n] [-o COLUMNS] [--target|-T PATH | --mountpoint|-M PATH | PATH]
# COLUMNS (comma-separated): SOURCE (as given to mount), TARGET, FSTYPE (nfs4, as for EFS), OPTIONS.
# --target finds the mount holding PATH; otherwise PATH must be the mount point. Exit 1 when nothing matches.
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log findmnt "$@"

header=yes columns="TARGET,SOURCE,FSTYPE,OPTIONS" path="" holding=no
while (($# > 0)); do
  case "$1" in
    -n | --noheadings) header=no; shift ;;
    -o | --output) columns="${2-}"; shift 2 ;;
    -T | --target) holding=yes; path="${2-}"; shift 2 ;;
    -M | --mountpoint) path="${2-}"; shift 2 ;;
    --) shift; path="${1-}"; break ;;
    -*) printf 'findmnt: the simulated findmnt does not support option %s\n' "$1" >&2; exit 1 ;;
    *) path="$1"; shift ;;
  esac
done

print_row() { # print_row LINE
  local -a out=()
  local column
  local -a wanted
  IFS=',' read -r -a wanted <<<"$columns"
  for column in "${wanted[@]}"; do
    case "$column" in
      TARGET) out+=("$(field 1 "$1")") ;;
      SOURCE) out+=("$(field 2 "$1")") ;;
      FSTYPE) out+=("$(field 3 "$1")") ;;
      OPTIONS) out+=("$(field 4 "$1")") ;;
      *) printf 'findmnt: unknown column: %s\n' "$column" >&2; exit 1 ;;
    esac
  done
  printf '%s\n' "${out[*]}"
}

if [[ "$header" == yes ]]; then
  print_row "$(printf '%s\t%s\t%s\t%s' TARGET SOURCE FSTYPE OPTIONS)"
fi
if [[ -z "$path" ]]; then
  found=no
  while IFS= read -r line; do
    [[ -n "$line" ]] || continue
    print_row "$line"
    found=yes
  done <"$NODE_STATE/mounts"
  [[ "$found" == yes ]] || exit 1
  exit 0
fi

path="$(normal "$path")"
if [[ "$holding" == yes ]]; then
  line="$(mount_of "$path")" || exit 1
else
  line="$(mount_at "$path")" || exit 1
fi
print_row "$line"
