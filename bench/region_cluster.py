"""The region drill's own PostgreSQL cluster: initdb into the run's folder, as ``postgres``.

It listens only on the drill's private address (and a socket in its own folder), trusts
connections from the drill's network, and is stopped (then its folder removed) by the drill.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

BINARIES = Path("/usr/lib/postgresql/15/bin")
PORT = 55432
DATABASE = "lscb"


def missing() -> str | None:
    """Why a cluster cannot be made here, or None."""
    if not (BINARIES / "initdb").exists():
        return f"no PostgreSQL binaries in {BINARIES}"
    if shutil.which("runuser") is None:
        return "no runuser (the cluster runs as the postgres user)"
    return None


def _as_postgres(*argv: str) -> None:
    done = subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True,
                          text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"{Path(argv[0]).name} failed: {(done.stderr or done.stdout).strip()}")


def start(folder: Path, address: str, network: str) -> str:
    """initdb into ``folder``/pg and start it on ``address``; returns the database URL."""
    data = folder / "pg"
    data.mkdir(mode=0o700)
    shutil.chown(data, "postgres", "postgres")
    _as_postgres(str(BINARIES / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C", "--no-sync")
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(f"\nlisten_addresses = '{address}'\nport = {PORT}\n"
                   f"unix_socket_directories = '{data}'\nmax_connections = 200\n")
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write(f"\nhost all all {network} trust\n")
    _as_postgres(str(BINARIES / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"),
                 "-w", "-t", "60", "start")
    _as_postgres(str(BINARIES / "createdb"), "-h", address, "-p", str(PORT), DATABASE)
    return f"postgresql://postgres@{address}:{PORT}/{DATABASE}"


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder``/pg if one runs there (fast, else immediate)."""
    data = folder / "pg"
    if not (data / "postmaster.pid").exists():
        return
    for mode in ("fast", "immediate"):
        try:
            _as_postgres(str(BINARIES / "pg_ctl"), "-D", str(data), "-m", mode, "-w",
                         "-t", "20", "stop")
            return
        except (RuntimeError, subprocess.TimeoutExpired):
            continue
    pid = int((data / "postmaster.pid").read_text().split()[0])
    os.kill(pid, 9)
