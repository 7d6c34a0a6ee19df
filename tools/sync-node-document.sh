#!/usr/bin/env bash
# Copies node/efsdr-node.sh into the SSM Command document in template.yaml (CloudFormation needs the
# document content inline), between the '# >>> node/efsdr-node.sh' and '# <<< node/efsdr-node.sh' markers.
# Usage: tools/sync-node-document.sh [--check]
# Exit codes: 0 in sync (or rewritten); 1 out of date (--check); 2 usage; 3 markers or files missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script="${root}/node/efsdr-node.sh"
template="${root}/template.yaml"
mode="${1:-write}"

case "${mode}" in
  write|--check) ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

for file in "${script}" "${template}"; do
  if [[ ! -f "${file}" ]]; then
    echo "sync-node-document: ${file} not found" >&2
    exit 3
  fi
done

if ! grep -q '# >>> node/efsdr-node.sh' "${template}" || ! grep -q '# <<< node/efsdr-node.sh' "${template}"; then
  echo "sync-node-document: markers not found in ${template}" >&2
  exit 3
fi

generated="$(mktemp)"
trap 'rm -f "${generated}"' EXIT

awk -v script="${script}" '
  /# >>> node\/efsdr-node.sh/ {
    print
    match($0, /^ */)
    indent = substr($0, 1, RLENGTH)
    print indent "- |"
    while ((getline line < script) > 0) {
      if (line == "") { print "" } else { print indent "  " line }
    }
    skipping = 1
    next
  }
  /# <<< node\/efsdr-node.sh/ { skipping = 0 }
  !skipping { print }
' "${template}" > "${generated}"

if [[ "${mode}" == "--check" ]]; then
  if ! diff -u "${template}" "${generated}"; then
    echo "sync-node-document: template.yaml is out of date; run tools/sync-node-document.sh" >&2
    exit 1
  fi
  exit 0
fi

cat "${generated}" > "${template}"
echo "sync-node-document: template.yaml updated from node/efsdr-node.sh"
