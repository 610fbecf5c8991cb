#!/usr/bin/env python3
"""Run the gateway's OCI image without a container engine, and check what it serves.

A minimal container runtime for one image tarball (docker-save format, as `jib:buildTar` writes it):

  * unpacks the image's layers, in order and with their whiteouts, into a root file system;
  * reads the image config and runs the image's own Entrypoint + Cmd, with the image's Env, WorkingDir and
    User (nothing of them is repeated here), in a chroot, in fresh mount, PID and network namespaces (so the
    image's fixed port is private to this run: no clash with anything else on the machine);
  * mounts /proc, a minimal /dev and the config directory read-only at /config, as `docker run -v` would;
  * talks to the exposed port from inside the same network namespace.

Checks (a run fails on the first that does not hold):
  with a config whose gateway key comes from the environment (keyEnv) and no provider key, so the fusion is
  the built-in offline sandbox: the process runs as the image's user; it listens on 0.0.0.0; GET /health is
  200; POST /v1/chat/completions with the key is 200 with a usage block; without the key, or with a wrong
  one, 401; the key never appears in the output; SIGTERM stops it cleanly ("fusion serve: stopped").
  With a config without keys: it refuses to start (non-zero exit, the reason on its output).

Usage (as root; it enters the namespaces itself):
  run-image.py IMAGE.tar CONFIG_WITH_KEYS.yaml CONFIG_WITHOUT_KEYS.yaml
"""
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request

START_TIMEOUT_S = 240  # a bound for a stuck start on a loaded CI box, not a performance figure
STOP_TIMEOUT_S = 120
KEY_ENV = "FUSION_GATEWAY_KEY"  # the variable the keyed config names in keyEnv:
TRUSTED = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}


def log(msg):
    print("== image: " + msg, flush=True)


def fail(msg):
    print("FAILED: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------- image reading and unpacking

def read_image(tar_path):
    """(config dict, [layer member names]) of the first image in a docker-save tarball."""
    with tarfile.open(tar_path) as t:
        manifest = json.load(t.extractfile("manifest.json"))
        entry = manifest[0]
        config = json.load(t.extractfile(entry["Config"]))
    return config, entry["Layers"]


def inside(root, path):
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def unpack(tar_path, layers, root):
    """Applies each layer in order, as a container engine does (OCI image spec, whiteouts included)."""
    with tarfile.open(tar_path) as image:
        for name in layers:
            with tarfile.open(fileobj=image.extractfile(name), mode="r:*") as layer:
                for m in layer:
                    rel = os.path.normpath(m.name.lstrip("/"))
                    if rel.startswith(".."):
                        fail("layer %s: entry outside the root: %s" % (name, m.name))
                    if rel == ".":
                        continue
                    parent, base = os.path.split(rel)
                    target_parent = os.path.join(root, parent)
                    if not inside(root, target_parent):
                        fail("layer %s: entry through a link out of the root: %s" % (name, m.name))
                    if base == ".wh..wh..opq":  # opaque directory: drop what lower layers put there
                        for child in os.listdir(target_parent):
                            remove(os.path.join(target_parent, child))
                        continue
                    if base.startswith(".wh."):  # whiteout: the lower layers' file is deleted
                        remove(os.path.join(target_parent, base[len(".wh."):]))
                        continue
                    if m.islnk() and not inside(root, os.path.join(root, m.linkname.lstrip("/"))):
                        fail("layer %s: hard link out of the root: %s" % (name, m.name))
                    target = os.path.join(root, rel)
                    if os.path.lexists(target) and not (m.isdir() and os.path.isdir(target)):
                        remove(target)
                    m.name = rel
                    # Owners and modes as the layer says (user 65532's home, /tmp 1777): Python 3.14's default
                    # "data" filter would drop both; the paths were checked above.
                    layer.extract(m, root, set_attrs=True, numeric_owner=True, **TRUSTED)


# ---------------------------------------------------------------- the container

def sh(*cmd):
    subprocess.run(cmd, check=True)


def loopback_up():
    """ip link set lo up, without needing iproute2: SIOCGIFFLAGS / SIOCSIFFLAGS with IFF_UP."""
    import fcntl
    import socket
    import struct
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), 0x8913, ifreq))[1]
        fcntl.ioctl(s.fileno(), 0x8914, struct.pack("16sH14x", b"lo", flags | 0x1))


def prepare_mounts(root, config_dir):
    """/proc of this PID namespace, a /dev of a few bound device nodes, /config read-only."""
    for d in ("proc", "dev", "config"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    sh("mount", "-t", "proc", "proc", os.path.join(root, "proc"))
    dev = os.path.join(root, "dev")
    sh("mount", "-t", "tmpfs", "-o", "mode=755,nosuid", "tmpfs", dev)
    for node in ("null", "zero", "full", "random", "urandom", "tty"):
        if not os.path.exists("/dev/" + node):
            continue
        open(os.path.join(dev, node), "w").close()
        sh("mount", "--bind", "/dev/" + node, os.path.join(dev, node))
    os.makedirs(os.path.join(dev, "shm"))
    sh("mount", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "shm", os.path.join(dev, "shm"))
    cfg = os.path.join(root, "config")
    sh("mount", "--bind", config_dir, cfg)
    sh("mount", "-o", "remount,bind,ro", cfg)


def resolve_user(root, user):
    """uid, gid for a config User: "uid", "uid:gid", "name" or "name:group" looked up in the image's files."""
    user = user or "0"
    name, _, group = user.partition(":")

    def lookup(path, key):
        try:
            with open(os.path.join(root, path)) as f:
                for line in f:
                    fields = line.strip().split(":")
                    if len(fields) > 3 and fields[0] == key:
                        return fields
        except FileNotFoundError:
            pass
        return None

    if name.isdigit():
        uid = int(name)
        gid = uid
        with open(os.path.join(root, "etc/passwd")) as f:
            for line in f:
                fields = line.strip().split(":")
                if len(fields) > 3 and fields[2] == name:
                    gid = int(fields[3])
    else:
        entry = lookup("etc/passwd", name)
        if entry is None:
            fail("user %s is not in the image's /etc/passwd" % name)
        uid, gid = int(entry[2]), int(entry[3])
    if group:
        if group.isdigit():
            gid = int(group)
        else:
            entry = lookup("etc/group", group)
            if entry is None:
                fail("group %s is not in the image's /etc/group" % group)
            gid = int(entry[2])
    return uid, gid


def which(root, exe, path_var):
    if "/" in exe:
        return exe
    for d in path_var.split(":"):
        candidate = os.path.join(d, exe)
        if os.access(os.path.join(root, candidate.lstrip("/")), os.X_OK):
            return candidate
    fail("%s is not on the image's PATH (%s)" % (exe, path_var))


class Container:
    def __init__(self, root, image_config, extra_env):
        cfg = image_config["config"]
        self.argv = (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])
        if not self.argv:
            fail("the image has neither Entrypoint nor Cmd")
        env = dict(e.split("=", 1) for e in cfg.get("Env") or [])
        env.setdefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        env["HOSTNAME"] = "fusion-image-test"
        env.update(extra_env)
        self.env = env
        self.workdir = cfg.get("WorkingDir") or "/"
        self.uid, self.gid = resolve_user(root, cfg.get("User"))
        self.exe = which(root, self.argv[0], env["PATH"])
        self.root = root
        self.lines = []
        self.proc = None

    def start(self):
        root, workdir, uid, gid = self.root, self.workdir, self.uid, self.gid

        def enter():
            os.chroot(root)
            os.chdir(workdir)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)

        self.proc = subprocess.Popen([self.exe] + self.argv[1:], env=self.env, preexec_fn=enter,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            print("   | " + line, flush=True)

    def output(self):
        return "\n".join(self.lines)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("the container did not exit within %d s; its output:\n%s" % (timeout, self.output()))


# ---------------------------------------------------------------- HTTP from inside the namespace

def http(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_until_listening(c, base):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if c.proc.poll() is not None:
            fail("the container exited with %s before listening; its output:\n%s" % (c.proc.returncode, c.output()))
        if any("listening on" in line for line in c.lines):
            try:
                status, _ = http("GET", base + "/health")
                return status
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.2)
    c.proc.kill()
    fail("the container did not listen within %d s; its output:\n%s" % (START_TIMEOUT_S, c.output()))


def exposed_port(image_config):
    ports = list((image_config["config"].get("ExposedPorts") or {}).keys())
    tcp = [p for p in ports if p.endswith("/tcp") or "/" not in p]
    if len(tcp) != 1:
        fail("expected one exposed TCP port, the image exposes %s" % ports)
    return int(tcp[0].split("/")[0])


def serve_with_keys(tar_path, image_config, layers, config_file):
    key = "fk-image-" + secrets.token_hex(16)
    work = tempfile.mkdtemp(prefix="fusion-image-")
    root = os.path.join(work, "rootfs")
    os.makedirs(root)
    unpack(tar_path, layers, root)
    config_dir = os.path.join(work, "config")
    os.makedirs(config_dir)
    shutil.copy(config_file, os.path.join(config_dir, "fusion.yaml"))
    prepare_mounts(root, config_dir)
    port = exposed_port(image_config)
    c = Container(root, image_config, {KEY_ENV: key})
    log("run %s as uid %d gid %d in %s (key from $%s)" % (json.dumps([c.exe] + c.argv[1:]), c.uid, c.gid, c.workdir, KEY_ENV))
    t0 = time.monotonic()
    c.start()
    base = "http://127.0.0.1:%d" % port
    status = wait_until_listening(c, base)
    log("listening after %.1f s" % (time.monotonic() - t0))

    with open("/proc/%d/status" % c.proc.pid) as f:
        uids = [line.split()[1:] for line in f if line.startswith("Uid:")][0]
    if set(uids) != {str(c.uid)}:
        fail("the process runs as uids %s, the image says %d" % (uids, c.uid))
    log("the server process runs as uid %s" % uids[0])
    banner = [line for line in c.lines if "listening on" in line][0]
    if "http://0.0.0.0:%d/" % port not in banner:
        fail("not listening on 0.0.0.0:%d: %s" % (port, banner))

    if status != 200:
        fail("GET /health: %s" % status)
    log("GET /health -> 200")

    status, body = http("GET", base + "/v1/models", headers={"authorization": "Bearer " + key})
    models = [m["id"] for m in json.loads(body).get("data", [])] if status == 200 else body[:300]
    if status != 200 or "fusion/default" not in models:
        fail("GET /v1/models with the key: %s %s" % (status, models))
    log("GET /v1/models with the key -> 200 %s" % models)

    ask = {"model": "fusion/default", "messages": [{"role": "user", "content": "What is DNS, in one sentence?"}]}
    status, body = http("POST", base + "/v1/chat/completions", ask, {"authorization": "Bearer " + key})
    if status != 200:
        fail("chat completion with the key: %s %s" % (status, body[:500]))
    answer = json.loads(body)
    usage = answer.get("usage") or {}
    content = answer["choices"][0]["message"]["content"]
    if not (usage.get("prompt_tokens", 0) > 0 and usage.get("completion_tokens", 0) > 0
            and usage.get("total_tokens") == usage["prompt_tokens"] + usage["completion_tokens"]):
        fail("chat completion usage: %s" % usage)
    if not content:
        fail("chat completion: empty answer")
    log("POST /v1/chat/completions with the key -> 200, usage %s, cost %s" % (
        {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}, usage.get("cost")))

    status, body = http("POST", base + "/v1/chat/completions", ask)
    if status != 401:
        fail("chat completion without a key: %s %s" % (status, body[:300]))
    status, body = http("POST", base + "/v1/chat/completions", ask, {"authorization": "Bearer " + key[:-1] + "x"})
    if status != 401:
        fail("chat completion with a wrong key: %s %s" % (status, body[:300]))
    if key in body or key[:-1] in body:
        fail("an error body holds the key")
    log("without the key -> 401, with a wrong key -> 401")

    t0 = time.monotonic()
    c.proc.send_signal(signal.SIGTERM)
    rc = c.wait(STOP_TIMEOUT_S)
    if rc not in (0, 128 + signal.SIGTERM):
        fail("exit status %s after SIGTERM; output:\n%s" % (rc, c.output()))
    if not any("fusion serve: stopped" in line for line in c.lines):
        fail("no 'fusion serve: stopped' after SIGTERM; output:\n%s" % c.output())
    log("SIGTERM -> stopped, exit status %d, in %.1f s" % (rc, time.monotonic() - t0))
    if key in c.output():
        fail("the key appears in the container's output")
    return root


def refuses_without_keys(tar_path, image_config, layers, config_file):
    work = tempfile.mkdtemp(prefix="fusion-image-nokeys-")
    root = os.path.join(work, "rootfs")
    os.makedirs(root)
    unpack(tar_path, layers, root)
    config_dir = os.path.join(work, "config")
    os.makedirs(config_dir)
    shutil.copy(config_file, os.path.join(config_dir, "fusion.yaml"))
    prepare_mounts(root, config_dir)
    c = Container(root, image_config, {})
    c.start()
    rc = c.wait(START_TIMEOUT_S)
    if rc == 0:
        fail("started without gateway keys on 0.0.0.0; output:\n%s" % c.output())
    if "without gateway keys" not in c.output():
        fail("exit status %s without keys, but not the reason; output:\n%s" % (rc, c.output()))
    log("without keys in the config: refuses to start, exit status %d" % rc)


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    tar_path, keyed, keyless = (os.path.abspath(a) for a in sys.argv[1:])
    if os.environ.get("FUSION_IMAGE_IN_NS") != "1":
        # Fresh mount, PID and network namespaces: the mounts vanish with us, every process of the run dies with
        # us (we are PID 1), and the image's port is private to this run.
        env = dict(os.environ, FUSION_IMAGE_IN_NS="1")
        os.execvpe("unshare", ["unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc",
                               sys.executable, os.path.abspath(__file__), tar_path, keyed, keyless], env)
    loopback_up()
    image_config, layers = read_image(tar_path)
    cfg = image_config["config"]
    log("config: Entrypoint %s Cmd %s User %s WorkingDir %s ExposedPorts %s Env %s" % (
        cfg.get("Entrypoint"), cfg.get("Cmd"), cfg.get("User"), cfg.get("WorkingDir"),
        sorted((cfg.get("ExposedPorts") or {}).keys()), cfg.get("Env")))
    serve_with_keys(tar_path, image_config, layers, keyed)
    refuses_without_keys(tar_path, image_config, layers, keyless)
    log("all checks passed")


if __name__ == "__main__":
    main()
