#!/usr/bin/env bash
# The tune report's browser test (HtmlReportInChromiumTest) runs in a real headless Chromium from the OS
# packages; with CI set it fails rather than skips when Chromium is missing. Installs it when absent
# (about 80 s with apt-get update on a fresh Debian 12 machine).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  start=$(date +%s)
  pkgs="chromium fonts-liberation"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs) \
    || sudo sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs"
  echo "chromium installed in $(( $(date +%s) - start )) s"
fi
chromium --version 2>/dev/null || /usr/bin/chromium --version
