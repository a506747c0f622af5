"""A learning item followed in a real browser from the review that produced it to its evaluation."""
import pytest
from sqlalchemy import select

import browser_support
from engine import learning as lc
from engine import people
from engine.actors import load_actor
from models.learning import Action, ActionStatus, LearningItem
from web_support import PASSWORD, app  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def review(sessions, process_engine, deploy):
    """A review case (started by pat of the police) whose service task recorded a learning item."""
    with sessions.begin() as session:
        for name, groups in (("lena", ["lisg"]), ("pat", ["police"])):
            for slug in groups:
                people.add_group(session, slug)
            people.add_user(session, name, PASSWORD, groups=groups, roles=["reviewer"])
    deploy("learning/learning_steps.bpmn")
    with sessions.begin() as session:
        case = process_engine.start(session, "learning_steps", load_actor(session, "pat"),
                            {"statement": "Share chronologies before strategy meetings",
                             "theme": "information_sharing", "fail_early": False})
    return case


@pytest.fixture
def server(app, review):
    yield from browser_support.live_server(app)


@pytest.fixture
def page(server):
    yield from browser_support.browser_page()


def sign_in(page, base, name):
    browser_support.sign_in(page, base, name, PASSWORD)


def later_loop_steps(sessions, item_id):
    """What the learning loop's later steps record: dissemination, action done, evaluation."""
    with sessions.begin() as session:
        item = session.get(LearningItem, item_id)
        lc.record_dissemination(session, item, "tom", kind="training_course", reach=32,
                                held_on="2026-10-01", title="Chronologies in practice")
        action = session.scalars(select(Action).where(Action.learning_item_id == item.id,
                                                      Action.status == ActionStatus.OPEN)).first()
        lc.move_action(session, action, "pat", "completed", evidence="Template on the intranet")
        lc.move_action(session, action, "lena", "signed_off")
        lc.move_item(session, item, "lena", "embedded")
        lc.record_evaluation(session, item, "lena", method="case_file_reaudit",
                             findings="Chronologies shared in 8 of 10 cases", embedded=True,
                             evaluated_on="2027-01-15")


def test_a_learning_item_from_its_review_to_its_evaluation(server, page, review, sessions):
    item_id = review.data["learning_record"]["id"]
    sign_in(page, server, "lena")
    page.get_by_role("link", name="Validate the learning item").click()
    page.locator("#item_valid").check()
    page.get_by_label("Action owner").fill("police")
    page.get_by_label("Action due date").fill("2026-12-31")
    page.get_by_role("button", name="Complete task").click()

    page.goto(f"{server}/learning/?theme=information_sharing")
    row = page.locator("#register tbody tr", has_text="Share chronologies")
    assert "Validated" in row.inner_text()
    row.get_by_role("link", name="LI-").click()
    assert review.reference in page.locator("#trace-source").inner_text()
    assert "Share the chronology template" in page.locator("#trace-actions").inner_text()
    assert "Not disseminated yet" in page.locator("#trace").inner_text()

    later_loop_steps(sessions, item_id)
    page.reload()
    assert "reached 32 people" in page.locator("#trace-disseminations").inner_text()
    assert "Template on the intranet" in page.locator("#trace-actions").inner_text()
    evaluation = page.locator("#trace-evaluations").inner_text()
    assert "Case file re-audit on 15 January 2027: embedded" in evaluation
    assert "Learnt" in page.locator("h1").inner_text()
    page.locator("#trace-source").get_by_role("link").click()
    page.wait_for_url(f"{server}/instances/{review.id}")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "pat")
    page.goto(f"{server}/learning/actions")
    assert "Share the chronology template" in page.locator("#actions").inner_text()
