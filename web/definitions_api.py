"""JSON and XML endpoints of the definitions pages: the editors' load, save, validate and
deploy contract, and the compare markers. Every answer is JSON ``{"ok", "message"?,
"problems"?, "redirect"?}``; refusals are 4xx JSON (422 for problems), never an HTML page.
"""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, make_response, request, url_for
from flask_login import current_user

from engine import DefinitionError, EngineError

from .db import get_process_engine, get_session
from .definitions import bp, deployed_message, version_or_404, versions_or_404


def xml_response(xml: str) -> Response:
    """Diagram XML for the editors and the viewer."""
    return Response(xml, mimetype="application/xml")


def answer(ok: bool, status: int = 200, **body):
    """The editors' JSON answer."""
    return jsonify({"ok": ok, **{k: v for k, v in body.items() if v is not None}}), status


def problems_json(problems) -> list[dict]:
    """Problems as the editors' list entries."""
    return [p.to_dict() for p in problems]


def submitted() -> tuple[str, str]:
    """``(xml, note)`` from the JSON body; a malformed body is a 400 JSON answer."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str) or not body["xml"].strip():
        abort(make_response(answer(False, 400, message='Send JSON {"xml": "...", "note": "..."}.')))
    limit = get_process_engine().MAX_XML_BYTES
    if len(body["xml"].encode("utf-8")) > limit:
        abort(make_response(answer(False, 413, message=f"The diagram is larger than {limit} bytes.")))
    note = body.get("note") if isinstance(body.get("note"), str) else ""
    return body["xml"], note.strip()[:2000]


@bp.route("/<process_id>/source.xml")
def source(process_id: str):
    """The user's draft of the process, else its latest deployed own file."""
    draft = get_process_engine().my_draft(get_session(), current_user.actor, process_id=process_id)
    if draft is not None:
        return xml_response(draft.xml)
    return xml_response(get_process_engine().version_source(versions_or_404(process_id)[0])[1])


@bp.route("/<process_id>/versions/<int:number>.xml")
def version_xml(process_id: str, number: int):
    """One version's own file, inline (the viewer's source)."""
    return xml_response(get_process_engine().version_source(version_or_404(process_id, number))[1])


@bp.route("/decisions/<filename>/source.xml")
def decision_source(filename: str):
    """The user's draft of a DMN file, else the newest deployed copy of it."""
    session = get_session()
    draft = get_process_engine().my_draft(session, current_user.actor, filename=filename)
    if draft is not None:
        return xml_response(draft.xml)
    xml = get_process_engine().decision_source(session, filename)
    if xml is not None:
        return xml_response(xml)
    abort(404, f"No deployed decision file {filename}.")


@bp.route("/drafts/<int:draft_id>.xml")
def draft_xml(draft_id: int):
    """A draft's XML."""
    return xml_response(get_process_engine().draft(get_session(), draft_id).xml)


@bp.route("/drafts/save", methods=["POST"])
def save():
    """Save the editor's XML as the user's draft of its file."""
    xml, note = submitted()
    session = get_session()
    try:
        draft = get_process_engine().save_diagram_draft(session, current_user.actor, xml, note)
    except DefinitionError as exc:
        session.rollback()
        return answer(False, 422, message=exc.message, problems=problems_json(exc.problems))
    session.commit()
    return answer(True, message=f"Draft of {draft.filename} saved.")


@bp.route("/drafts/validate", methods=["POST"])
def validate():
    """Deploy-time checks plus lint rules; problems come back for the list and the markers."""
    xml, _ = submitted()
    result = get_process_engine().check_diagram(get_session(), current_user.actor, xml)
    get_session().rollback()
    errors = sum(p.severity == "error" for p in result.problems)
    message = (f"{errors} error(s) must be fixed before deploying." if errors
               else "No errors: this draft can be deployed.")
    return answer(result.ok, 200 if result.ok else 422, message=message,
                  problems=problems_json(result.problems))


@bp.route("/drafts/deploy", methods=["POST"])
def deploy():
    """Deploy the editor's XML as a new version (refused with every error, nothing stored)."""
    xml, note = submitted()
    session = get_session()
    if not note:
        return answer(False, 422, message="Write a change note saying what changed and why.")
    try:
        results = get_process_engine().deploy_diagram(session, current_user.actor, xml, note)
    except DefinitionError as exc:
        session.rollback()
        return answer(False, 422, message=f"Not deployed: {exc.message}",
                      problems=problems_json(exc.problems))
    except EngineError as exc:
        session.rollback()
        return answer(False, 409, message=exc.message)
    session.commit()
    created = [r for r in results if r.created]
    target = created[0].process_id if created else None
    message = deployed_message(results)
    if target:
        flash(message, "success")         # the banner of the page the editor goes to next
    return answer(True, message=message,
                  redirect=url_for("definitions.show", process_id=target) if target else None)


@bp.route("/<process_id>/compare.json")
def compare_state(process_id: str):
    """Viewer state for a comparison: added/changed on version b, removed on version a."""
    a = request.args.get("a", type=int)
    b = request.args.get("b", type=int)
    if a is None or b is None:
        return answer(False, 400, message="Give versions a and b.")
    name, xml_a = get_process_engine().version_source(version_or_404(process_id, a))
    _, xml_b = get_process_engine().version_source(version_or_404(process_id, b))
    markers = get_process_engine().compare_versions(xml_a, xml_b, name).markers()
    if request.args.get("side") == "a":
        return jsonify({"removed": markers["removed"], "changed": markers["changed"]})
    return jsonify({"added": markers["added"], "changed": markers["changed"]})
