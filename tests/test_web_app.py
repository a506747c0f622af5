"""Building the app: a served app freezes what exists once it is built (``gc.freeze``, see
``web/__init__.py``); an app under TESTING does not, unless asked."""
import gc

from web import create_app


def test_a_served_app_freezes_its_objects_and_a_tested_one_does_not(db_url, db_engine):
    from web import db as web_db
    gc.unfreeze()
    try:
        tested = create_app({"DATABASE_URL": db_url, "TESTING": True})
        assert gc.get_freeze_count() == 0
        served = create_app({"DATABASE_URL": db_url})
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
    for app in (tested, served):
        web_db.dispose(app)
