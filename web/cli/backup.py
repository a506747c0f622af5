"""``lscb backup PATH`` and ``lscb restore PATH`` (``-``: standard output or input, so a backup
can go straight through an encryption tool such as age or gpg)."""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click

from engine import backup_database, restore_database

from . import CLI_ACTOR, command, main


@command(main, "backup")
@click.argument("path")
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup(ctx, path, force):
    """Write a consistent copy of the database to PATH while the board keeps working (SQLite:
    online backup; PostgreSQL: pg_dump custom format). The file is readable by its owner only."""
    if path != "-":
        result = backup_database(ctx.db_engine, path, force)
        return result, f"backup of the {result['database']} database written to {result['path']} " \
                       f"({result['bytes']} bytes)"
    with tempfile.TemporaryDirectory(prefix="lscb-backup-") as folder:     # mode 0700
        result = backup_database(ctx.db_engine, Path(folder) / "backup")
        with open(result["path"], "rb") as file:
            shutil.copyfileobj(file, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    click.echo(f"backup of the {result['database']} database written to standard output "
               f"({result['bytes']} bytes)", err=True)
    sys.exit(0)       # standard output holds the backup: nothing else may be printed there


@command(main, "restore")
@click.argument("path")
@click.option("--force", is_flag=True,
              help="Replace a database that is not empty (everything in it is lost).")
def restore(ctx, path, force):
    """Restore a backup made by ``lscb backup`` into an empty database (refused otherwise,
    unless --force). Run ``lscb db upgrade`` afterwards if the backup is from an older version."""
    if path != "-":
        result = restore_database(ctx.db_engine, path, CLI_ACTOR.name, force)
    else:
        with tempfile.TemporaryDirectory(prefix="lscb-restore-") as folder:
            copy = Path(folder) / "backup"
            with open(copy, "wb") as file:
                shutil.copyfileobj(sys.stdin.buffer, file)
            result = restore_database(ctx.db_engine, copy, CLI_ACTOR.name, force)
    rows = ", ".join(f"{n} {t}" for t, n in result["rows"].items())
    return result, f"restored {path} into the {result['database']} database ({rows})"
