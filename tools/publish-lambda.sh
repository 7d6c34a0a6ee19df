#!/usr/bin/env bash
# Publishes the functions as one Native AOT `bootstrap` for provided.al2023 into artifacts/lambda (the template's
# CodeUri), fails on any trim/AOT warning or on a glibc newer than the runtime's (the binary links against the build
# host's glibc; provided.al2023 has 2.34: tools/check-glibc.sh), then runs the native binary once against a fake
# Lambda Runtime API.
# Exit codes: 0 published and smoke-tested; 1 publish failed; 2 trim/AOT warnings; 3 smoke test failed;
#             5 the bootstrap needs a glibc newer than Amazon Linux 2023's (or its symbols could not be read).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${root}/artifacts/lambda"
log="$(mktemp)"
trap 'rm -f "${log}"' EXIT

rm -rf "${out}"
if ! dotnet publish "${root}/functions/EfsDr.Functions" -c Release -r linux-x64 -o "${out}" -nologo >"${log}" 2>&1; then
  cat "${log}" >&2
  echo "publish-lambda: dotnet publish failed" >&2
  exit 1
fi
if grep -E "warning (IL|AOT)[0-9]+" "${log}" >&2; then
  echo "publish-lambda: trim/AOT warnings (above)" >&2
  exit 2
fi
rm -f "${out}"/*.dbg "${out}"/*.pdb
size="$(stat -c %s "${out}/bootstrap")"
echo "publish-lambda: ${out}/bootstrap is ${size} bytes"

if ! "${root}/tools/check-glibc.sh" --max 2.34 "${out}/bootstrap"; then
  echo "publish-lambda: the bootstrap would not start on provided.al2023 (glibc 2.34); see above" >&2
  exit 5
fi

if ! python3 "${root}/tools/smoke-bootstrap.py" "${out}/bootstrap"; then
  echo "publish-lambda: the native bootstrap failed its smoke test" >&2
  exit 3
fi
