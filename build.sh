#!/usr/bin/env bash
# Verbs: setup | build | test | demo | chaos | bench. Each verb runs the ones it needs first.
set -euo pipefail
cd "$(dirname "$0")"
CONFIG="${CONFIGURATION:-Release}"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

setup() {
  if [[ ! -x /usr/bin/etcd || ! -x /usr/bin/etcdctl ]]; then
    if [[ "$(id -u)" -ne 0 ]]; then
      echo "etcd is missing: /usr/bin/etcd and /usr/bin/etcdctl are needed by the tests and the demo." >&2
      echo "Install them as root:  sudo apt-get update && sudo apt-get install -y etcd-server etcd-client" >&2
      exit 1
    fi
    log "installing etcd-server and etcd-client (Debian)"
    apt-get update -qq
    apt_updated=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null
    # The Debian package may start a system etcd on 2379; our fixtures use their own ports, but stop it anyway.
    (command -v systemctl >/dev/null && systemctl stop etcd >/dev/null 2>&1) || true
  fi
  # The partition tests and `chaos` put processes in network namespaces (ip) cut by nftables (nft), as root.
  if [[ ! -x /usr/sbin/nft || ! -x /usr/sbin/ip && ! -x /usr/bin/ip && ! -x /sbin/ip ]]; then
    if [[ "$(id -u)" -ne 0 ]]; then
      echo "nftables or iproute2 is missing: nft and ip are needed by the partition tests and chaos partitions (which also need root)." >&2
      echo "Install them as root:  sudo apt-get update && sudo apt-get install -y nftables iproute2" >&2
      exit 1
    fi
    log "installing nftables and iproute2 (Debian)"
    [[ -n "${apt_updated:-}" ]] || apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables iproute2 >/dev/null
  fi
  if [[ -f interop/package.json && ! -d interop/node_modules/@grpc/grpc-js ]]; then
    if ! command -v npm >/dev/null; then
      echo "npm is missing: the gRPC interop tests need Node.js and npm (apt-get install -y nodejs npm)." >&2
      exit 1
    fi
    log "installing the grpc-js interop peer (npm)"
    (cd interop && npm install --no-audit --no-fund --loglevel=error)
  fi
  log "restoring NuGet packages"
  dotnet restore Coordinators.sln --verbosity quiet
}

build() {
  log "building ($CONFIG)"
  dotnet build Coordinators.sln -c "$CONFIG" --no-restore --nologo -clp:NoSummary --verbosity quiet
}

# Prints each failed test's name, error and the top of its stack, so a CI log that keeps only its
# tail still says what failed. Test output (the actors' logs) stays in the full log above.
summarize_failures() {
  awk '
    /^  (Passed|Skipped) / { keep = 0; next }
    /^  Failed / { keep = 1; section = ""; print ""; print; next }
    !keep { next }
    /^  (Error Message|Stack Trace):/ { section = $0; lines = 0; print; next }
    /^  [A-Z][A-Za-z ]+:$/ { section = ""; next }
    section != "" && lines < 12 { print; lines++ }
  ' "$1"
}

run_tests() {
  log "running the test suite"
  local out rc=0
  out="$(mktemp -t coordinators-test.XXXXXX.log)"
  # The hang timeout turns a stuck test into a failure with a dump instead of eating the CI budget.
  dotnet test Coordinators.Tests/Coordinators.Tests.csproj -c "$CONFIG" --no-build --nologo \
    --blame-hang-timeout 5m --logger "console;verbosity=normal" "$@" 2>&1 | tee "$out" || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "failed tests (full log: $out)"
    summarize_failures "$out"
  fi
  return "$rc"
}

host() { dotnet "Coordinators.Host/bin/$CONFIG/net10.0/coordinators.dll" "$@"; }

verb="${1:-test}"
shift || true
case "$verb" in
  setup) setup ;;
  build) setup; build ;;
  test)  setup; build; run_tests "$@" ;;
  demo)  setup; build; host demo "$@" ;;
  chaos) setup; build; host chaos "$@" ;;
  bench) setup; build; dotnet "Coordinators.Benchmarks/bin/$CONFIG/net10.0/Coordinators.Benchmarks.dll" "${@:-all}" ;;
  *) echo "unknown verb '$verb': use setup | build | test | demo | chaos | bench" >&2; exit 2 ;;
esac
