"""The two decision tables of the library, written as DMN 1.3 with Python cells.

Cells are Python, not FEEL (the engine's DMN runs Python): input entries such as ``True``,
``"LSCB_WT2015"``, ``!= "none_definitive"`` or ``-`` (any); outputs such as ``"scr"``. Hit policy
UNIQUE, one decision per file, and a catch-all last row, because a table with no matching row
leaves its outputs unset and the next gateway would fail.
"""
from __future__ import annotations

from lxml import etree

DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMNDI = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DC = "http://www.omg.org/spec/DMN/20180521/DC/"
NSMAP = {None: DMN, "dmndi": DMNDI, "dc": DC}

ANY = "-"
# Children Act 2004 s16C(1): the incident happened in the area, or the child normally lives here
# and was harmed or died outside England.
IN_AREA = "incident_in_bf or (normally_resident_in_bf and incident_outside_england)"


def decision_table(decision_id, name, description, inputs, outputs, rules):
    """inputs: [(id, label, expression, typeRef)]; outputs: [(id, label, name, typeRef)];
    rules: [(description, [input cells], [output cells])]."""
    defs = etree.Element(f"{{{DMN}}}definitions", nsmap=NSMAP, id=f"Definitions_{decision_id}",
                         name=name, namespace="http://bracknell-forest-lscb.example/decisions")
    dec = etree.SubElement(defs, f"{{{DMN}}}decision", id=decision_id, name=name)
    etree.SubElement(dec, f"{{{DMN}}}description").text = description
    table = etree.SubElement(dec, f"{{{DMN}}}decisionTable", id=f"DecisionTable_{decision_id}",
                             hitPolicy="UNIQUE")
    for iid, label, expr, type_ref in inputs:
        inp = etree.SubElement(table, f"{{{DMN}}}input", id=f"Input_{iid}", label=label)
        ie = etree.SubElement(inp, f"{{{DMN}}}inputExpression", id=f"InputExpression_{iid}",
                              typeRef=type_ref)
        etree.SubElement(ie, f"{{{DMN}}}text").text = expr
    for oid, label, oname, type_ref in outputs:
        etree.SubElement(table, f"{{{DMN}}}output", id=f"Output_{oid}", label=label, name=oname,
                         typeRef=type_ref)
    for n, (desc, ins, outs) in enumerate(rules, start=1):
        assert len(ins) == len(inputs) and len(outs) == len(outputs), (decision_id, n)
        rule = etree.SubElement(table, f"{{{DMN}}}rule", id=f"Rule_{decision_id}_{n}")
        etree.SubElement(rule, f"{{{DMN}}}description").text = desc
        for i, cell in enumerate(ins):
            e = etree.SubElement(rule, f"{{{DMN}}}inputEntry", id=f"InputEntry_{decision_id}_{n}_{i}")
            etree.SubElement(e, f"{{{DMN}}}text").text = cell
        for i, cell in enumerate(outs):
            e = etree.SubElement(rule, f"{{{DMN}}}outputEntry", id=f"OutputEntry_{decision_id}_{n}_{i}")
            etree.SubElement(e, f"{{{DMN}}}text").text = cell
    dmndi = etree.SubElement(defs, f"{{{DMNDI}}}DMNDI")
    diagram = etree.SubElement(dmndi, f"{{{DMNDI}}}DMNDiagram", id=f"DMNDiagram_{decision_id}")
    shape = etree.SubElement(diagram, f"{{{DMNDI}}}DMNShape", id=f"DMNShape_{decision_id}",
                             dmnElementRef=decision_id)
    etree.SubElement(shape, f"{{{DC}}}Bounds", height="80", width="180", x="160", y="100")
    return etree.ElementTree(defs)


def scr_criteria():
    s15, s18 = '"LSCB_WT2015"', '!= "LSCB_WT2015"'
    return decision_table(
        "scr_criteria", "SCR criteria (regulation 5) and rapid review trigger",
        "2015 regime: LSCB Regulations 2006 reg 5 as applied by Working Together 2015. An SCR is "
        "required where abuse or neglect is known or suspected and the child has died, or has been "
        "seriously harmed and there is cause for concern about how agencies worked together (WT2015: "
        "unless there is definitive evidence of no concerns); and always where the child died in "
        "custody or detained under the Mental Health Act. 2018/2023 regime: a serious child "
        "safeguarding case (abuse or neglect known or suspected and the child died or was seriously "
        "harmed) in the area, or of a child normally resident here harmed outside England (Children "
        "Act 2004 s16C(1)), is notified and gets a rapid review; the death of a looked-after child "
        "alone is notified (notification_rules), not rapid-reviewed.",
        [("regime", "Regime", "regime", "string"),
         ("custody", "Died in custody or detained under the MHA", "died_in_custody_or_detained_mha",
          "boolean"),
         ("abuse", "Abuse or neglect known or suspected", "abuse_or_neglect_suspected", "boolean"),
         ("died", "Child died", "child_died", "boolean"),
         ("harmed", "Child seriously harmed", "seriously_harmed", "boolean"),
         ("concerns", "Concerns about agencies working together", "concerns_about_agency_working",
          "string"),
         ("lac", "Looked-after child", "looked_after_child", "boolean"),
         ("area", "In the area (or resident here, harmed outside England)", IN_AREA, "boolean")],
        [("route", "Statutory route", "statutory_route", "string"),
         ("basis", "Basis", "criteria_basis", "string")],
        [("Death in custody or under the MHA (2015)", [s15, "True", ANY, ANY, ANY, ANY, ANY, ANY],
          ['"scr"', '"died in custody or detained under the Mental Health Act: SCR always required"']),
         ("reg 5(2)(b)(i): abuse or neglect and the child died",
          [s15, "False", "True", "True", ANY, ANY, ANY, ANY],
          ['"scr"', '"reg 5(2)(b)(i): abuse or neglect known or suspected and the child has died"']),
         ("reg 5(2)(b)(ii): abuse or neglect, serious harm and concerns",
          [s15, "False", "True", "False", "True", '!= "none_definitive"', ANY, ANY],
          ['"scr"', '"reg 5(2)(b)(ii): abuse or neglect, serious harm, no definitive evidence of '
                    'no concerns about agencies working together"']),
         ("Serious child safeguarding case: death (2018/2023)",
          [s18, ANY, "True", "True", ANY, ANY, ANY, "True"],
          ['"rapid_review"', '"serious child safeguarding case: abuse or neglect and the child died; '
                             'notify the Panel, rapid review within 15 working days"']),
         ("Serious child safeguarding case: serious harm (2018/2023)",
          [s18, ANY, "True", "False", "True", ANY, ANY, "True"],
          ['"rapid_review"', '"serious child safeguarding case: abuse or neglect and serious harm; '
                             'notify the Panel, rapid review within 15 working days"']),
         ("Otherwise: criteria not met (a looked-after child's death alone is notified, not "
          "rapid-reviewed: notification_rules)", [ANY] * 8,
          ['"none"', '"statutory criteria not met"'])])


def triage_route():
    return decision_table(
        "triage_route", "Triage route",
        "Recommended route for a notified case (pathways.md P1 gateways G2-G6): the statutory route "
        "if the criteria are met; below the threshold, a multi-agency case review for multi-agency "
        "learning, an IMR for limited concerns with single-agency learning, a roundtable where the "
        "context needs exploring, otherwise close recording any learning. LISG may depart from it "
        "with a rationale below the threshold; a case on the statutory route goes to the regime's "
        "decision-maker whatever LISG recommends.",
        [("statutory", "Statutory route", "statutory_route", "string"),
         ("concerns", "Concerns about agencies working together", "concerns_about_agency_working",
          "string"),
         ("learning", "Learning potential", "learning_potential", "string"),
         ("context", "Context needs exploring", "context_needs_exploring", "boolean")],
        [("route", "Recommended route", "recommended_route", "string")],
        [("SCR criteria met (2015): the LSCB Chair decides", ['"scr"', ANY, ANY, ANY], ['"statutory"']),
         ("Serious child safeguarding case (2018/2023): rapid review", ['"rapid_review"', ANY, ANY, ANY],
          ['"statutory"']),
         ("Below threshold, multi-agency learning", ['"none"', ANY, '"multi_agency"', ANY], ['"macr"']),
         ("Below threshold, limited concerns, single-agency learning",
          ['"none"', '"limited"', '"single_agency"', ANY], ['"imr"']),
         ("Single-agency learning, context to explore",
          ['"none"', '!= "limited"', '"single_agency"', "True"], ['"roundtable"']),
         ("No formal learning, context to explore", ['"none"', ANY, '"none"', "True"],
          ['"roundtable"']),
         ("Otherwise: close, recording any learning", [ANY] * 4, ['"close"'])])


def notification_rules():
    s15, s18, s23 = '"LSCB_WT2015"', '!= "LSCB_WT2015"', '"MASA_WT2023"'
    panel = ('"the Child Safeguarding Practice Review Panel, through the Child Safeguarding Incident '
             'Notification System (shared with Ofsted and the DfE), and the local safeguarding '
             'partners"')
    return decision_table(
        "notification_rules", "The local authority's duty to notify",
        "Whether the local authority must notify, to whom and why; within 5 working days of "
        "becoming aware under every regime. Sources and what is unverified: workflows/README.md, "
        "'Notification rules'. Rows are tried in order (the first that matches applies).",
        [("regime", "Regime", "regime", "string"),
         ("serious", "Abuse or neglect known or suspected, and the child died or was seriously harmed",
          "abuse_or_neglect_suspected and (child_died or seriously_harmed)", "boolean"),
         ("area", "In the area (or resident here, harmed outside England)", IN_AREA, "boolean"),
         ("lac", "A looked-after child died", "looked_after_child and child_died", "boolean"),
         ("setting", "The child died in a regulated setting", "died_in_regulated_setting and child_died",
          "boolean"),
         ("leaver", "A care leaver aged 24 or under died", "care_leaver_under_25 and child_died", "boolean")],
        [("notify", "Must notify", "la_must_notify", "boolean"),
         ("to", "Notify", "notify_to", "string"),
         ("basis", "Basis", "notification_basis", "string")],
        [("N1 2015: serious incident in the area",
          [s15, "True", "True", ANY, ANY, ANY],
          ["True", '"Ofsted and the LSCB"',
           '"WT2015 ch.4: serious incident notification (abuse or neglect, death or serious harm)"']),
         ("N2 2015: death of a looked-after child", [s15, ANY, ANY, "True", ANY, ANY],
          ["True", '"Ofsted and the LSCB"', '"WT2015: the death of a looked-after child"']),
         ("N3 2015: death in a regulated setting", [s15, ANY, ANY, ANY, "True", ANY],
          ["True", '"Ofsted and the LSCB"', '"WT2015: a child died in a regulated setting"']),
         ("N4 2018/2023: serious child safeguarding case", [s18, "True", "True", ANY, ANY, ANY],
          ["True", panel, '"Children Act 2004 s16C(1): serious child safeguarding incident"']),
         ("N5 2018/2023: death of a looked-after child", [s18, ANY, ANY, "True", ANY, ANY],
          ["True", '"the Secretary of State and Ofsted"',
           '"Children Act 2004 s16C: death of a looked-after child (no automatic rapid review)"']),
         ("N6 2023: death of a care leaver up to and including 24", [s23, ANY, ANY, ANY, ANY, "True"],
          ["True", '"the Secretary of State and Ofsted (through the Child Safeguarding Incident '
                   'Notification System)"',
           '"WT2023 ch.5: death of a care leaver up to and including the age of 24"']),
         ("N7 Otherwise: no duty to notify", [ANY] * 6,
          ["False", '"nobody"', '"no notification duty"'])])


def tables():
    return [scr_criteria(), triage_route(), notification_rules()]
