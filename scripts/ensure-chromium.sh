#!/usr/bin/env bash
# The browser tests (admin and storefront) drive Debian's chromium through
# playwright-core. Installs it when missing (about 25 s from Debian's apt);
# without it those tests skip with the reason, and everything else still runs.
set -uo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM" ]]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo present)"
  exit 0
fi
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "chromium missing and no root to install it: browser tests will skip"
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get install -y --no-install-recommends chromium >/tmp/chromium-install.log 2>&1 \
  || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y --no-install-recommends chromium >>/tmp/chromium-install.log 2>&1; }; then
  echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null)"
else
  echo "chromium could not be installed (see /tmp/chromium-install.log): browser tests will skip"
  tail -5 /tmp/chromium-install.log || true
fi
exit 0
