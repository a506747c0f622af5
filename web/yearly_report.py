"""The yearly report (2018/2023 safeguarding partners) or annual report (2015 LSCB) for a
business year, as a page and a PDF, and the page where a review's impact on practice is entered
once (every report reuses it).

The board's regime decides the report's name and who approves it; its sections follow what the
guidance asks the report to describe, filled from the registers (``models.learning_reports.
yearly_figures``), then the annual learning and review figures (``reports.learning_sections``).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import current_user

from engine import InputError, NotFound
from models.learning import Review
from models.learning_reports import REVIEW_TARGET_MONTHS, year_period, yearly_figures

from .auth import role_required, same_site
from .db import board_tz, get_process_engine, get_session
from .reports import (READERS, Section, _check_access, _render, _span, _year, learning_sections,
                      review_kind)
from .wording import as_words, long_date, names

bp = Blueprint("yearly_report", __name__, url_prefix="/reports")

# (report name, who approves it), by the regime the board works under
WORDING = {"LSCB_WT2015": ("LSCB annual report", "the LSCB Chair"),
           "MASA_WT2018": ("Safeguarding partners' yearly report", "the safeguarding partners"),
           "MASA_WT2023": ("Safeguarding partners' yearly report", "the safeguarding partners")}
AUDIENCES = {"children_young_people": "Children and young people", "families": "Families",
             "mixed": "Children, young people and families"}


def review_name(review: Review) -> str:
    """How a report names a review: its title and case reference (never a child's name)."""
    title = review.title or review_kind(review.kind)
    return f"{title} ({review.case_ref})" if review.case_ref else title


def yearly_sections(f: dict) -> list[Section]:
    """The sections the guidance asks for, then the year's learning and review figures."""
    timeliness = Section("Reviews completed and their timeliness",
                         ["Review", "Started", "Completed", f"Within {REVIEW_TARGET_MONTHS} months"],
                         [[review_name(r), long_date(r.started_at), long_date(r.completed_at),
                           "Yes" if on_time else "No"] for r, on_time in f["completed_reviews"]],
                         f"{len(f['completed_reviews'])} reviews completed in the year, "
                         f"{f['on_time']} within {REVIEW_TARGET_MONTHS} months of their start.")
    impact = Section("Impact of reviews on practice", ["Review", "Impact on practice"],
                     [[review_name(r), r.impact or "Not recorded yet"] for r in f["impact"]],
                     "Each review's impact is entered once, on the review, and reused by every "
                     "report.")
    published = Section("Reports published", ["Review", "Published", "Online until at least"],
                        [[review_name(r), long_date(r.published_on), long_date(r.online_until)]
                         for r in f["published"]])
    rec = f["recommendations"]
    actions = Section("Action on review recommendations", ["Actions", "Count"],
                      [["Done", rec["done"]], ["Open, within their date", rec["open"]],
                       ["Overdue", rec["overdue"]]],
                      f"{rec['total']} actions answer the recommendations of reviews.", chart=True)
    voices = Section("What children and families said", ["Survey or consultation", "Heard from",
                                                         "What changed (you said, we did)"],
                     [[review_name(r), AUDIENCES.get(r.outcome, r.outcome),
                       r.impact or "Not recorded yet"] for r in f["voices"]])
    little = f["little_progress"]
    not_learnt = Section("Areas of little progress: learning not embedded", ["Theme", "Items"],
                         [[as_words(k), v]
                          for k, v in little["not_learnt_by_theme"].items()],
                         f"{little['not_learnt']} learning items were evaluated in the year as not "
                         "embedded in practice.", chart=True)
    late = Section(f"Areas of little progress: reviews open beyond {REVIEW_TARGET_MONTHS} months",
                   ["Review", "Started"],
                   [[review_name(r), long_date(r.started_at)] for r in little["late_reviews"]],
                   "Overdue actions by agency are in the action plan section below.")
    return [timeliness, impact, published, actions, voices, not_learnt, late,
            *learning_sections(f, annual=True)]


@bp.route("/yearly", defaults={"pdf": False})
@bp.route("/yearly.pdf", defaults={"pdf": True})
@role_required(*READERS)
def yearly(pdf: bool):
    """The yearly or annual report for a business year (``year``), by the board's regime."""
    _check_access()
    session = get_session()
    year = _year()
    start, end = year_period(year, board_tz())
    name, approver = WORDING[get_process_engine().board_regime(session)]
    figures = yearly_figures(session, start, end)
    title = f"{name} {year} to {year + 1}"
    subtitle = f"Business year {_span(start, end)}. Approved by {approver}."
    sections = yearly_sections(figures)
    if pdf:
        return _render(title, subtitle, sections, True, "yearly_report")
    missing = [r for r in figures["impact"] + figures["voices"] if not r.impact]
    return render_template("reports/yearly.html", title=title, subtitle=subtitle,
                           sections=sections, pdf_url=request.path + ".pdf",
                           query=request.query_string.decode(), missing=missing,
                           review_name=review_name, page_title=title)


@bp.route("/reviews/<int:review_id>/impact", methods=["GET", "POST"])
@role_required(*READERS)
def impact(review_id: int):
    """Enter or correct a review's impact on practice (once, for every report)."""
    _check_access()
    session = get_session()
    review = session.get(Review, review_id)
    if review is None:
        abort(404)
    errors, value = {}, review.impact or ""
    if request.method == "POST":
        value = request.form.get("impact", "")
        try:
            get_process_engine().record_review_impact(session, current_user.actor, review.id,
                                                      value)
        except InputError as problem:
            errors["impact"] = str(problem).capitalize()
        except NotFound:
            abort(404)
        else:
            session.commit()
            flash(f"The impact of {review_name(review)} is recorded.", "success")
            return redirect(same_site(request.args.get("next"), "reports.index"))
    return render_template("reports/impact.html", review=review, name=review_name(review),
                           value=value, errors=errors, owner=names().group(review.agency)
                           if review.agency else "", page_title=f"Impact of {review_name(review)}"
                           ), 400 if errors else 200
