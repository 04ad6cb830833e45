#!/bin/sh
# Installs the Debian packages the tests need when they are missing:
# chromium (driven by Playwright in tests/browser), libmagic (python-magic) and
# ffmpeg (re-muxes uploaded videos without their metadata: meldpunt/intake/videos.py).
# Needs root and apt-get; without them it says what is missing and carries on.
set -u
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
ldconfig -p 2>/dev/null | grep -q "libmagic.so.1" || missing="$missing libmagic1"
command -v ffmpeg >/dev/null 2>&1 || missing="$missing ffmpeg"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing:$missing"
    # Bounded in time: a hanging mirror must not hold up the test run for ever.
    limit=""
    command -v timeout >/dev/null 2>&1 && limit="timeout 900"
    $limit apt-get update -qq && DEBIAN_FRONTEND=noninteractive $limit apt-get install -y -qq $missing >/dev/null \
        || echo "Could not install:$missing" >&2
else
    echo "Missing system packages:$missing (install them with apt-get as root)" >&2
fi
exit 0
