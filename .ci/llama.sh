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
# Environment: FUSION_LLAMA_CACHE (default ~/.cache/fusion-llama), NODE_LLAMA_CPP_VERSION (pinned below).
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

build() {
  if [ -x "$bin" ]; then
    echo "== llama-server: cached at $bin"
    return
  fi
  for tool in cmake ninja g++ git npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      pkg=$tool; [ "$tool" = ninja ] && pkg=ninja-build; [ "$tool" = g++ ] && pkg=g++
      (apt-get update -qq && apt-get install -y -qq "$pkg") || sudo sh -c "apt-get update -qq && apt-get install -y -qq $pkg"
    fi
  done
  local t0; t0=$(now)
  mkdir -p "$cache"
  local work; work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-llama-cpp@$version" >/dev/null && tar xzf "node-llama-cpp-$version.tgz" package/llama/gitRelease.bundle)
  rm -rf "$src"
  git clone -q "$work/package/llama/gitRelease.bundle" "$src"
  rm -rf "$work"
  echo "== llama.cpp source: $(git -C "$src" rev-parse --short HEAD) from node-llama-cpp@$version"
  cmake -S "$src" -B "$src/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF >/dev/null
  cmake --build "$src/build" --target llama-server -j "${FUSION_LLAMA_JOBS:-2}"
  mkdir -p "$cache/bin"
  cp "$src/build/bin/llama-server" "$bin.tmp" && mv "$bin.tmp" "$bin"
  rm -rf "$src/build"
  echo "== llama-server built in $(( $(now) - t0 )) s"
}

build
[ "$mode" = build ] && exit 0
