#!/usr/bin/env bash
# Fails when a binary needs a newer glibc than the Lambda runtime has. The functions' Native AOT `bootstrap` is linked
# on the build host against the host's glibc, but runs on provided.al2023, whose glibc is 2.34: a symbol versioned
# GLIBC_2.35 or later would make every invocation fail at start ("version `GLIBC_2.xx' not found").
# (AL2023 glibc: https://docs.aws.amazon.com/linux/al2023/ug/core-glibc.html)
#
# usage: check-glibc.sh [--max VERSION] BINARY
#        check-glibc.sh [--max VERSION] --listing FILE
#   --max VERSION   the newest glibc allowed (default 2.34, Amazon Linux 2023)
#   --listing FILE  read a saved `objdump -T` or `readelf -W --dyn-syms` listing instead of a binary (tests)
# The versions come from the dynamic symbol table (objdump -T, or readelf -W --dyn-syms when objdump is missing).
# Exit codes: 0 every GLIBC_ version is at most VERSION; 1 a newer one is required (the symbols are listed);
#             2 usage; 3 neither objdump nor readelf is installed, or the tool failed on the binary;
#             4 the listing names no GLIBC_ version at all (not a dynamically linked glibc binary, or unparsable).
set -euo pipefail

max=2.34
listing=""
binary=""

usage() {
  cat <<'EOF'
usage: check-glibc.sh [--max VERSION] BINARY
       check-glibc.sh [--max VERSION] --listing FILE
  --max VERSION   the newest glibc allowed (default 2.34, Amazon Linux 2023)
  --listing FILE  read a saved `objdump -T` or `readelf -W --dyn-syms` listing instead of a binary
EOF
}

die() {
  local code="$1"
  shift
  printf 'check-glibc: %s\n' "$*" >&2
  exit "$code"
}

# symbols BINARY: the dynamic symbol table, from whichever tool is installed.
symbols() {
  if command -v objdump >/dev/null 2>&1; then
    objdump -T -- "$1" || die 3 "objdump -T $1 failed"
  elif command -v readelf >/dev/null 2>&1; then
    readelf -W --dyn-syms -- "$1" || die 3 "readelf --dyn-syms $1 failed"
  else
    die 3 "neither objdump nor readelf is installed (binutils)"
  fi
}

# versions: the distinct GLIBC_x.y[.z] versions named on stdin, oldest first.
versions() {
  { grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' || true; } | sed 's/^GLIBC_//' | sort -u -V
}

# newer_than MAX VERSION: VERSION is a later version than MAX.
newer_than() {
  [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" == "$2" ]]
}

while (($# > 0)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --max) (($# >= 2)) || die 2 "--max needs a version"; max="$2"; shift 2 ;;
    --listing) (($# >= 2)) || die 2 "--listing needs a file"; listing="$2"; shift 2 ;;
    -*) usage >&2; die 2 "unknown option: $1" ;;
    *) [[ -z "$binary" ]] || die 2 "one binary only"; binary="$1"; shift ;;
  esac
done
[[ "$max" =~ ^[0-9]+(\.[0-9]+)+$ ]] || die 2 "--max: '$max' is not a version such as 2.34"
if [[ -n "$listing" ]]; then
  [[ -z "$binary" ]] || die 2 "give a binary or --listing, not both"
  [[ -r "$listing" ]] || die 2 "--listing: $listing is not a readable file"
  table="$(cat -- "$listing")"
  subject="$listing"
else
  [[ -n "$binary" ]] || { usage >&2; die 2 "no binary given"; }
  [[ -f "$binary" ]] || die 2 "$binary is not a file"
  table="$(symbols "$binary")"
  subject="$binary"
fi

mapfile -t required < <(versions <<<"$table")
((${#required[@]} > 0)) || die 4 "$subject names no GLIBC_ symbol version (not a dynamically linked glibc binary?)"
newest="${required[-1]}"
too_new=()
for version in "${required[@]}"; do
  if newer_than "$max" "$version"; then too_new+=("$version"); fi
done
if ((${#too_new[@]} > 0)); then
  printf 'check-glibc: %s needs glibc %s, newer than the allowed %s; build on a host with glibc %s or older. Symbols:\n' \
    "$subject" "$newest" "$max" "$max" >&2
  for version in "${too_new[@]}"; do
    grep -F "GLIBC_${version}" <<<"$table" | grep -E "GLIBC_${version//./\\.}([^.0-9]|$)" | sed 's/^/  /' >&2 || true
  done
  exit 1
fi
printf 'check-glibc: %s needs glibc %s at most (allowed: %s)\n' "$subject" "$newest" "$max"
