#!/usr/bin/env bash
# A Java 17 base image built from this machine, no registry: a jlink'd JRE of the local JDK 17, the shared
# libraries it links (found with ldd), /etc/passwd and /etc/group with the image's user 65532 (nonroot), CA
# certificates, /tmp. Written as a docker-save tarball (manifest.json + config + one layer), the form Jib takes
# as a base with -Djib.from.image=tar://<file>.
#
# Usage: .ci/image/base.sh OUT.tar      (JAVA17_HOME: the JDK to link, default the system's JDK 17)
set -euo pipefail
out="$1"
jdk="${JAVA17_HOME:-}"
if [ -z "$jdk" ]; then
  for d in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17-jdk-* /usr/lib/jvm/*17*; do
    if [ -x "$d/bin/jlink" ] && [ -d "$d/jmods" ]; then jdk="$d"; break; fi
  done
fi
[ -n "$jdk" ] || { echo "no JDK 17 with jmods under /usr/lib/jvm (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
# The modules the CLI needs (jdeps --print-module-deps on fusion-cli.jar; .ci/image.sh checks it still fits),
# plus TLS elliptic curves, DNS naming and the JDK's HTTP client for provider calls.
modules="${FUSION_IMAGE_MODULES:-java.base,java.desktop,java.naming,java.sql,jdk.jfr,jdk.management,jdk.unsupported,jdk.crypto.ec,jdk.naming.dns,java.net.http}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
java_home=/opt/java/openjdk
mkdir -p "$root/opt/java"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$root$java_home"
# The host's CA store when it has one (Debian's jmods carry a copy from the JDK build).
if [ -f /etc/ssl/certs/java/cacerts ]; then cp -L /etc/ssl/certs/java/cacerts "$root$java_home/lib/security/cacerts"; fi
mkdir -p "$root/etc/ssl/certs"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"; fi

# Shared libraries: what the launcher and every native library of the JRE link, except the desktop ones a
# headless server never loads (X11, sound, fonts, splash screen).
libs=$(find "$root$java_home" -type f \( -name '*.so' -o -path '*/bin/*' \) \
  ! -name 'libawt_xawt.so' ! -name 'libjawt.so' ! -name 'libsplashscreen.so' ! -name 'libjsound.so' \
  ! -name 'libfontmanager.so' ! -name 'liblcms.so' ! -name 'libjavajpeg.so' ! -name 'libmlib_image.so' \
  -exec ldd {} \; 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
for lib in $libs; do
  case "$lib" in "$root"*) continue ;; esac
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
mkdir -p "$root/etc" "$root/tmp" "$root/home/nonroot" "$root/config" "$root/root" "$root/proc" "$root/dev" "$root/sys"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
chown 65532:65532 "$root/home/nonroot"
# Proof that the libraries are complete: the JRE starts inside the root file system, as the image's user.
v=$(unshare --mount --pid --fork sh -c 'mount -t proc proc "$1/proc" && exec chroot --userspec=65532:65532 "$1" /opt/java/openjdk/bin/java -version' sh "$root" 2>&1) \
  || { echo "the JRE does not start in the base root file system: $v" >&2; exit 1; }
echo "== base image JRE starts as uid 65532: $(echo "$v" | sed -n 1p)"

# One reproducible layer (sorted, fixed times, numeric owners), gzip'd; its diff_id is the plain tar's digest.
img="$work/img"
mkdir -p "$img"
tar --sort=name --mtime=@0 --numeric-owner --format=gnu -C "$root" -cf "$img/layer.tar" .
diff_id=$(sha256sum "$img/layer.tar" | cut -d' ' -f1)
gzip -n -1 "$img/layer.tar"
release=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$root$java_home/release")
cat >"$img/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=$java_home/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=$java_home","JAVA_VERSION=$release","LANG=C.UTF-8"],"WorkingDir":"/"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":".ci/image/base.sh: jlink $modules from $(basename "$jdk") $release"}]}
JSON
printf '[{"Config":"config.json","RepoTags":["fusion-jre:17"],"Layers":["layer.tar.gz"]}]\n' >"$img/manifest.json"
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$img" -cf "$out.tmp" manifest.json config.json layer.tar.gz
mv "$out.tmp" "$out"
echo "== base image: $out ($(du -h "$out" | cut -f1), JRE $release, modules $modules)"
