#!/usr/bin/env bash
# Publishes the operator CLI `efsdr` (always without the drill, which lives in local/EfsDr.Drill) as one Native AOT
# executable, artifacts/cli/efsdr, for linux-x64; fails on any trim/AOT warning, then runs the native binary
# (--help, version) and checks that it has no drill command.
# Exit codes: 0 published and smoke-tested; 1 publish failed; 2 trim/AOT warnings;
#             3 the output is not a single native executable; 4 smoke test failed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${root}/artifacts/cli"
bin="${out}/efsdr"
log="$(mktemp)"
smoke="$(mktemp)"
trap 'rm -f "${log}" "${smoke}"' EXIT

rm -rf "${out}"
if ! dotnet publish "${root}/cli/EfsDr.Cli" -c Release -r linux-x64 -o "${out}" -nologo >"${log}" 2>&1; then
  cat "${log}" >&2
  grep -E "(warning|error) (IL|AOT)[0-9]+" "${log}" >&2 || true
  echo "publish-cli: dotnet publish failed" >&2
  exit 1
fi
if grep -E "warning (IL|AOT)[0-9]+" "${log}" >&2; then
  echo "publish-cli: trim/AOT warnings (above)" >&2
  exit 2
fi
rm -f "${out}"/*.dbg "${out}"/*.pdb

# One file, and a native ELF executable rather than a managed apphost beside an efsdr.dll.
mapfile -t files < <(find "${out}" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
if [[ "${#files[@]}" -ne 1 || "${files[0]}" != "efsdr" || ! -x "${bin}" ]]; then
  echo "publish-cli: expected only ${bin} in ${out}, found: ${files[*]:-nothing}" >&2
  exit 3
fi
if [[ "$(head -c 4 "${bin}" | od -An -tx1 | tr -d ' \n')" != "7f454c46" ]]; then
  echo "publish-cli: ${bin} is not an ELF executable" >&2
  exit 3
fi
size="$(stat -c %s "${bin}")"
echo "publish-cli: ${bin} is ${size} bytes ($(( (size + 524288) / 1048576 )) MiB)"

# run NAME EXPECTED ARGS...: the binary exits 0 and prints EXPECTED (a fixed string) for ARGS.
run() {
  local name="$1" expected="$2"
  shift 2
  local rc=0
  "${bin}" "$@" >"${smoke}" 2>&1 </dev/null || rc=$?
  if [[ "${rc}" -ne 0 ]] || ! grep -qF -- "${expected}" "${smoke}"; then
    cat "${smoke}" >&2
    echo "publish-cli: smoke test '${name}' failed (exit ${rc}; expected the text '${expected}')" >&2
    exit 4
  fi
  echo "publish-cli: smoke test '${name}' passed"
}
run "efsdr --help" "Usage:" --help
run "efsdr --help lists version" "Print efsdr's version" --help
run "efsdr version" "efsdr " version
# The operator binary has no drill: `efsdr drill` is an unknown command (a parse error: non-zero exit) and --help lists none.
rc=0
"${bin}" drill >"${smoke}" 2>&1 </dev/null || rc=$?
if [[ "${rc}" -eq 0 ]] || grep -qE '^  (drill|up) ' <("${bin}" --help 2>&1 </dev/null); then
  cat "${smoke}" >&2
  echo "publish-cli: smoke test 'no drill command' failed (efsdr drill exited ${rc}; expected non-zero, and no drill in --help)" >&2
  exit 4
fi
echo "publish-cli: smoke test 'no drill command' passed"

# The region check reads AWSSDK.Core's endpoint data: it must survive trimming. The example is valid (its regions are
# in the list), and a region typo is refused (exit 2) naming the field.
run "efsdr config validate (AWS region list)" "valid (3 servers in us-east-1, us-west-2" config validate "${root}/config/cluster.example.json"
typo="$(mktemp --suffix=.json)"
trap 'rm -f "${log}" "${smoke}" "${typo}"' EXIT
sed 's/"us-west-2"/"us-wset-2"/' "${root}/config/cluster.example.json" >"${typo}"
rc=0
"${bin}" config validate "${typo}" >"${smoke}" 2>&1 </dev/null || rc=$?
if [[ "${rc}" -ne 2 ]] || ! grep -qF "servers[2].region: 'us-wset-2' is not an AWS region" "${smoke}"; then
  cat "${smoke}" >&2
  echo "publish-cli: smoke test 'region typo refused' failed (exit ${rc}; expected 2 and the field)" >&2
  exit 4
fi
echo "publish-cli: smoke test 'region typo refused' passed"
