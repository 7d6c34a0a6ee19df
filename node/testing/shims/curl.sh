#!/usr/bin/env bash
# curl (simulated node): the node's health check.
# A URL on 127.0.0.1, localhost or [::1] means this node, so its host becomes the node's own address ($NODE_ADDRESS):
# every simulated node shares the machine's loopback, and each one's application listens on its own 127.0.0.x.
# A URL on the node's application port is a health check of the application, s3rver, which has no MinIO health route
# (/minio/health/live answers 404 NoSuchBucket): any HTTP answer counts as healthy (exit 0); no answer fails with exit 7
# as curl does. A stub application (NODE_APP_KIND=stub) answers from its pid file alone, without the network. Any other
# URL goes to the real curl, rewritten the same way. The unhealthy and curl-failures faults (see node-lib.sh) make
# every call fail to connect (exit 7) before any of this.
# shellcheck source=/dev/null
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib/node-lib.sh"
node_log curl "$@"

args=("$@") url_index=-1 max_time=5
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -m | --max-time) max_time="${args[i + 1]-5}"; i=$((i + 1)) ;;
    -o | --output | -w | --write-out | -H | --header | -X | --request | -d | --data | -u | --user | -A | --user-agent | --connect-timeout)
      i=$((i + 1)) ;;
    http://* | https://*) url_index=$i ;;
  esac
done
((url_index >= 0)) || { printf 'curl: (2) no URL specified\n' >&2; exit 2; }
url="${args[url_index]}"
if [[ "$url" =~ ^(https?)://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?(/.*)?$ ]]; then
  url="${BASH_REMATCH[1]}://$NODE_ADDRESS${BASH_REMATCH[3]}${BASH_REMATCH[4]}"
  args[url_index]="$url"
fi

if fault unhealthy || take_curl_failure; then
  printf 'curl: (7) Failed to connect to %s: Connection refused (simulated fault)\n' "$url" >&2
  exit 7
fi

if [[ "$url" =~ ^http://([^/:]+):([0-9]+)(/.*)?$ && "${BASH_REMATCH[1]}" == "$NODE_ADDRESS" && "${BASH_REMATCH[2]}" == "$NODE_APP_PORT" ]]; then
  code=000
  if [[ "$NODE_APP_KIND" == stub ]]; then
    if app_pid >/dev/null; then code=200; fi
  elif [[ -n "${NODE_REAL_CURL:-}" ]]; then
    code="$("$NODE_REAL_CURL" -s -o /dev/null -w '%{http_code}' --max-time "$max_time" "$url" || true)"
  elif port_open "$NODE_ADDRESS" "$NODE_APP_PORT"; then
    code=200
  fi
  if [[ "$code" == 000 || -z "$code" ]]; then
    printf 'curl: (7) Failed to connect to %s port %s: Connection refused\n' "$NODE_ADDRESS" "$NODE_APP_PORT" >&2
    exit 7
  fi
  exit 0
fi

[[ -n "${NODE_REAL_CURL:-}" ]] || { printf 'curl: (6) the simulated node has no real curl for %s\n' "$url" >&2; exit 6; }
exec "$NODE_REAL_CURL" "${args[@]}"
