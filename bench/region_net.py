"""The region drill's private network and the processes that run inside it.

Every namespace and link the drill makes is named ``lscbr-...`` and the bridge ``lscbr0``
(10.213.0.1/24, the host's end, where PostgreSQL listens). Each node is a network namespace
with one veth pair: the host end plugged into the bridge, the node's end ``eth0`` with its own
address. Namespaces get no default route and the host does not forward, so the drill's traffic
stays between the host and the namespaces it made. Cutting a node's link is ``ip link set
<host end> down``; killing a node is SIGKILL to every process in its namespace.

``lock()`` makes sure one drill runs at a time (an flock, released when the process dies,
however it dies); ``remove_leftovers()`` then removes whatever an earlier run left behind.
"""
from __future__ import annotations

import fcntl
import glob
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

PREFIX = "lscbr-"
BRIDGE = "lscbr0"
HOST_ADDRESS = "10.213.0.1"
NETWORK = "10.213.0.0/24"
RUN_DIRS = "/tmp/lscb-region-*"          # each run's folder (cluster, logs)
LOCK_FILE = "/tmp/lscb-region.lock"


class Busy(RuntimeError):
    """Another drill holds the lock."""


@dataclass(frozen=True)
class Node:
    """One machine of the region: a namespace, its address and its link's host end."""

    name: str            # web1, sched2
    address: str

    @property
    def netns(self) -> str:
        return PREFIX + self.name

    @property
    def link(self) -> str:
        return PREFIX + self.name      # the host end (interface names: at most 15 characters)


def ip(*args: str, check: bool = True) -> str:
    """Run ``ip ARGS``; its output (raises with ip's own message when it fails)."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and done.returncode:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def lock():
    """Hold the drill's lock for this process's life; raises Busy naming the holder."""
    handle = open(LOCK_FILE, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        raise Busy(f"another region drill is running (pid {handle.read().strip() or '?'})") \
            from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def leftovers() -> list[str]:
    """What an earlier run left: namespaces, links, run folders."""
    spaces = [line.split()[0] for line in ip("netns", "list").splitlines()
              if line.startswith(PREFIX)]
    links = [line.split()[1].split("@")[0].rstrip(":") for line in ip("-o", "link").splitlines()
             if line.split()[1].startswith((PREFIX, BRIDGE))]
    return [f"netns {s}" for s in spaces] + [f"link {x}" for x in links] + \
        [f"folder {d}" for d in glob.glob(RUN_DIRS)]


def remove_leftovers(stop_cluster) -> list[str]:
    """Remove everything ``leftovers`` lists (the processes in a namespace killed first, a
    cluster in a run folder stopped by ``stop_cluster(folder)``); returns what was removed."""
    found = leftovers()
    for item in found:
        kind, name = item.split(" ", 1)
        if kind == "netns":
            kill_all(name)
            ip("netns", "del", name, check=False)
        elif kind == "link":
            ip("link", "del", name, check=False)
        else:
            stop_cluster(Path(name))
            shutil.rmtree(name, ignore_errors=True)
    return found


def kill_all(netns: str) -> int:
    """SIGKILL every process in ``netns``; returns how many there were."""
    pids = [int(p) for p in ip("netns", "pids", netns, check=False).split()]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(pids)


def make_bridge() -> None:
    """The host's end of the private network, at HOST_ADDRESS."""
    ip("link", "add", BRIDGE, "type", "bridge")
    ip("addr", "add", f"{HOST_ADDRESS}/24", "dev", BRIDGE)
    ip("link", "set", BRIDGE, "up")


def add_node(node: Node) -> None:
    """A namespace for ``node``, linked to the bridge."""
    ip("netns", "add", node.netns)
    ip("link", "add", node.link, "type", "veth", "peer", "name", "eth0", "netns", node.netns)
    ip("link", "set", node.link, "master", BRIDGE, "up")
    ip("-n", node.netns, "addr", "add", f"{node.address}/24", "dev", "eth0")
    ip("-n", node.netns, "link", "set", "eth0", "up")
    ip("-n", node.netns, "link", "set", "lo", "up")


def set_link(node: Node, up: bool) -> None:
    """Cut (``up=False``) or restore a node's link."""
    ip("link", "set", node.link, "up" if up else "down")


def spawn(node: Node, argv: list[str], env: dict, log: Path, cwd: Path) -> subprocess.Popen:
    """Start ``argv`` inside ``node``'s namespace, its output to ``log``."""
    with open(log, "w") as out:
        return subprocess.Popen(["ip", "netns", "exec", node.netns, *argv], env=env, cwd=cwd,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
