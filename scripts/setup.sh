#!/bin/sh
# Installs what jackwasm needs (Debian packages, npm packages) and builds it.
# Idempotent, and fast when everything is already there.
set -e
cd "$(dirname "$0")/.."

# chromium: the control panel's browser test; gdb: the thread stacks a test
# reports when a child process hangs; fonts-dejavu-core: the text of the
# benchmark charts. With "bench": faust, the native C++ peer of
# bench/faust.mjs; python3-jack-client and python3-numpy, the Python peer of
# bench/stability.mjs.
PKGS="jackd2 libjack-jackd2-dev libsndfile1-dev libsamplerate0-dev wabt cmake make g++ pkg-config util-linux chromium gdb fonts-dejavu-core"
BENCH_PKGS=""
if [ "$1" = bench ]; then BENCH_PKGS="faust python3-jack-client python3-numpy"; fi
missing=""
for p in $PKGS $BENCH_PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages:$missing"
    # jackd2 asks a debconf question about realtime priority; accept the default.
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: missing Debian packages:$missing" >&2
    echo "setup: run: sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" >&2
    # The benchmarks' peers are optional: without them the rest still runs.
    for p in $missing; do
      case " $BENCH_PKGS " in *" $p "*) ;; *) exit 1 ;; esac
    done
    echo "setup: the benchmarks that need them report the peer as not measured" >&2
  fi
fi

# npm packages: reinstall when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

node scripts/build.mjs
