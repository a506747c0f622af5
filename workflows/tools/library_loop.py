"""The learning loop (pathways.md section 4) and the capture step every pathway calls."""
from __future__ import annotations

from bpmn_builder import GROUP, F, YESNO, Process
from library_common import BU, COMMS, LISG, PA, TPD, agency_ladder

THEMES = [("multi_agency_working", "Multi-agency working"), ("information_sharing", "Information sharing"),
          ("risk_assessment", "Risk assessment"), ("voice_of_child", "Voice of the child"),
          ("escalation", "Escalation and challenge"), ("neglect", "Neglect"),
          ("exploitation", "Child exploitation (CSE/CCE)"), ("domestic_abuse", "Domestic abuse"),
          ("mental_health", "Parental mental health or substance misuse"),
          ("good_practice", "Good practice to share"),
          ("child_deaths", "Child deaths: a CDOP pattern or trend"), ("other", "Other")]
AUDIENCES = [("all_agencies", "All partner agencies"), ("single_agency", "One agency"),
             ("schools", "Schools and colleges"), ("health", "Health"), ("police", "Police"),
             ("social_care", "Children's social care")]

ITEM_PAYLOAD = ("{'case_ref': case_ref, 'source_pathway': source_pathway, "
                "'statement': learning_statement, 'theme': learning_theme, "
                "'audience': learning_audience, 'action_owner': action_owner, "
                "'action': action_description, 'action_due_date': str(action_due_date), "
                "'learning_item_id': learning_record['id']}")
EVALUATION_METHOD = ("{'re_audit': 'case_file_reaudit', 'single_agency_audit': 'case_file_reaudit', "
                     "'training_evaluation': 'training_impact', 'practitioner_survey': 'survey'}"
                     ".get(evaluation_method, evaluation_method)")


def learning_capture() -> Process:
    p = Process("learning_capture", "Learning capture: enter the learning loop",
                "Called at the end of every review and audit pathway. Records each learning item "
                "the work produced, with the action that should follow, and sends each one as a "
                "'learning_item_identified' message that starts its own learning loop instance "
                "(learning_loop), so the loop outlives the review that produced it. Expects "
                "case_ref, source_pathway and learning_identified in the case data.")
    p.start("capture_start", "Review or audit finished", LISG)
    any_ = p.xor("any_learning", "Learning identified?", LISG)
    record = p.user(
        "record_learning_item", "Record a learning item and its action", LISG, "lisg",
        "Case {{ case_ref }} ({{ source_pathway }}) identified learning. Record ONE learning item: "
        "a plain statement of what should change, its theme and audience, and the action that will "
        "improve practice, with the agency that owns it and a due date. Tick 'another item' to "
        "record the next one; each item travels the learning loop on its own.",
        [F("learning_statement", "Learning statement (what should change in practice)", "text",
           minlength=10),
         F("learning_theme", "Theme", "enum", values=THEMES),
         F("learning_audience", "Audience", "enum", values=AUDIENCES),
         GROUP("action_owner", "Agency or sub-group that owns the action"),
         F("action_description", "Action to improve practice", "text"),
         F("action_due_date", "Action due date", "date"),
         YESNO("more_learning", "Record another learning item after this one?")],
        due="P10WD")
    store = p.service("store_learning_item", "Add the item to the learning register", LISG,
                      "learning.record_item", "learning_record", statement="learning_statement",
                      themes="[learning_theme]", audiences="[learning_audience]",
                      agencies="[action_owner]", source_pathway="source_pathway")
    send = p.throw("send_learning_item", "Learning item to the loop", LISG,
                   "learning_item_identified", ITEM_PAYLOAD)
    more = p.xor("more_items", "Another item?", LISG)
    done = p.end("capture_done", "Learning recorded", LISG)
    none = p.end("capture_none", "No learning to record", LISG)
    p.chain("capture_start", any_)
    p.flow(any_, record, cond="learning_identified == True", name="Yes")
    p.flow(any_, none, default=True, name="No")
    p.chain(record, store, send, more)
    p.flow(more, record, cond="more_learning == True", name="Yes")
    p.flow(more, done, default=True, name="No")
    return p


def learning_loop() -> Process:
    p = Process("learning_loop", "Learning loop: identification, dissemination, improvement, evaluation",
                "One instance per learning item, started by the 'learning_item_identified' message "
                "that every review and audit sends through learning_capture. The item travels the "
                "framework's Learning Lessons Feedback Loop: LISG validates and themes it "
                "(identification), T&PD, Comms and agencies disseminate it, the owning agency "
                "implements the action (improvement to practice, with reminder and escalation "
                "ladder), LISG signs it off, and after a period LISG evaluates whether the lesson "
                "has been learnt (monitoring and evaluation, by re-audit or other means). Learning "
                "that is not embedded triggers a new review ('review_requested' message to "
                "p01_case_referral).")
    p.start("item_received", "Learning item identified", LISG, message="learning_item_identified",
            variable="learning_item")
    p.script("open_item", "Open the learning item", LISG, """
case_ref = learning_item['case_ref']
source_pathway = learning_item['source_pathway']
item_statement = learning_item['statement']
item_theme = learning_item['theme']
item_audience = learning_item['audience']
item_owner = learning_item['action_owner']
item_action = learning_item['action']
item_due_date = learning_item['action_due_date']
learning_item_id = learning_item.get('learning_item_id')
learning_status = 'proposed'
tpd_reach = 0
briefing_reach = 0
agency_reach = 0
signoff_comments = ''
""")
    p.xor("item_recorded", "In the register?", LISG)
    p.service("register_item", "Add the item to the learning register", LISG,
              "learning.record_item", "learning_record", statement="item_statement",
              themes="[item_theme]", audiences="[item_audience]", agencies="[item_owner]",
              source_pathway="source_pathway", source_ref="case_ref", from_loop="True")
    p.script("note_item_id", "Note the register entry", LISG,
             "learning_item_id = learning_record['id']")
    p.xor("item_ready", None, LISG)
    p.user("validate_item", "Validate and theme the learning item", LISG, "lisg",
           "Learning from {{ source_pathway }} case {{ case_ref }}: \"{{ item_statement }}\". "
           "Confirm it is valid learning, confirm or correct its theme, choose how it will be "
           "disseminated and confirm the action, its owner and due date.",
           [YESNO("item_valid", "Is this valid learning for the partnership?"),
            F("item_theme", "Theme", "enum", values=THEMES),
            YESNO("disseminate_training", "Disseminate through the multi-agency training programme "
                  "and learning workshops (T&PD)?"),
            YESNO("disseminate_briefing", "Disseminate through an LSCB briefing and social media (Comms)?"),
            YESNO("disseminate_single_agency", "Ask the owning agency for single-agency briefing "
                  "and training?"),
            GROUP("item_owner", "Agency or sub-group that owns the action"),
            F("item_action", "Action to improve practice", "text"),
            F("item_due_date", "Action due date", "date")],
           due="P1M")
    p.service("mark_validated", "Record LISG's validation", LISG, "learning.validate_item",
              "validation", item_id="learning_item_id", valid="item_valid",
              themes="[item_theme]")
    valid = p.xor("item_is_valid", "Valid learning?", LISG)
    p.end("item_rejected", "Not taken forward (recorded)", LISG)
    split = p.inc("dissemination", "Dissemination channels", LISG)
    p.user("disseminate_tpd", "Build the learning into training and workshops", TPD, "tpd",
           "Add the learning \"{{ item_statement }}\" (theme {{ item_theme }}) to the multi-agency "
           "training programme and the next learning and improvement workshop.",
           [F("tpd_channel", "Where it was included", "enum",
              values=[("training_course", "Multi-agency training course"),
                      ("workshop", "Learning and improvement workshop"), ("both", "Both")]),
            F("tpd_reach", "People reached so far", "long", required=False, min=0),
            F("tpd_notes", "Notes", "text", required=False)], due="P1M")
    p.service("record_tpd", "Record the training or workshop", TPD, "learning.record_dissemination",
              "tpd_record", item_id="learning_item_id", reach="tpd_reach", title="item_statement[:200]",
              kind="'training_course' if tpd_channel == 'training_course' else 'workshop'")
    p.user("disseminate_comms", "Publish a briefing and share on social media", COMMS, "comms",
           "Publish an LSCB briefing (for example a 7-minute briefing) on \"{{ item_statement }}\" "
           "and share it through the communication strategy and social media.",
           [F("briefing_reference", "Briefing title or link", "string"),
            YESNO("social_media_shared", "Shared on social media?"),
            F("briefing_reach", "People reached (readers, recipients)", "long", required=False,
              min=0)], due="P1M")
    p.service("record_comms", "Record the briefing", COMMS, "learning.record_dissemination",
              "comms_record", item_id="learning_item_id", kind="'briefing'",
              title="briefing_reference", reach="briefing_reach")
    p.user("disseminate_agency", "Brief and train staff in your agency", PA, "${item_owner}",
           "Disseminate the learning \"{{ item_statement }}\" inside your agency: single-agency "
           "briefings, internal training, policy or procedure updates.",
           [F("agency_dissemination", "What was done inside the agency", "text"),
            F("agency_reach", "Staff reached", "long", required=False, min=0)], due="P1M")
    p.service("record_agency", "Record the single-agency training", PA, "learning.record_dissemination",
              "agency_record", item_id="learning_item_id", kind="'single_agency_training'",
              title="agency_dissemination[:200]", agency="item_owner", reach="agency_reach")
    join = p.inc("disseminated", "Disseminated", LISG)
    p.script("set_action_clock", "Set the action's due date and reminder", LISG, """
due_day = str(item_due_date)[:10]
action_due_at = deadline(due_day)
action_reminder_at = (datetime.fromisoformat(action_due_at) - timedelta(days=7)).isoformat()
learning_status = 'disseminating'
""")
    p.service("open_the_action", "Put the action on the action tracker", LISG, "learning.open_action",
              "action_record", item_id="learning_item_id", owner="item_owner",
              description="item_action", due_date="item_due_date")
    p.user("implement_action", "Implement the action to improve practice", PA, "${item_owner}",
           "Implement the action \"{{ item_action }}\" arising from {{ source_pathway }} case "
           "{{ case_ref }}, due {{ item_due_date }}. Record the evidence that it is complete.",
           [F("action_evidence", "Evidence of completion", "text", minlength=10),
            YESNO("action_completed", "Is the action complete?")],
           due="${action_due_at}", follow_up="${action_reminder_at}", priority=60)
    agency_ladder(p, "implement_action", kind="date", reminder="action_reminder_at",
                  overdue="action_due_at", what="the action",
                  first=(BU, "business-unit", "Mark the action overdue and notify the agency lead",
                         "The action \"{{ item_action }}\" owned by {{ item_owner }} is past its due "
                         "date. Mark it overdue on the action tracker and notify the owner's line "
                         "manager or the agency's Board member. If it is still open at the next "
                         "LISG meeting, answer No to pass it to the LISG chair."))
    p.service("report_progress", "Record the owner's report on the action", PA, "learning.update_action",
              "action_update", action_id="action_record['id']", evidence="action_evidence",
              status="'completed' if action_completed else 'in_progress'")
    p.user("sign_off_action", "Sign off the action", LISG, "lisg",
           "{{ item_owner }} reports the action \"{{ item_action }}\" complete: {{ action_evidence }}. "
           "Sign it off, or send it back with what is missing.",
           [YESNO("action_signed_off", "Signed off?"),
            F("signoff_comments", "Comments", "text", required=False)], due="P1M")
    p.service("record_sign_off", "Record LISG's sign-off", LISG, "learning.sign_off_action",
              "sign_off_record", action_id="action_record['id']", signed_off="action_signed_off",
              comments="signoff_comments")
    signed = p.xor("action_is_signed_off", "Signed off?", LISG)
    p.service("mark_embedded", "Mark the learning embedded in practice", LISG,
              "learning.mark_embedded", "embedding", item_id="learning_item_id")
    p.wait("embed_period", "Allow three months for the change to embed", LISG, duration="P3M")
    p.user("plan_evaluation", "Choose how to evaluate the impact", LISG, "lisg",
           "Three months after sign-off, decide how to test whether the learning "
           "\"{{ item_statement }}\" has been embedded in practice.",
           [F("evaluation_method", "Evaluation method", "enum",
              values=[("re_audit", "Multi-agency re-audit (P6)"),
                      ("single_agency_audit", "Single-agency case file audit"),
                      ("training_evaluation", "Evaluation of training impact"),
                      ("practitioner_survey", "Practitioner survey"),
                      ("action_plan_report", "Report on the action plan")])], due="P1M")
    method = p.xor("evaluation_route", "Re-audit?", LISG)
    p.script("prepare_reaudit", "Prepare the re-audit", LISG,
             "audit_theme = f'Re-audit: {item_statement}'\naudit_source = 're_audit'")
    p.call("reaudit", "Multi-agency re-audit", LISG, "p06_multi_agency_case_audit")
    merged = p.xor("evaluation_ready", None, LISG)
    p.user("record_evaluation", "Record whether the learning is embedded", LISG, "lisg",
           "Using the {{ evaluation_method }} evidence, judge whether the learning "
           "\"{{ item_statement }}\" has been learnt and embedded in practice.",
           [F("learning_embedded", "Outcome", "enum",
              values=[("learnt", "Learnt and embedded"), ("not_learnt", "Not embedded")]),
            F("evaluation_summary", "Evidence and summary", "text", minlength=10)], due="P1M")
    p.service("store_evaluation", "Record the evaluation in the register", LISG,
              "learning.record_evaluation", "evaluation_record", item_id="learning_item_id",
              method=EVALUATION_METHOD, findings="evaluation_summary", embedded="learning_embedded")
    embedded = p.xor("is_embedded", "Embedded?", LISG)
    p.service("close_the_action", "Close the action with its evidence of impact", LISG,
              "learning.close_action", "action_closed", action_id="action_record['id']",
              evidence_of_impact="evaluation_summary")
    p.end("loop_closed", "Learning embedded", LISG)
    p.user("commission_review", "Commission a new review", LISG, "lisg",
           "The learning \"{{ item_statement }}\" has not been embedded. Say why a new review is "
           "needed; the request goes to triage (p01_case_referral) as case {{ case_ref }}.",
           [F("review_reason", "Why a new review is needed", "text", minlength=10)], due="P10WD")
    p.service("note_review_request", "Record the request for a new review", LISG,
              "learning.request_review", "review_request", item_id="learning_item_id", reason="review_reason")
    p.throw("request_review", "Review requested", LISG, "review_requested",
            "{'case_ref': case_ref, 'source_pathway': 'learning_loop', "
            "'statement': item_statement, 'reason': review_reason, "
            "'learning_item_id': learning_item_id}")
    p.end("loop_new_review", "New review requested", LISG)

    p.chain("item_received", "open_item", "item_recorded")
    p.flow("item_recorded", "register_item", cond="learning_item_id is None", name="No")
    p.flow("item_recorded", "item_ready", default=True, name="Yes")
    p.chain("register_item", "note_item_id", "item_ready", "validate_item", "mark_validated", valid)
    p.flow(valid, split, cond="item_valid == True", name="Yes")
    p.flow(valid, "item_rejected", default=True, name="No")
    p.flow(split, "disseminate_tpd", cond="disseminate_training == True", name="Training")
    p.flow(split, "disseminate_comms", cond="disseminate_briefing == True", name="Briefing")
    p.flow(split, "disseminate_agency", cond="disseminate_single_agency == True", name="Agency")
    p.flow(split, join, default=True, name="None")
    for t, record in (("disseminate_tpd", "record_tpd"), ("disseminate_comms", "record_comms"),
                      ("disseminate_agency", "record_agency")):
        p.chain(t, record, join)
    p.chain(join, "set_action_clock", "open_the_action", "implement_action", "report_progress",
            "sign_off_action", "record_sign_off", signed)
    p.flow(signed, "mark_embedded", cond="action_signed_off == True", name="Yes")
    p.chain("mark_embedded", "embed_period")
    p.flow(signed, "implement_action", default=True, name="No")
    p.chain("embed_period", "plan_evaluation", method)
    p.flow(method, "prepare_reaudit", cond="evaluation_method == 're_audit'", name="Re-audit")
    p.flow(method, merged, default=True, name="Other")
    p.chain("prepare_reaudit", "reaudit", merged)
    p.chain(merged, "record_evaluation", "store_evaluation", embedded)
    p.flow(embedded, "close_the_action", cond="learning_embedded == 'learnt'", name="Learnt")
    p.chain("close_the_action", "loop_closed")
    p.flow(embedded, "commission_review", default=True, name="Not learnt")
    p.chain("commission_review", "note_review_request", "request_review", "loop_new_review")
    return p
