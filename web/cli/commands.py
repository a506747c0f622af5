"""The ``lscb`` sub-commands (thin: parse options, one engine call, print)."""
from __future__ import annotations

import click

from engine import group_slug, load_actor, upgrade_schema
from engine.records import task_record
from models import queries

from . import CLI_ACTOR, command, main, parse_json, parse_now


@main.group()
def db():
    """Database schema."""


@command(db, "upgrade")
def db_upgrade(ctx):
    """Create or upgrade the schema to the newest migration."""
    upgrade_schema(ctx.db_engine)
    return {"ok": True, "database": ctx.db_engine.url.render_as_string(hide_password=True)}, \
        "database is up to date"


@main.group()
def users():
    """People who sign in."""


@command(users, "add")
@click.argument("name")
@click.option("--password", required=True)
@click.option("--group", "groups", multiple=True, help="Group slug (repeatable).")
@click.option("--lead", "leads", multiple=True, help="Group this user leads (repeatable).")
@click.option("--role", "roles", multiple=True, help="reviewer, manager, process_owner, admin.")
@click.option("--email")
@click.option("--display-name", default="")
def users_add(ctx, name, password, groups, leads, roles, email, display_name):
    """Create or update a user with these groups and roles."""
    with ctx.sessions.begin() as session:
        user = ctx.process_engine.add_user(session, CLI_ACTOR, name, password, groups=groups,
                                   roles=roles or ["reviewer"], email=email,
                                   display_name=display_name, lead_of=leads)
        result = {"name": user.name, "groups": sorted(user.group_slugs),
                  "roles": sorted(user.role_names)}
    return result, f"user {name} saved"


@main.group()
def groups():
    """Agencies and board groups."""


@command(groups, "add")
@click.argument("name")
@click.option("--title", default="")
@click.option("--kind", type=click.Choice(["agency", "board"]), default="board")
def groups_add(ctx, name, title, kind):
    """Create or update a group."""
    with ctx.sessions.begin() as session:
        group = ctx.process_engine.add_group(session, CLI_ACTOR, name, title, kind)
        result = {"slug": group.slug, "title": group.title, "kind": group.kind}
    return result, f"group {group.slug} saved"


@command(groups, "list")
@click.option("--kind", type=click.Choice(["agency", "board"]))
def groups_list(ctx, kind):
    """Every group (or those of one kind): slug, kind and title."""
    with ctx.sessions() as session:
        found = ctx.process_engine.list_groups(session, CLI_ACTOR, kind)
        result = [{"slug": g.slug, "title": g.title, "kind": g.kind} for g in found]
    width = max((len(g["slug"]) for g in result), default=0)
    return result, "\n".join(f"{g['slug']:<{width}}  {g['kind']:<6}  {g['title']}"
                             for g in result) or "no groups"


@command(groups, "rename")
@click.argument("name")
@click.argument("title")
def groups_rename(ctx, name, title):
    """Change a group's title (its slug stays)."""
    with ctx.sessions.begin() as session:
        group = ctx.process_engine.rename_group(session, CLI_ACTOR, name, title)
        result = {"slug": group.slug, "title": group.title, "kind": group.kind}
    return result, f"group {group.slug} is now {group.title!r}"


@main.group()
def workflows():
    """BPMN and DMN definitions."""


@command(workflows, "validate")
@click.argument("paths", nargs=-1, required=True)
def workflows_validate(ctx, paths):
    """Check files or folders exactly as deploy would (lint against this database's groups and
    lanes); every problem is printed, nothing is stored."""
    files = ctx.process_engine.read_definition_files(paths)
    with ctx.sessions() as session:
        ids = ctx.process_engine.validate(session, files)
    return {"ok": True, "processes": ids}, f"ok: {len(ids)} processes valid"


@command(workflows, "deploy")
@click.argument("paths", nargs=-1, required=True)
@click.option("--user", default="cli")
@click.option("--note", default="")
def workflows_deploy(ctx, paths, user, note):
    """Deploy files or folders; unchanged processes keep their version."""
    with ctx.sessions.begin() as session:
        files = ctx.process_engine.read_definition_files(paths)
        results = ctx.process_engine.deploy(session, files, user, note)
    lines = [f"{r.process_id}: version {r.version} ({'new' if r.created else 'unchanged'})"
             for r in results]
    return {"deployed": [r.to_dict() for r in results]}, "\n".join(lines)


@main.group()
def instances():
    """Process instances (cases)."""


@command(instances, "start")
@click.argument("process_id")
@click.option("--data", help="Start data as a JSON object.")
@click.option("--reference", help="Case reference (default: generated).")
@click.option("--user", required=True)
def instances_start(ctx, process_id, data, reference, user):
    """Start a process."""
    with ctx.sessions.begin() as session:
        record = ctx.process_engine.start(session, process_id, load_actor(session, user),
                                  parse_json(data, "--data"), reference)
    return {"id": record.id, "status": record.status, "reference": record.reference}, \
        f"instance {record.id} ({record.reference}) {record.status}"


@command(instances, "set-data")
@click.argument("instance_id", type=int)
@click.option("--data", required=True, help="The values to set, as a JSON object.")
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@click.option("--user", required=True)
def instances_set_data(ctx, instance_id, data, reason, user):
    """Correct a case's data (managers), e.g. before retrying its failed step."""
    with ctx.sessions.begin() as session:
        record = ctx.process_engine.set_data(session, instance_id, load_actor(session, user),
                                             parse_json(data, "--data"), reason)
    return record.to_dict(), f"instance {record.id} data corrected ({record.status})"


@command(instances, "show")
@click.argument("instance_id", type=int)
def instances_show(ctx, instance_id):
    """Status, data, ready tasks and waiting timers of an instance."""
    with ctx.sessions() as session:
        record = ctx.process_engine.show(session, instance_id)
    lines = [f"instance {record.id} {record.reference} {record.process_id} v"
             f"{record.definition_version}: {record.status}"]
    lines += [f"  task {t.id} {t.title} [{', '.join(t.candidate_groups)}] due {t.due_at}"
              for t in record.tasks]
    lines += [f"  timer {t.bpmn_id} due {t.due_at.isoformat()}" for t in record.timers]
    return record.to_dict(), "\n".join(lines)


@main.group()
def tasks():
    """Human tasks."""


@command(tasks, "list")
@click.option("--instance", "instance_id", type=int)
@click.option("--group")
@click.option("--user")
@click.option("--unassignable", is_flag=True,
              help="Only tasks no active person can act on (managers reassign them).")
def tasks_list(ctx, instance_id, group, user, unassignable):
    """Open tasks, filtered by instance, group or assignee, or those nobody can act on."""
    with ctx.sessions() as session:
        rows = queries.open_tasks(session, instance_id=instance_id,
                                  group=group_slug(group) if group else None, user=user,
                                  unassignable=unassignable)
        result = [_task_json(r) for r in rows]
    text = "\n".join(f"{t['id']} {t['title']} [{', '.join(t['candidate_groups'])}] "
                     f"{t['assignee'] or '-'} due {t['due_at']}"
                     + (f" NOBODY CAN ACT since {t['unassignable_since']}"
                        if t["unassignable_since"] else "") for t in result)
    return result, text or ("no unassignable tasks" if unassignable else "no open tasks")


def _task_json(row) -> dict:
    record = task_record(row).to_dict()
    keys = ("id", "bpmn_id", "title", "lane", "candidate_groups", "assignee", "due_at",
            "status", "instance_id", "unassignable_since")
    return {k: record[k] for k in keys}


@command(tasks, "claim")
@click.argument("task_id")
@click.option("--user", required=True)
def tasks_claim(ctx, task_id, user):
    """Take a task."""
    with ctx.sessions.begin() as session:
        record = ctx.process_engine.claim(session, task_id, load_actor(session, user))
    return record.to_dict(), f"task {task_id} claimed by {user}"


@command(tasks, "complete")
@click.argument("task_id")
@click.option("--user", required=True)
@click.option("--data", help="Form values as a JSON object.")
def tasks_complete(ctx, task_id, user, data):
    """Complete a task with form values."""
    with ctx.sessions.begin() as session:
        record = ctx.process_engine.complete(session, task_id, load_actor(session, user),
                                     parse_json(data, "--data"))
    return record.to_dict(), f"task {task_id} completed; instance {record.id} {record.status}"


@main.group()
def timers():
    """Timer events."""


@command(timers, "fire")
@click.option("--now", "now_text", help="Fire as if the clock read this ISO-8601 time.")
def timers_fire(ctx, now_text):
    """Fire every timer due now (or at --now)."""
    fired = ctx.process_engine.fire_due_timers(ctx.sessions, parse_now(now_text))
    return {"fired": fired}, f"fired {fired} timers"


@main.group()
def messages():
    """BPMN messages between cases and from partner systems."""


@command(messages, "send")
@click.argument("name")
@click.option("--data", help="Payload as a JSON object.")
@click.option("--correlation", help="Correlation values as a JSON object.")
@click.option("--user", default="system")
def messages_send(ctx, name, data, correlation, user):
    """Deliver a message to the matching waiting instances, or start one."""
    with ctx.sessions.begin() as session:
        ids = ctx.process_engine.send_message(session, name, parse_json(data, "--data"),
                                      load_actor(session, user),
                                      parse_json(correlation, "--correlation"))
    return {"instances": ids}, f"message {name} delivered to instances {ids}"
