#!/usr/bin/env bash
# The gateway's OCI image, built and run with neither a Docker daemon nor a container registry:
#
#   1. base image: .ci/image/base.sh links a Java 17 JRE from the local JDK (jlink) with the shared libraries it
#      needs, user 65532 and CA certificates into a docker-save tarball (cached in $FUSION_IMAGE_CACHE, keyed by
#      the JDK release and the recipe);
#   2. the image: Jib at `package` in the `image` profile, from that tarball (-Djib.from.image=tar://...)
#      -> fusion-examples/target/fusion-image.tar; the modules the CLI needs (jdeps) must all be in the base;
#   3. the proof: .ci/image/run-image.py unpacks the image and runs its own entrypoint as its own user in a chroot
#      in fresh namespaces, with .ci/image/fusion.yaml mounted at /config and the gateway key in the environment:
#      /health, a keyed chat completion with usage, 401 without or with a wrong key, SIGTERM, and the refusal to
#      start on 0.0.0.0 without keys.
#
# Needs root (chroot, namespaces, mounts) or sudo, python3, and a JDK 17 with jmods (openjdk-17-jdk-headless).
# Environment: FUSION_IMAGE_CACHE (default ~/.cache/fusion-image), FUSION_IMAGE_MVN_OFFLINE=1 (mvn -o),
#              FUSION_IMAGE_AFTER_VERIFY=1 (the classes of a `mvn verify` just run are packaged as they are).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
start=$(date +%s)
now() { date +%s; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

jdk=""
for d in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17-jdk-* /usr/lib/jvm/*17*; do
  if [ -x "$d/bin/jlink" ] && [ -f "$d/jmods/java.base.jmod" ]; then jdk="$d"; break; fi
done
if [ -z "$jdk" ]; then
  (apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless) \
    || sudo sh -c 'apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless'
  jdk=$(ls -d /usr/lib/jvm/java-17-openjdk-* | sed -n 1p)
fi

# 1. The base image, rebuilt only when the JDK or the recipe changes.
key=$( { cat "$jdk/release"; readlink -f "$jdk"; cat .ci/image/base.sh; } | sha256sum | cut -c1-16)
cache="${FUSION_IMAGE_CACHE:-$HOME/.cache/fusion-image}"
base="$cache/fusion-jre17-$key.tar"
if [ -s "$base" ]; then
  echo "== base image: cached at $base"
else
  t0=$(now)
  as_root env JAVA17_HOME="$jdk" bash .ci/image/base.sh "$base"
  find "$cache" -name 'fusion-jre17-*.tar' ! -name "$(basename "$base")" -delete
  echo "== base image built in $(( $(now) - t0 )) s"
fi

# 2. The image, with Jib, from the local base.
t0=$(now)
# After a full `mvn verify` of the same checkout (.ci/run), FUSION_IMAGE_AFTER_VERIFY=1 packages the classes it
# compiled instead of compiling the modules again.
mvn -B -ntp ${FUSION_IMAGE_MVN_OFFLINE:+-o} -Pimage -pl fusion-examples -am package -DskipTests \
  ${FUSION_IMAGE_AFTER_VERIFY:+-Dmaven.main.skip=true -Dmaven.test.skip=true} \
  -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -Djib.from.image="tar://$base"
image=fusion-examples/target/fusion-image.tar
echo "== image built in $(( $(now) - t0 )) s: $image ($(du -h "$image" | cut -f1))"
# Every module the CLI needs (jdeps) must be in the base; checked while the image runs (jdeps on the 40 MB jar
# takes a while).
base_modules=$(tar xOf "$base" config.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["history"][0]["created_by"])' \
  | sed -n 's/.*jlink \([^ ]*\) from.*/\1/p')
modules_check() {
  local needed m
  needed=$("$jdk/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps fusion-examples/target/fusion-cli.jar)
  for m in ${needed//,/ }; do
    case ",$base_modules," in
      *",$m,"*) ;;
      *) echo "the CLI needs module $m, which the base image lacks: add it to .ci/image/base.sh" >&2; return 1 ;;
    esac
  done
  echo "== the base has every module the CLI needs ($needed)"
}
modules_check > "${TMPDIR:-/tmp}/fusion-image-modules.$$.log" 2>&1 &
modules_pid=$!

# 3. Run it and check it. A machine that does not allow new namespaces (some CI containers) cannot run it: say so
# loudly and keep the build's result, rather than fail a CI run over the sandbox it runs in.
if ! as_root unshare --mount --pid --net --fork --mount-proc true 2>/dev/null; then
  echo "== SKIPPED the run check: this machine refuses new namespaces (unshare failed); the image was built: $image"
  exit 0
fi
work=$(mktemp -d)
trap 'kill "$modules_pid" 2>/dev/null || true; as_root rm -rf "$work"' EXIT
t0=$(now)
as_root env TMPDIR="$work" python3 .ci/image/run-image.py "$repo/$image" .ci/image/fusion.yaml .ci/image/fusion-no-keys.yaml
echo "== image run and checked in $(( $(now) - t0 )) s"
modules_ok=0; wait "$modules_pid" || modules_ok=$?
cat "${TMPDIR:-/tmp}/fusion-image-modules.$$.log"; rm -f "${TMPDIR:-/tmp}/fusion-image-modules.$$.log"
[ "$modules_ok" = 0 ] || exit 1
echo "== .ci/image.sh took $(( $(now) - start )) s"
