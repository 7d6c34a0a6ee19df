#!/usr/bin/env bash
# Benchmark (not a test): the long chaos drill (issue 12) on the local cloud. Runs `efsdr-drill --chaos --seed SEED
# --rounds ROUNDS` (random DR operations valid from the current state, and invalid ones that must be refused, under random
# throttling, 5xx, latency, crashes after a step with a re-run, nodes offline, a region black-holed, two runs at once; clients
# writing between rounds; the invariants checked after every round) under `flock -o /tmp/efsdr-local-world.lock`, and
# writes its figures (rounds, faults by kind, runs resumed after a crash, refused, objects checked and lost, split-brain
# moments, invariant failures, the seed) with the date, commit and machine to bench/results/chaos-<UTC date>.md (or -o FILE).
# The same seed replays the same rounds (choices, faults, outcomes, states: the report's script digest); --twice runs the
# drill a second time with the same seed and records whether the digests are equal and which figures differed.
# A failed invariant's evidence is in the drill's log and report.
# Usage: bench/chaos.sh [-S SEED] [-r ROUNDS] [-s TIME_SCALE] [-p PROMOTION_MINUTES] [-o FILE] [--twice] [--skip-build]
# Defaults: seed 20261203, 200 rounds, time scale 60, promotion 2 simulated minutes.
# Exit codes: 0 every invariant held, written; 1 the drill's build failed; 2 bad usage or a required tool is missing;
#             3 written, but an invariant failed (the drill stopped at that round); 4 the drill produced no figures;
#             5 written, but the replay (--twice) ran different rounds.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seed=20261203
rounds=200
scale=60
promotion=2
date_utc="$(date -u +%Y-%m-%d)"
result="${root}/bench/results/chaos-${date_utc}.md"
build=true
twice=false
lock=/tmp/efsdr-local-world.lock

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -S) seed="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -r) rounds="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -s) scale="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -p) promotion="${2:-}"; shift 2 || { usage; exit 2; } ;;
    -o) result="${2:-}"; shift 2 || { usage; exit 2; } ;;
    --skip-build) build=false; shift ;;
    --twice) twice=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done
for pair in "seed:${seed}" "rounds:${rounds}" "scale:${scale}" "promotion:${promotion}"; do
  if ! [[ "${pair#*:}" =~ ^[0-9]+$ ]]; then
    echo "chaos: ${pair%%:*} must be a whole number (got '${pair#*:}')" >&2
    exit 2
  fi
done
if [[ "${rounds}" -lt 1 ]]; then
  echo "chaos: -r must be at least 1" >&2
  exit 2
fi
for tool in dotnet jq flock git; do
  if ! command -v "${tool}" >/dev/null 2>&1; then
    echo "chaos: ${tool} is missing" >&2
    exit 2
  fi
done
if [[ ! -d "${root}/node_modules" ]]; then
  echo "chaos: node_modules is missing: run npm ci at the repository root" >&2
  exit 2
fi

drill="${root}/local/EfsDr.Drill/bin/Release/net10.0/efsdr-drill.dll"
if [[ "${build}" == true || ! -f "${drill}" ]]; then
  log="$(mktemp)"
  if ! dotnet build "${root}/local/EfsDr.Drill" -c Release -nologo >"${log}" 2>&1; then
    cat "${log}" >&2
    rm -f "${log}"
    echo "chaos: building local/EfsDr.Drill failed" >&2
    exit 1
  fi
  rm -f "${log}"
fi

work="${root}/artifacts/bench/chaos"
rm -rf "${work}"
mkdir -p "${work}"
echo "chaos: seed ${seed}, ${rounds} rounds (log: ${work}/chaos.log)" >&2
status=0
run_drill() {
  flock -o "${lock}" dotnet "${drill}" --chaos --seed "${seed}" --rounds "${rounds}" --time-scale "${scale}" \
    --promotion-minutes "${promotion}" --report "$1" >"$1/chaos.log" 2>&1
}
run_drill "${work}" || status=$?
figures="${work}/chaos-figures.json"
if [[ ! -f "${figures}" ]] || [[ "${status}" -ne 0 && "${status}" -ne 3 ]]; then
  tail -n 30 "${work}/chaos.log" >&2
  echo "chaos: the drill exited ${status} without figures" >&2
  exit 4
fi

replay=""
replay_differs=false
if [[ "${twice}" == true ]]; then
  echo "chaos: the same seed again (log: ${work}/replay/chaos.log)" >&2
  mkdir -p "${work}/replay"
  replay_status=0
  run_drill "${work}/replay" || replay_status=$?
  replayed="${work}/replay/chaos-figures.json"
  if [[ ! -f "${replayed}" ]]; then
    tail -n 30 "${work}/replay/chaos.log" >&2
    echo "chaos: the replay exited ${replay_status} without figures" >&2
    exit 4
  fi
  differed="$(jq -r --slurp '.[0] as $a | .[1] as $b | [$a | keys[] | select(. != "date" and . != "elapsedSeconds" and . != "secondsPerRound") | select($a[.] != $b[.]) | "\(.) \($a[.] | tostring) → \($b[.] | tostring)"] | if length == 0 then "none" else join("; ") end' "${figures}" "${replayed}")"
  if [[ "$(jq -r .scriptDigest "${figures}")" == "$(jq -r .scriptDigest "${replayed}")" ]]; then
    replay="same script digest (replay exit ${replay_status}): the same ${rounds} rounds, faults, runs, outcomes and states; figures that differed: ${differed}"
  else
    replay="**DIFFERENT script digest** ($(jq -r .scriptDigest "${replayed}")); figures that differed: ${differed}"
    replay_differs=true
  fi
fi

commit="$(git -C "${root}" rev-parse --short HEAD)$(git -C "${root}" diff --quiet HEAD -- . 2>/dev/null || echo "+dirty")"
cpu="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo "unknown CPU")"
counts() { jq -r "$1 | to_entries | map(\"\(.key) \(.value)\") | join(\", \") | if . == \"\" then \"none\" else . end" "${figures}"; }
field() { jq -r "$1" "${figures}"; }
mkdir -p "$(dirname "${result}")"
{
  echo "# Chaos drill: ${rounds} rounds, seed ${seed}"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit ${commit}"
  echo "- machine: $(uname -srm), ${cpu}, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), dotnet $(dotnet --version)"
  echo "- command: \`bench/chaos.sh -S ${seed} -r ${rounds} -s ${scale} -p ${promotion}$(if [[ "${twice}" == true ]]; then echo " --twice"; fi)\` (the same seed replays the same rounds)"
  echo "- result: $(if [[ "${status}" -eq 0 ]]; then echo "every invariant held after every round"; else echo "**an invariant FAILED** (see below and the drill's log)"; fi)"
  echo
  echo "| Figure | Value |"
  echo "|---|---|"
  echo "| rounds run | $(field .roundsRun) of $(field .roundsPlanned) |"
  echo "| operations | $(counts .operations) |"
  echo "| faults injected | $(field .faultsInjected) ($(counts .faultsByKind)) |"
  echo "| runs started | $(field .runsStarted) |"
  echo "| runs resumed after a crash | $(field .runsResumedAfterCrash) |"
  echo "| runs re-run after another fault | $(field .runsReRunAfterFault) |"
  echo "| runs refused | $(field .runsRefused) |"
  echo "| runs failed even re-run | $(field .runsFailed) |"
  echo "| ex-primaries fenced by the operator afterwards | $(field .operatorFences) |"
  echo "| objects acknowledged | $(field .objectsWritten) ($(field .writesFailed) writes not acknowledged) |"
  echo "| objects checked | $(field .objectsChecked) |"
  echo "| objects lost outside reported windows | $(field .objectsLost) |"
  echo "| objects lost in reported windows | $(field .objectsLostInReportedWindows) ($(field .lossWindows) windows) |"
  echo "| split-brain moments | $(field .splitBrainMoments) |"
  echo "| invariant failures | $(field .invariantFailures) |"
  echo "| real time | $(field .elapsedSeconds) s, $(field .secondsPerRound) s per round (time scale ×${scale}, promotion ${promotion} simulated min) |"
  echo "| script digest | $(field .scriptDigest) |"
  if [[ -n "${replay}" ]]; then
    echo "| replay with the same seed | ${replay} |"
  fi
  if [[ "${status}" -ne 0 ]]; then
    echo
    echo "## Failed invariants"
    echo
    grep '^✘' "${work}/chaos.log" | sed 's/^/- /' || true
  fi
} >"${result}"
echo "chaos: wrote ${result}" >&2
[[ "${status}" -eq 0 ]] || exit 3
[[ "${replay_differs}" == false ]] || exit 5
