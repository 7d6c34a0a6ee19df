#!/usr/bin/env bash
# Benchmark (not a test): how late the failover notices a finished promotion, and what the failover costs, on the local cloud.
# Runs the drill (local/EfsDr.Drill, --round-trips 2: 4.2 is the world's first cross-region failover, R2.2 the same
# failover again once the promotion history holds 4.2's promotion) with
# replication deletions (promotions) of 5, 15, 30 and 60 simulated minutes, RUNS times each, one drill at a time under
# `flock -o /tmp/efsdr-local-world.lock`. From each drill's drill-figures.json it takes the unplanned cross-region
# failovers (4.2: no history yet; R2.2: with history) and writes, per promotion length and history: detection latency of the promotion loop (median, max), of the node and DNS loops
# (median), overhead (RTO − physical), billed state transitions, Lambda invocations and compute-seconds held (medians),
# with the date, commit and machine, to bench/results/detection-<date>.md (or -o FILE).
# Usage: bench/detection.sh [-n RUNS] [-p "5 15 30 60"] [-s TIME_SCALE] [-o FILE] [--skip-build] [--aggregate-only]
# --aggregate-only writes the table from the drills already in artifacts/bench/detection (e.g. after an interrupted run).
# Exit codes: 0 measured and written; 1 the drill's build failed; 2 bad usage or a required tool is missing;
#             3 a drill run failed to produce figures (crashed, or no failover with a promotion);
#             4 written, but a drill run had a failed check (the table marks it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-3}"
promotions="5 15 30 60"
scale=60
date_utc="$(date -u +%Y-%m-%d)"
result="${root}/bench/results/detection-${date_utc}.md"
build=true
aggregate_only=false
lock=/tmp/efsdr-local-world.lock

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -p) promotions="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -s) scale="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -o) result="${2:-}"; shift 2 || { usage; exit 2; } ;;
    --skip-build) build=false; shift ;;
    --aggregate-only) aggregate_only=true; build=false; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done
if ! [[ "${runs}" =~ ^[0-9]+$ ]] || [[ "${runs}" -lt 1 ]]; then
  echo "detection: -n must be a positive integer" >&2
  exit 2
fi
for p in ${promotions}; do
  if ! [[ "${p}" =~ ^[0-9]+$ ]] || [[ "${p}" -lt 1 ]] || [[ "${p}" -gt 120 ]]; then
    echo "detection: -p must list whole minutes 1–120 (got '${p}')" >&2
    exit 2
  fi
done
if ! [[ "${scale}" =~ ^[0-9]+$ ]] || [[ "${scale}" -lt 1 ]]; then
  echo "detection: -s must be a positive integer" >&2
  exit 2
fi
for tool in dotnet jq flock git; do
  if ! command -v "${tool}" >/dev/null 2>&1; then
    echo "detection: ${tool} is missing" >&2
    exit 2
  fi
done
if [[ ! -d "${root}/node_modules" ]]; then
  echo "detection: run 'npm ci' first (the local ASL engine lives in node_modules)" >&2
  exit 2
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

drill="${root}/local/EfsDr.Drill/bin/Release/net10.0/efsdr-drill.dll"
if [[ "${aggregate_only}" == false ]] && [[ "${build}" == true || ! -f "${drill}" ]]; then
  log="$(mktemp)"
  if ! dotnet build "${root}/local/EfsDr.Drill" -c Release -nologo >"${log}" 2>&1; then
    cat "${log}" >&2
    rm -f "${log}"
    echo "detection: building local/EfsDr.Drill failed" >&2
    exit 1
  fi
  rm -f "${log}"
fi

work="${root}/artifacts/bench/detection"
if [[ "${aggregate_only}" == false ]]; then
  rm -rf "${work}"
fi
mkdir -p "${work}"

# --- run the drills ------------------------------------------------------------------------------------------------
failed_checks=0
for p in ${promotions}; do
  [[ "${aggregate_only}" == true ]] && continue
  for i in $(seq 1 "${runs}"); do
    dir="${work}/p${p}-r${i}"
    echo "detection: promotion ${p} min, run ${i}/${runs}" >&2
    status=0
    flock -o "${lock}" dotnet "${drill}" --round-trips 2 --promotion-minutes "${p}" --time-scale "${scale}" --report "${dir}" \
      >"${work}/p${p}-r${i}.log" 2>&1 || status=$?
    if [[ ! -f "${dir}/drill-figures.json" ]] || [[ "${status}" -ne 0 && "${status}" -ne 3 ]]; then
      tail -n 20 "${work}/p${p}-r${i}.log" >&2
      echo "detection: the drill (promotion ${p} min, run ${i}) exited ${status} without figures; log: ${work}/p${p}-r${i}.log" >&2
      exit 3
    fi
    if [[ "${status}" -eq 3 ]]; then
      failed_checks=$((failed_checks + 1))
      echo "detection: a check failed (promotion ${p} min, run ${i}); see ${dir}/drill-report.md" >&2
      echo "${status}" >"${dir}/checks-failed"
    fi
    if ! jq -e '[.runs[] | select(.promotion != null)] | length > 0' "${dir}/drill-figures.json" >/dev/null; then
      echo "detection: no failover with a promotion in ${dir}/drill-figures.json" >&2
      exit 3
    fi
  done
done

# --- aggregate -------------------------------------------------------------------------------------------------------
# One markdown row per promotion length from the runs' figures: the (last) failover with a promotion of each drill.
row() {
  local p="$1" failed="$2" label="$3" history="$4"
  shift 4
  jq -r -s --arg p "${p}" --arg failed "${failed}" --arg want "${label}" --arg history "${history}" '
    def median: sort | if length == 0 then null elif length % 2 == 1 then .[(length - 1) / 2] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def s: if . == null then "–" else (. * 10 | round / 10 | tostring) + " s" end;
    def ms: if . == null then "–" else (round | "\(. / 60 | floor):\(. % 60 | tostring | if length < 2 then "0" + . else . end)") end;
    [.[] | [.runs[] | select(.label == $want and .promotion != null)] | last | select(. != null)] as $r
    | ([$r[].promotion.detectionSeconds | select(. != null)]) as $det
    | "| \($p) min | \($history) | \($r | length)\(if $failed == "0" then "" else " (\($failed) with a failed check)" end) | \([$r[].promotion.physicalSeconds] | median | ms) | \($det | median | s) | \($det | max | s) | \([$r[].node.detectionSeconds | select(. != null)] | median | s) | \([$r[].dns.detectionSeconds | select(. != null)] | median | s) | \([$r[].rtoSeconds] | median | ms) | \([$r[].overheadSeconds] | median | s) | \([$r[].transitions] | median) | \([$r[].lambdaInvocations] | median) | \([$r[].computeSeconds] | median | s) |"
  ' "$@"
}

shopt -s nullglob
all=("${work}"/p*-r*/drill-figures.json)
if [[ "${#all[@]}" -eq 0 ]]; then
  echo "detection: no drill figures in ${work}" >&2
  exit 3
fi
per_timestamp="$(jq -r '.simulatedPerTimestampSecond' "${all[0]}")"
commit="$(git -C "${root}" rev-parse --short HEAD)$(git -C "${root}" diff --quiet HEAD -- . 2>/dev/null || echo "+dirty")"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)"
mkdir -p "$(dirname "${result}")"
{
  echo "# Promotion detection on the local cloud (${date_utc})"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit ${commit}"
  echo "- machine: $(uname -srm), ${cpu}, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), dotnet $(dotnet --version)"
  echo "- drill: \`--round-trips 2 --promotion-minutes P --time-scale ${scale}\`, ${runs} run(s) per length asked (the Runs column says how many made it); per length two rows: the world's first unplanned cross-region failover (4.2 to server3, no promotion history: the 10-minute default is expected) and the same failover in round 2 (R2.2 to server3, expecting 4.2's promotion from the history)"
  if [[ "${per_timestamp}" != "1" ]]; then
    echo "- **caveat**: the local cloud's clock was real time (timestamps × ${per_timestamp} = simulated), so its Wait states were flattened and engine start-up is scaled too: these are NOT the figures production would see, only the code path's shape. Re-run once the cloud runs on a simulated clock."
  fi
  echo
  echo "Simulated time. Detection: from the physical finish (replica writable, node script done, DNS INSYNC) until the workflow left the check. Overhead = RTO − physical (promotion + node script + DNS propagation). Transitions: StateEntered events (billed); invocations: LambdaFunctionScheduled; compute: the invocations' started → ended, summed. Medians over the runs, except the max column."
  echo
  echo "| Promotion | History | Runs | Promotion took | Detection median | Detection max | Node detection | DNS detection | RTO | Overhead | Transitions | Lambda invocations | Compute held |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for p in ${promotions}; do
    files=("${work}/p${p}-r"*/drill-figures.json)
    [[ "${#files[@]}" -eq 0 ]] && continue
    failed=0
    for f in "${work}/p${p}-r"*/checks-failed; do
      [[ -f "${f}" ]] && failed=$((failed + 1))
    done
    row "${p}" "${failed}" "4.2 to server3" "none (first promotion)" "${files[@]}"
    row "${p}" "${failed}" "R2.2 to server3" "4.2's promotion" "${files[@]}"
  done
} >"${result}"
cat "${result}"
echo "detection: written ${result}; per-run reports under ${work}" >&2
if [[ "${failed_checks}" -gt 0 ]]; then
  exit 4
fi
