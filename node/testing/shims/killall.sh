#!/usr/bin/env bash
# killall (simulated node): records the call and kills nothing, as if no process matched (exit 1). EfsDr never kills by
# name (node/README.md); the log lets a test prove that nothing even tried.
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log killall "$@"

printf 'killall: the simulated node kills nothing by name\n' >&2
exit 1
