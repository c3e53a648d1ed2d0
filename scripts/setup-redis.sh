#!/usr/bin/env bash
# The Redis queue tests (packages/plugin-queue-redis, test/queue-redis*.test.ts) start their
# own redis-server from Debian's packages on a free loopback port (test/support/redis-server.ts);
# they never use a Redis that is already running. Installs redis-server when missing (needs
# root or sudo and the Debian package mirrors); a no-op when it is on the PATH.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "setup-redis: installing Debian's redis-server for the Redis queue tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# the package starts a system service where there is an init system; the tests do not use it
redis-server --version >&2
