"""Process owners' pages: the library of definitions, versions, drafts, the modeler, upload,
compare, migrate and dry run. Only process owners and admins get in (403 for everyone else).
JSON endpoints for the in-browser editors live in ``definitions_api``.
"""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user

from engine import DefinitionError
from models import Draft
from models import definition_queries as q
from models.status import Role

from .auth import same_site
from .db import get_process_engine, get_session

bp = Blueprint("definitions", __name__, url_prefix="/definitions")
UPLOAD_SUFFIXES = (".bpmn", ".dmn", ".xml")


@bp.before_request
def require_process_owner():
    """Signed in (else the login page) and a process owner or admin (else 403)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.has_role(Role.PROCESS_OWNER.value):
        abort(403, "Only process owners and admins can manage definitions.")
    return None


def version_or_404(process_id: str, number: int):
    """One deployed version, or 404."""
    found = q.version(get_session(), process_id, number)
    if found is None:
        abort(404, f"{process_id} has no version {number}.")
    return found


def versions_or_404(process_id: str) -> list:
    """The versions of a process (newest first), or 404 when it was never deployed."""
    found = q.versions_of(get_session(), process_id)
    if not found:
        abort(404, f"No process {process_id} has been deployed.")
    return found


def index_page(status: int = 200, **extra):
    """The definitions list (also shown again with errors after a refused upload)."""
    session = get_session()
    processes, running = q.versions_by_process(session), q.running_counts(session)
    totals = {pid: sum(running.get(v.id, 0) for v in versions) for pid, versions in processes.items()}
    return render_template("definitions/index.html", processes=processes, totals=totals,
                           drafts=get_process_engine().drafts(session), page_title="Definitions",
                           **extra), status


@bp.route("/")
def index():
    """Every process with its latest version and running cases, upload, and all drafts."""
    return index_page()


@bp.route("/<process_id>")
def show(process_id: str):
    """One process: versions (who, when, note), running instances per version, drafts."""
    session = get_session()
    versions = versions_or_404(process_id)
    return render_template("definitions/show.html", process_id=process_id, versions=versions,
                           running=q.running_counts(session, process_id),
                           drafts=get_process_engine().drafts(session, process_id),
                           page_title=versions[0].name or process_id)


@bp.route("/<process_id>/versions/<int:number>.bpmn")
def download(process_id: str, number: int):
    """The XML of one version's own file, as a download."""
    filename, xml = get_process_engine().version_source(version_or_404(process_id, number))
    stem = filename.rsplit(".", 1)[0]
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{stem}-v{number}.bpmn"'})


@bp.route("/<process_id>/view")
def view(process_id: str):
    """A read-only diagram of a version (the latest by default); call activities drill down."""
    versions = versions_or_404(process_id)
    number = request.args.get("version", type=int) or versions[0].version
    definition = version_or_404(process_id, number)
    return render_template("definitions/view.html", definition=definition, versions=versions,
                           page_title=f"{definition.name} (version {number})")


@bp.route("/new")
def new():
    """The modeler with a blank diagram."""
    return render_template("definitions/edit.html", process_id=None, xml_url=None,
                           page_title="New process")


@bp.route("/<process_id>/edit")
def edit(process_id: str):
    """The modeler on the user's draft of the process, else its latest version."""
    session = get_session()
    draft = get_process_engine().my_draft(session, current_user.actor, process_id=process_id)
    if draft is None:
        versions_or_404(process_id)
    return render_template("definitions/edit.html", process_id=process_id, draft=draft,
                           xml_url=url_for("definitions.source", process_id=process_id),
                           page_title=f"Edit {process_id}")


@bp.route("/decisions/<filename>/edit")
def edit_decision(filename: str):
    """The DMN editor on the user's draft of a decision file, else its latest deployed copy."""
    draft = get_process_engine().my_draft(get_session(), current_user.actor, filename=filename)
    return render_template("definitions/dmn.html", filename=filename, draft=draft,
                           page_title=f"Edit {filename}")


@bp.route("/upload", methods=["POST"])
def upload():
    """A .bpmn or .dmn file becomes the user's draft; refused files say why (422)."""
    file = request.files.get("file")
    if file is None or not file.filename:
        return _upload_refused(["Choose a .bpmn or .dmn file to upload."])
    if not file.filename.lower().endswith(UPLOAD_SUFFIXES):
        return _upload_refused([f"{file.filename}: only .bpmn and .dmn files can be uploaded."])
    data = file.read()
    try:
        text = data.decode("utf-8")
        draft = get_process_engine().save_diagram_draft(get_session(), current_user.actor, text,
                                                "uploaded " + file.filename)
    except UnicodeDecodeError:
        return _upload_refused([f"{file.filename}: the file is not UTF-8 text."])
    except DefinitionError as exc:
        return _upload_refused([str(p) for p in exc.problems])
    get_session().commit()
    flash(f"{file.filename} is saved as your draft. Validate it, then deploy it.", "success")
    return redirect(_draft_editor(draft))


def _upload_refused(messages: list[str]):
    get_session().rollback()
    return index_page(422, upload_errors=messages)


def _draft_editor(draft: Draft) -> str:
    if draft.kind == "dmn":
        return url_for("definitions.edit_decision", filename=draft.filename)
    return url_for("definitions.edit", process_id=draft.process_id)


@bp.route("/drafts/<int:draft_id>/discard", methods=["POST"])
def discard(draft_id: int):
    """Discard a draft (its author or an admin)."""
    session = get_session()
    get_process_engine().discard_diagram_draft(session, current_user.actor, draft_id)
    session.commit()
    flash("The draft has been discarded.", "success")
    return redirect(same_site(request.form.get("next"), "definitions.index"))


@bp.route("/drafts/<int:draft_id>/deploy", methods=["POST"])
def deploy_draft(draft_id: int):
    """Deploy a draft from a plain form (the DMN page and the drafts list)."""
    session = get_session()
    draft = get_process_engine().draft(session, draft_id)
    try:
        results = get_process_engine().deploy_diagram(session, current_user.actor, draft.xml,
                                              request.form.get("note", "").strip() or draft.note)
    except DefinitionError as exc:
        session.rollback()
        flash(f"Not deployed: {exc.message}", "error")
        return redirect(_draft_editor(draft))
    session.commit()
    flash(deployed_message(results), "success")
    return redirect(url_for("definitions.index"))


def deployed_message(results) -> str:
    """What deploying did, for the banner: each new version and what changed since the version
    before it (steps added, changed, removed, by name), or that nothing changed."""
    made = [_deployed(r) for r in results if r.created]
    return " ".join(made) if made else "Nothing changed: no new version."


def _deployed(result) -> str:
    text = f"Deployed {result.process_id} version {result.version}"
    if result.version == 1:
        return text + ", its first version."
    engine = get_process_engine()
    before, after = (engine.version_source(version_or_404(result.process_id, n))
                     for n in (result.version - 1, result.version))
    comparison = engine.compare_versions(before[1], after[1], after[0])
    parts = [f"{len(elements)} {kind} ({', '.join(e.name or e.id for e in elements[:5])}"
             f"{', ...' if len(elements) > 5 else ''})"
             for kind, elements in (("added", comparison.added), ("changed", comparison.changed),
                                    ("removed", comparison.removed)) if elements]
    changes = "; ".join(parts) if parts else "only its layout changed"
    return (f"{text}: {changes}. Running cases stay on version {result.version - 1} until "
            "they are migrated.")


@bp.route("/<process_id>/compare")
def compare_versions(process_id: str):
    """Elements added, removed and changed between versions a and b, listed and on the diagram."""
    versions = versions_or_404(process_id)
    a = request.args.get("a", type=int) or (versions[1].version if len(versions) > 1 else versions[0].version)
    b = request.args.get("b", type=int) or versions[0].version
    name_a, xml_a = get_process_engine().version_source(version_or_404(process_id, a))
    _, xml_b = get_process_engine().version_source(version_or_404(process_id, b))
    result = get_process_engine().compare_versions(xml_a, xml_b, name_a)
    side = "a" if request.args.get("side") == "a" else "b"
    return render_template("definitions/compare.html", process_id=process_id, versions=versions,
                           a=a, b=b, side=side, result=result,
                           page_title=f"Compare {process_id} versions {a} and {b}")


@bp.route("/<process_id>/migrate", methods=["GET", "POST"])
def migrate_instances(process_id: str):
    """Preview moving running instances to a version; POST moves the chosen ones."""
    versions = versions_or_404(process_id)
    to = request.values.get("to", type=int) or versions[0].version
    version_or_404(process_id, to)
    if request.method == "POST":
        ids = [int(i) for i in request.form.getlist("instance") if i.isdigit()]
        get_session().rollback()   # each case moves in its own transaction
        plans = get_process_engine().migrate_many(current_app.extensions["lscb.sessions"], ids, to,
                                          current_user.actor)
        moved = sum(p.ok for p in plans)
        flash(f"{moved} of {len(plans)} case(s) moved to version {to}.",
              "success" if moved == len(plans) else "warning")
        return render_template("definitions/migrate.html", process_id=process_id, versions=versions,
                               to=to, plans=plans, done=True, page_title=f"Migrate {process_id}")
    plans = get_process_engine().preview_migration(get_session(), process_id, to)
    return render_template("definitions/migrate.html", process_id=process_id, versions=versions,
                           to=to, plans=plans, done=False, page_title=f"Migrate {process_id}")


from . import definitions_api, definitions_dryrun  # noqa: E402,F401  (registers their routes)
