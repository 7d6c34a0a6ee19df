#!/usr/bin/env bash
# Benchmark (not a test): start-up time and peak RSS of the operator CLI `efsdr`, Native AOT vs framework-dependent.
# Publishes artifacts/cli/efsdr (tools/publish-cli.sh) and artifacts/cli-fdd (framework-dependent, PublishAot=false),
# then runs `efsdr --help` and `efsdr version` RUNS times each for three variants, interleaved so that load from
# other processes falls on all of them alike:
#   aot         artifacts/cli/efsdr                   (Native AOT, one file)
#   fdd-apphost artifacts/cli-fdd/efsdr               (framework-dependent apphost + efsdr.dll, shared runtime, JIT)
#   fdd-dotnet  dotnet artifacts/cli-fdd/efsdr.dll    (the same through the dotnet muxer)
# Reports min/median/p90 wall time (ms), peak RSS (GNU time's %M over a few extra runs) and sizes, and writes a
# markdown table with the machine's details to bench/results/cli-startup.md (or -o FILE).
# Usage: bench/cli-startup.sh [-n RUNS] [-o FILE] [--skip-publish]
# Exit codes: 0 measured and written; 1 a publish failed; 2 bad usage or a required tool is missing;
#             3 a benchmarked command failed or printed something unexpected.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-20}"
rss_runs=5
result="${root}/bench/results/cli-startup.md"
publish=true

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -o) result="${2:-}"; shift 2 || { usage; exit 2; } ;;
    --skip-publish) publish=false; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done
if ! [[ "${runs}" =~ ^[0-9]+$ ]] || [[ "${runs}" -lt 1 ]]; then
  echo "cli-startup: -n must be a positive integer" >&2
  exit 2
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "cli-startup: dotnet is missing" >&2
  exit 2
fi
if [[ -z "${EPOCHREALTIME:-}" ]]; then
  echo "cli-startup: needs bash 5 (EPOCHREALTIME)" >&2
  exit 2
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

aot_dir="${root}/artifacts/cli"
fdd_dir="${root}/artifacts/cli-fdd"

# --- publish ------------------------------------------------------------------------------------------------------
if [[ "${publish}" == true || ! -x "${aot_dir}/efsdr" ]]; then
  "${root}/tools/publish-cli.sh" || { echo "cli-startup: tools/publish-cli.sh failed" >&2; exit 1; }
fi
if [[ "${publish}" == true || ! -f "${fdd_dir}/efsdr.dll" ]]; then
  # -r linux-x64 --self-contained false: the same framework-dependent apphost + efsdr.dll as a RID-less publish, but
  # built under obj/Release/net10.0/linux-x64, so the solution's build in obj/Release/net10.0 is left alone.
  rm -rf "${fdd_dir}"
  log="$(mktemp)"
  if ! dotnet publish "${root}/cli/EfsDr.Cli" -c Release -r linux-x64 --self-contained false \
      -p:PublishAot=false -o "${fdd_dir}" -nologo >"${log}" 2>&1; then
    cat "${log}" >&2
    rm -f "${log}"
    echo "cli-startup: framework-dependent publish failed" >&2
    exit 1
  fi
  rm -f "${log}" "${fdd_dir}"/*.pdb
fi

# --- peak RSS needs GNU time -----------------------------------------------------------------------------------------
gnu_time=/usr/bin/time
if [[ ! -x "${gnu_time}" ]] && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" -eq 0 ]]; then
  echo "cli-startup: installing GNU time for peak RSS" >&2
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; }) >/dev/null 2>&1 || true
fi
[[ -x "${gnu_time}" ]] || gnu_time=""

# --- variants and commands -----------------------------------------------------------------------------------------
variants=(aot fdd-apphost fdd-dotnet)
declare -A label=(
  [aot]="Native AOT \`artifacts/cli/efsdr\`"
  [fdd-apphost]="framework-dependent apphost \`artifacts/cli-fdd/efsdr\`"
  [fdd-dotnet]="\`dotnet artifacts/cli-fdd/efsdr.dll\`"
)
dotnet_bin="$(command -v dotnet)"
argv_of() {
  case "$1" in
    aot) printf '%s\n' "${aot_dir}/efsdr" ;;
    fdd-apphost) printf '%s\n' "${fdd_dir}/efsdr" ;;
    fdd-dotnet) printf '%s\n' "${dotnet_bin}" "${fdd_dir}/efsdr.dll" ;;
  esac
}
commands=("--help" "version")
declare -A expect=([--help]="Usage:" [version]="efsdr ")

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# Each variant and command once, unmeasured: checks the output and warms the page cache.
for v in "${variants[@]}"; do
  mapfile -t argv < <(argv_of "${v}")
  for c in "${commands[@]}"; do
    rc=0
    "${argv[@]}" "${c}" >"${work}/out" 2>&1 </dev/null || rc=$?
    if [[ "${rc}" -ne 0 ]] || ! grep -qF -- "${expect[${c}]}" "${work}/out"; then
      cat "${work}/out" >&2
      echo "cli-startup: ${v} efsdr ${c} failed (exit ${rc}) or did not print '${expect[${c}]}'" >&2
      exit 3
    fi
  done
done

load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
echo "cli-startup: ${runs} runs of each of ${#variants[@]} variants x ${#commands[@]} commands (interleaved)" >&2
for ((i = 1; i <= runs; i++)); do
  for c in "${commands[@]}"; do
    for v in "${variants[@]}"; do
      mapfile -t argv < <(argv_of "${v}")
      # EPOCHREALTIME is "seconds.microseconds": without its separator, microseconds; no fork around the command.
      t0="${EPOCHREALTIME/[.,]/}"
      rc=0
      "${argv[@]}" "${c}" >/dev/null 2>&1 </dev/null || rc=$?
      t1="${EPOCHREALTIME/[.,]/}"
      if [[ "${rc}" -ne 0 ]]; then
        echo "cli-startup: ${v} efsdr ${c} exited ${rc} on run ${i}" >&2
        exit 3
      fi
      echo "$(( t1 - t0 ))" >>"${work}/${v}${c}.us"
    done
  done
done

# Peak RSS: GNU time's maximum resident set size (KiB) over a few separate runs, the largest reported.
if [[ -n "${gnu_time}" ]]; then
  for ((i = 1; i <= rss_runs; i++)); do
    for c in "${commands[@]}"; do
      for v in "${variants[@]}"; do
        mapfile -t argv < <(argv_of "${v}")
        "${gnu_time}" -f '%M' -o "${work}/rss" "${argv[@]}" "${c}" >/dev/null 2>&1 </dev/null || exit 3
        tail -n 1 "${work}/rss" >>"${work}/${v}${c}.kb"
      done
    done
  done
fi

# stats FILE: "min median p90" in ms (one decimal) of microsecond samples; p90 by nearest rank.
stats() {
  sort -n "$1" | awk '{ v[NR] = $1 } END {
    n = NR; med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    r = int(0.9 * n); if (r < 0.9 * n) r++; if (r < 1) r = 1
    printf "%.1f %.1f %.1f\n", v[1] / 1000, med / 1000, v[r] / 1000 }'
}
peak_mib() {
  if [[ -s "$1" ]]; then sort -n "$1" | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }'; else printf 'n/a'; fi
}
mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }

aot_size="$(stat -c %s "${aot_dir}/efsdr")"
apphost_size="$(stat -c %s "${fdd_dir}/efsdr")"
dll_size="$(stat -c %s "${fdd_dir}/efsdr.dll")"
fdd_files="$(find "${fdd_dir}" -type f | wc -l)"
fdd_total="$(find "${fdd_dir}" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"

cpu="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
mem="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)"
os="$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)"
runtime="$(dotnet --list-runtimes 2>/dev/null | awk '/^Microsoft.NETCore.App/ { v = $2 } END { print v }')"
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
commit="$(git -C "${root}" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
if [[ -n "$(git -C "${root}" status --porcelain -- cli functions 2>/dev/null || true)" ]]; then
  dirty=" (with uncommitted changes under cli/ or functions/)"
fi

mkdir -p "$(dirname "${result}")"
{
  echo "# efsdr start-up: Native AOT vs framework-dependent"
  echo
  echo "Written by \`bench/cli-startup.sh\` (${runs} timed runs per cell, interleaved; peak RSS is the largest of ${rss_runs} runs under GNU time)."
  echo "Wall time from just before exec to exit, in ms, measured from bash with \`EPOCHREALTIME\`; output to /dev/null."
  echo "A benchmark on one shared machine, not a test: compare the rows with each other, not with other machines."
  echo
  echo "| variant | command | min ms | median ms | p90 ms | peak RSS MiB |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
  for c in "${commands[@]}"; do
    for v in "${variants[@]}"; do
      read -r lo med p90 < <(stats "${work}/${v}${c}.us")
      echo "| ${label[${v}]} | \`efsdr ${c}\` | ${lo} | ${med} | ${p90} | $(peak_mib "${work}/${v}${c}.kb") |"
    done
  done
  echo
  echo "## Sizes"
  echo
  echo "| what | bytes | MiB |"
  echo "| --- | ---: | ---: |"
  echo "| Native AOT \`efsdr\` (one file, symbols stripped, no runtime needed) | ${aot_size} | $(mib "${aot_size}") |"
  echo "| framework-dependent apphost \`efsdr\` | ${apphost_size} | $(mib "${apphost_size}") |"
  echo "| framework-dependent \`efsdr.dll\` | ${dll_size} | $(mib "${dll_size}") |"
  echo "| framework-dependent folder, ${fdd_files} files without .pdb (plus the shared .NET runtime) | ${fdd_total} | $(mib "${fdd_total}") |"
  echo
  echo "## Machine"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- nproc: $(nproc)"
  echo "- CPU: ${cpu:-unknown}"
  echo "- memory: ${mem:-unknown}"
  echo "- OS: ${os:-unknown}, kernel $(uname -r)"
  echo "- dotnet --version: $(dotnet --version) (runtime Microsoft.NETCore.App ${runtime:-unknown})"
  echo "- load average (1/5/15 min) before the timed runs: ${load_start:-unknown}; at the end: ${load:-unknown}"
  echo "- commit: ${commit}${dirty}"
} >"${result}"

cat "${result}"
echo "cli-startup: wrote ${result}" >&2
