import time
import tracemalloc

import pytest

from web.instructions import render_instructions

NOTICE = "could not be filled in"


def test_instructions_fill_in_case_values_and_escape_them():
    shown = str(render_instructions("Review {{ name }}.\n\nThen decide.", {"name": "<b>JB</b>"}))
    assert shown == ('<p class="govuk-body">Review &lt;b&gt;JB&lt;/b&gt;.</p>'
                     '<p class="govuk-body">Then decide.</p>')


@pytest.mark.parametrize("text", [
    "{{ 1/0 }}", "{{ name + 1 }}", "{{ name.nope() }}", "{% for %}", "{{ ''.__class__.__mro__ }}",
])
def test_a_broken_template_is_shown_as_written_with_a_notice_never_an_error(text):
    shown = str(render_instructions(text, {"name": "JB"}))
    assert NOTICE in shown


@pytest.mark.parametrize("text", [
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "{{ 'x' * 400000000 }}", "{{ ['x'] * 400000000 }}", "{{ 'x' ~ 'y' * 10**9 }}",
    "{{ 9 ** 999999 }}",
])
def test_runaway_instructions_stop_quickly_in_little_memory(text):
    tracemalloc.start()
    started = time.perf_counter()
    shown = str(render_instructions(text, {}))
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert NOTICE in shown
    assert elapsed < 1.0 and peak < 20 * 1024 * 1024
