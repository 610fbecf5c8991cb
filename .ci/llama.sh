#!/usr/bin/env bash
# Conformance against a real third-party server: llama.cpp's llama-server.
#
#   1. build llama-server from the llama.cpp source shipped in the npm package node-llama-cpp
#      (cached in $FUSION_LLAMA_CACHE, rebuilt only when the cached binary is absent);
#   2. write a tiny random-weight GGUF model (tokenizer copied from the tree's models/ggml-vocab-*.gguf);
#   3. start llama-server on a free port, run the LlamaConformance* tests against it, stop it.
#
# Usage: .ci/llama.sh            build (if needed), generate, run the suite
#        .ci/llama.sh build      only build / check the cache
#        .ci/llama.sh serve      build, generate, start the server in the foreground (for local runs)
# Environment: FUSION_LLAMA_CACHE (default ~/.cache/fusion-llama), NODE_LLAMA_CPP_VERSION (pinned below),
#              FUSION_LLAMA_JOBS (build jobs, default 2), FUSION_LLAMA_MVN_OFFLINE=1 (mvn -o).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

version="${NODE_LLAMA_CPP_VERSION:-3.22.1}"
cache="${FUSION_LLAMA_CACHE:-$HOME/.cache/fusion-llama}/node-llama-cpp-$version"
src="$cache/src"
bin="$cache/bin/llama-server"
model="$cache/tiny-llama.gguf"
mode="${1:-all}"

now() { date +%s; }

fetch_source() {
  # The llama.cpp tree node-llama-cpp ships (a git bundle in the npm package).
  local work; work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-llama-cpp@$version" >/dev/null && tar xzf "node-llama-cpp-$version.tgz" package/llama/gitRelease.bundle)
  rm -rf "$src"
  mkdir -p "$cache"
  git -c advice.detachedHead=false clone -q "$work/package/llama/gitRelease.bundle" "$src"
  rm -rf "$work"
  echo "== llama.cpp source: $(git -C "$src" rev-parse --short HEAD) from node-llama-cpp@$version"
}

build() {
  if [ -x "$bin" ]; then
    echo "== llama-server: cached at $bin"
    return
  fi
  for tool in cmake ninja g++ git npm curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      pkg=$tool; [ "$tool" = ninja ] && pkg=ninja-build
      (apt-get update -qq && apt-get install -y -qq "$pkg") || sudo sh -c "apt-get update -qq && apt-get install -y -qq $pkg"
    fi
  done
  local t0; t0=$(now)
  fetch_source
  cmake -S "$src" -B "$src/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF >/dev/null
  cmake --build "$src/build" --target llama-server -j "${FUSION_LLAMA_JOBS:-2}"
  mkdir -p "$cache/bin"
  cp "$src/build/bin/llama-server" "$bin.tmp" && mv "$bin.tmp" "$bin"
  rm -rf "$src/build"
  echo "== llama-server built in $(( $(now) - t0 )) s"
}

model() {
  if [ -s "$model" ]; then
    echo "== model: cached at $model"
    return
  fi
  local py=python3
  if ! "$py" -c 'import numpy' 2>/dev/null; then
    py=/usr/bin/python3
    "$py" -c 'import numpy' 2>/dev/null || (apt-get update -qq && apt-get install -y -qq python3-numpy) \
      || sudo sh -c 'apt-get update -qq && apt-get install -y -qq python3-numpy'
  fi
  [ -d "$src/gguf-py" ] || fetch_source
  local t0; t0=$(now)
  PYTHONPATH="$src/gguf-py" "$py" "$repo/.ci/llama-model.py" "$src/models/ggml-vocab-llama-spm.gguf" "$model.tmp"
  mv "$model.tmp" "$model"
  echo "== model: written in $(( $(now) - t0 )) s ($(du -h "$model" | cut -f1))"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}

start_server() {
  local port; port=$(free_port)
  server_log="${TMPDIR:-/tmp}/fusion-llama-server.$$.log"
  # 4 slots of 2048 tokens: a quick-start panel of 3 and its judge run at once; 2 threads for a 2-core CI box.
  "$bin" -m "$model" --host 127.0.0.1 --port "$port" -np 4 -c 8192 -t 2 --no-webui >"$server_log" 2>&1 &
  server_pid=$!
  trap stop_server EXIT
  export FUSION_LLAMA_URL="http://127.0.0.1:$port"
  local i
  for i in $(seq 1 240); do
    if curl -fsS "$FUSION_LLAMA_URL/health" >/dev/null 2>&1; then
      echo "== llama-server ready at $FUSION_LLAMA_URL (pid $server_pid)"
      return
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "llama-server exited; its log:" >&2; tail -50 "$server_log" >&2; exit 1
    fi
    sleep 0.5
  done
  echo "llama-server did not become ready; its log:" >&2; tail -50 "$server_log" >&2; exit 1
}

build
[ "$mode" = build ] && exit 0
model
start_server
if [ "$mode" = serve ]; then
  echo "== serving; FUSION_LLAMA_URL=$FUSION_LLAMA_URL (Ctrl-C stops it)"
  wait "$server_pid"
  exit 0
fi
t0=$(now)
# -o when the dependencies are already in the local repository (after mvn verify in .ci/run).
mvn -B -ntp ${FUSION_LLAMA_MVN_OFFLINE:+-o} -pl fusion-providers -am test -Pllama \
  -Dtest='LlamaConformance*' -Dsurefire.failIfNoSpecifiedTests=false -DFUSION_LLAMA_URL="$FUSION_LLAMA_URL"
echo "== conformance suite against llama-server: $(( $(now) - t0 )) s"
