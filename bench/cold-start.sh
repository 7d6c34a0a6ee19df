#!/usr/bin/env bash
# Benchmark (not a test): the Lambda cold start of the functions, Native AOT vs framework-dependent (JIT), in one run.
# Publishes artifacts/lambda/bootstrap (tools/publish-lambda.sh: Native AOT, what the template deploys) and
# artifacts/lambda-jit (the same project framework-dependent, PublishAot=false), then times, for each variant, fresh
# processes that each handle ONE invocation of check-dns, whose work is one signed AWS call (Route 53 GetChange):
#   aot         artifacts/lambda/bootstrap                   (Native AOT, one file)
#   jit-dotnet  dotnet artifacts/lambda-jit/bootstrap.dll    (framework-dependent through the dotnet muxer, JIT)
#   jit-apphost artifacts/lambda-jit/bootstrap               (the same build through its apphost)
# bench/cold-start-harness.py is the fake Lambda Runtime API and the fake Route 53 (AWS_ENDPOINT_URL_ROUTE_53) on
# loopback; it measures from just before the process is spawned to the moment it receives
# POST /runtime/invocation/{id}/response, on one monotonic clock, and reads CPU time and peak RSS from wait4.
# The variants run in rounds, rotating which goes first. Reports min/median/p90/max, the median time to the first
# GET /next and to the AWS call, CPU and peak RSS, and writes a markdown table with the machine's details to
# bench/results/cold-start-<UTC date>.md (or -o FILE).
# --baseline REV adds a fourth variant, the Native AOT bootstrap of commit REV (published from a temporary worktree), so
# that a change is compared with older code in the same run on the same machine state, not with a figure from another day.
# Usage: bench/cold-start.sh [-n RUNS] [-o FILE] [--skip-publish] [--baseline REV]
# Exit codes: 0 measured and written; 1 a publish failed; 2 bad usage or a required tool is missing;
#             3 a benchmarked run failed (no response, an error, a wrong answer, or not exactly one signed AWS call).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-20}"
result="${root}/bench/results/cold-start-$(date -u +%Y-%m-%d).md"
publish=true
baseline=""

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -o) result="${2:-}"; shift 2 || { usage; exit 2; } ;;
    --skip-publish) publish=false; shift ;;
    --baseline) baseline="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -h|--help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done
if ! [[ "${runs}" =~ ^[0-9]+$ ]] || [[ "${runs}" -lt 1 ]]; then
  echo "cold-start: -n must be a positive integer" >&2
  exit 2
fi
if [[ -n "${baseline}" ]] && ! git -C "${root}" rev-parse --verify --quiet "${baseline}^{commit}" >/dev/null; then
  echo "cold-start: --baseline ${baseline} is not a commit of this repository" >&2
  exit 2
fi
for tool in dotnet python3; do
  if ! command -v "${tool}" >/dev/null 2>&1; then
    echo "cold-start: ${tool} is missing" >&2
    exit 2
  fi
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

aot_dir="${root}/artifacts/lambda"
jit_dir="${root}/artifacts/lambda-jit"

# --- publish ------------------------------------------------------------------------------------------------------
if [[ "${publish}" == true || ! -x "${aot_dir}/bootstrap" ]]; then
  "${root}/tools/publish-lambda.sh" || { echo "cold-start: tools/publish-lambda.sh failed" >&2; exit 1; }
fi
if [[ "${publish}" == true || ! -f "${jit_dir}/bootstrap.dll" ]]; then
  # -r linux-x64 --self-contained false: framework-dependent, with an apphost, and built under
  # obj/Release/net10.0/linux-x64 so the solution's build in obj/Release/net10.0 is left alone (as bench/cli-startup.sh).
  rm -rf "${jit_dir}"
  log="$(mktemp)"
  if ! dotnet publish "${root}/functions/EfsDr.Functions" -c Release -r linux-x64 --self-contained false \
      -p:PublishAot=false -o "${jit_dir}" -nologo >"${log}" 2>&1; then
    cat "${log}" >&2
    rm -f "${log}"
    echo "cold-start: framework-dependent publish failed" >&2
    exit 1
  fi
  rm -f "${log}" "${jit_dir}"/*.pdb
fi

# --- measure ------------------------------------------------------------------------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
dotnet_bin="$(command -v dotnet)"
variants=(aot jit-dotnet jit-apphost)
declare -A label=(
  [aot]="Native AOT \`artifacts/lambda/bootstrap\`"
  [jit-dotnet]="JIT \`dotnet artifacts/lambda-jit/bootstrap.dll\`"
  [jit-apphost]="JIT apphost \`artifacts/lambda-jit/bootstrap\`"
)
variant_args=(--variant "aot=${aot_dir}/bootstrap" --variant "jit-dotnet=${dotnet_bin} ${jit_dir}/bootstrap.dll" --variant "jit-apphost=${jit_dir}/bootstrap")
if [[ -n "${baseline}" ]]; then
  base_rev="$(git -C "${root}" rev-parse --short "${baseline}^{commit}")"
  git -C "${root}" worktree add --detach "${work}/src" "${base_rev}" >/dev/null 2>&1 || { echo "cold-start: cannot check out ${baseline}" >&2; exit 1; }
  log="${work}/baseline-publish.log"
  if ! dotnet publish "${work}/src/functions/EfsDr.Functions" -c Release -r linux-x64 -o "${work}/baseline" -nologo >"${log}" 2>&1; then
    cat "${log}" >&2
    git -C "${root}" worktree remove --force "${work}/src" || true
    echo "cold-start: the baseline ${baseline} does not publish" >&2
    exit 1
  fi
  git -C "${root}" worktree remove --force "${work}/src"
  variants+=(baseline)
  label[baseline]="Native AOT at ${base_rev} (\`--baseline ${baseline}\`)"
  variant_args+=(--variant "baseline=${work}/baseline/bootstrap")
fi
load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
echo "cold-start: ${runs} rounds of ${#variants[@]} variants, one check-dns invocation per process" >&2
rc=0
python3 "${root}/bench/cold-start-harness.py" --runs "${runs}" --out-dir "${work}" "${variant_args[@]}" || rc=$?
if [[ "${rc}" -ne 0 ]]; then
  for v in "${variants[@]}"; do
    if [[ -f "${work}/${v}.log" ]]; then
      echo "--- ${v}.log (its last run)" >&2
      tail -n 20 "${work}/${v}.log" >&2
    fi
  done
  echo "cold-start: the harness failed (exit ${rc})" >&2
  if [[ "${rc}" -eq 2 ]]; then exit 2; fi
  exit 3
fi
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"

# samples_of VARIANT N: the samples of column N (1-based, samples.tsv) of one variant, one per line.
samples_of() { awk -F'\t' -v v="$1" -v c="$2" 'NR > 1 && $1 == v { print $c }' "${work}/samples.tsv"; }
# stats: "min median p90 max" of the numbers on stdin (one decimal); p90 by nearest rank.
stats() {
  sort -n | awk '{ v[NR] = $1 } END {
    n = NR; med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    r = int(0.9 * n); if (r < 0.9 * n) r++; if (r < 1) r = 1
    printf "%.1f %.1f %.1f %.1f\n", v[1], med, v[r], v[n] }'
}
median() { stats | awk '{ print $2 }'; }
peak_mib() { sort -n | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }

aot_median="$(samples_of aot 4 | median)"
jit_median="$(samples_of jit-dotnet 4 | median)"
aot_size="$(stat -c %s "${aot_dir}/bootstrap")"
jit_files="$(find "${jit_dir}" -type f | wc -l)"
jit_total="$(find "${jit_dir}" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
cpu="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
mem="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)"
os="$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)"
runtime="$(dotnet --list-runtimes 2>/dev/null | awk '/^Microsoft.NETCore.App/ { v = $2 } END { print v }')"
commit="$(git -C "${root}" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
if [[ -n "$(git -C "${root}" status --porcelain -- functions 2>/dev/null || true)" ]]; then
  dirty=" (with uncommitted changes under functions/)"
fi

mkdir -p "$(dirname "${result}")"
{
  echo "# Lambda cold start: Native AOT vs framework-dependent (JIT)"
  echo
  echo "Written by \`bench/cold-start.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): ${runs} timed runs per variant, in rounds that rotate which variant goes first, after one untimed run each."
  echo "Each run is a fresh process handling ONE \`check-dns\` invocation (the whole failover state as the workflow passes it at CheckDns; one SigV4-signed Route 53 GetChange) against"
  echo "\`bench/cold-start-harness.py\`, a fake Lambda Runtime API and fake Route 53 on loopback. **First response** is the time from just before"
  echo "the process is spawned to the harness receiving \`POST /runtime/invocation/{id}/response\`, on one monotonic clock."
  echo "\`/next\` and AWS call are the medians of the times at which the first \`GET /runtime/invocation/next\` and the signed call arrived."
  echo "CPU (user + system) and peak RSS come from \`wait4\` (what GNU \`time -v\` reports), the process being killed right after its response."
  echo "A benchmark on one shared machine, not a test: compare the rows with each other; the page cache is warm (a real cold start also loads the code)."
  echo
  echo "| variant | first response min ms | median ms | p90 ms | max ms | \`/next\` median ms | AWS call median ms | CPU median ms | peak RSS MiB |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for v in "${variants[@]}"; do
    read -r lo med p90 hi < <(samples_of "${v}" 4 | stats)
    echo "| ${label[${v}]} | ${lo} | **${med}** | ${p90} | ${hi} | $(samples_of "${v}" 5 | median) | $(samples_of "${v}" 6 | median) | $(samples_of "${v}" 7 | median) | $(samples_of "${v}" 8 | peak_mib) |"
  done
  echo
  echo "JIT (\`dotnet bootstrap.dll\`) median / AOT median: $(awk -v a="${aot_median}" -v j="${jit_median}" 'BEGIN { if (a > 0) printf "%.1f", j / a; else print "n/a" }')x."
  echo
  echo "## Sizes"
  echo
  echo "| what | bytes | MiB |"
  echo "| --- | ---: | ---: |"
  echo "| Native AOT \`bootstrap\` (one file, symbols stripped, no runtime needed) | ${aot_size} | $(mib "${aot_size}") |"
  echo "| framework-dependent folder, ${jit_files} files without .pdb (plus the shared .NET runtime) | ${jit_total} | $(mib "${jit_total}") |"
  echo
  echo "## Machine"
  echo
  echo "- nproc: $(nproc)"
  echo "- CPU: ${cpu:-unknown}"
  echo "- memory: ${mem:-unknown}"
  echo "- OS: ${os:-unknown}, kernel $(uname -r)"
  echo "- dotnet --version: $(dotnet --version) (runtime Microsoft.NETCore.App ${runtime:-unknown})"
  echo "- load average (1/5/15 min) before the timed runs: ${load_start:-unknown}; at the end: ${load:-unknown}"
  echo "- scheduling priority (nice) of the benchmark: $(nice)"
  echo "- commit: ${commit}${dirty}"
  echo "- N: ${runs} timed runs per variant"
  echo
  echo "## Samples"
  echo
  echo "Every timed run, in the order it ran (ms from spawn; CPU ms; peak RSS KiB):"
  echo
  echo '```'
  awk -F'\t' '{ printf "%-12s %5s %8s %17s %8s %11s %7s %12s\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "${work}/samples.tsv"
  echo '```'
} >"${result}"

cat "${result}"
echo "cold-start: wrote ${result}" >&2
