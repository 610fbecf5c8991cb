#!/usr/bin/env bash
# fusion serve: the official npm clients (openai, @anthropic-ai/sdk; pinned in package-lock.json) against
# the gateway. Installs Node from the OS packages when missing, then npm ci, then the conformance test.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq nodejs npm) || sudo sh -c 'apt-get update -qq && apt-get install -y -qq nodejs npm'
fi
echo "== fusion serve SDK conformance on node $(node --version)"
(cd fusion-server/src/test/node && npm ci --no-audit --no-fund --loglevel=error)
mvn -B -ntp -o -pl fusion-server -am test -Dtest='SdkConformanceTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfusion.sdk.required=true
echo "== fusion serve SDK conformance took $(( $(date +%s) - start )) s"
