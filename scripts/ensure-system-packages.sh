#!/bin/sh
# Installs the Debian packages the tests need when they are missing:
# chromium (driven by Playwright in tests/browser) and libmagic (python-magic).
# Needs root and apt-get; without them it says what is missing and carries on.
set -u
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
ldconfig -p 2>/dev/null | grep -q "libmagic.so.1" || missing="$missing libmagic1"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "Missing system packages:$missing (install them with apt-get as root)" >&2
fi
exit 0
