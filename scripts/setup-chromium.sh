#!/usr/bin/env bash
# The browser tests (test/plots-browser.test.ts) drive Debian's chromium through
# playwright-core; no browser is ever downloaded. Installs it when missing (needs root or
# sudo and the Debian package mirrors); a no-op when /usr/bin/chromium is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "setup-chromium: installing Debian's chromium for the browser tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version >&2
