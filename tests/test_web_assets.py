"""Front-end asset rules (DESIGN.md section 7): pinned npm packages, no CDN, no inline script.

Nothing here runs npm or a browser: these tests read package.json, package-lock.json, the
templates and, when `bash scripts/build-assets` has been run, the bundles in web/static/dist.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = WEB / "static" / "dist"
TEMPLATES = WEB / "templates"

# The packages the bundles are built from (web/assets/js/*.js import them).
REQUIRED_PACKAGES = {
    "govuk-frontend",
    "bpmn-js",
    "bpmn-js-properties-panel",
    "@bpmn-io/properties-panel",
    "camunda-bpmn-moddle",
    "camunda-bpmn-js-behaviors",
    "dmn-js",
    "esbuild",
    "sass",
}
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
BUNDLES = ["app.css", "app.js", "modeler.js", "modeler.css", "viewer.js", "viewer.css", "dmn.js", "dmn.css"]
TEXT_SUFFIXES = {".html", ".htm", ".jinja", ".j2", ".js", ".mjs", ".css", ".scss", ".svg", ".json", ".txt", ".py"}


def _package_json() -> dict:
    return json.loads((ROOT / "package.json").read_text(encoding="utf-8"))


def _all_deps(pkg: dict) -> dict[str, str]:
    deps: dict[str, str] = {}
    for key in ("dependencies", "devDependencies", "optionalDependencies"):
        deps.update(pkg.get(key, {}))
    return deps


def _source_files(base: Path):
    """Text files under web/ that we write (not the built bundles, not node_modules)."""
    for path in sorted(base.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        rel = path.relative_to(WEB).parts
        if rel[:2] == ("static", "dist") or "node_modules" in rel or "__pycache__" in rel:
            continue
        yield path


# ---- package.json / package-lock.json ------------------------------------------------------

def test_package_json_is_private_and_pins_exact_versions():
    pkg = _package_json()
    assert pkg.get("private") is True
    deps = _all_deps(pkg)
    assert REQUIRED_PACKAGES <= set(deps), sorted(REQUIRED_PACKAGES - set(deps))
    loose = {name: spec for name, spec in deps.items() if not EXACT_VERSION.match(spec)}
    assert not loose, f"pin exact versions (no ^, ~, ranges, tags or URLs): {loose}"
    assert deps["govuk-frontend"].split(".")[0] == "5"


def test_package_json_has_no_install_time_downloads():
    scripts = _package_json().get("scripts", {})
    for hook in ("preinstall", "install", "postinstall", "prepare", "prepublish"):
        assert hook not in scripts, f"package.json must not run a '{hook}' script"
    joined = " ".join(scripts.values()).lower()
    for word in ("playwright install", "puppeteer", "curl ", "wget ", "http://", "https://"):
        assert word not in joined


def test_lock_file_records_every_pinned_package_with_integrity():
    lock_path = ROOT / "package-lock.json"
    assert lock_path.is_file(), "commit package-lock.json (npm install writes it)"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    assert lock.get("lockfileVersion", 0) >= 2
    packages = lock["packages"]
    assert _all_deps(packages[""]) == _all_deps(_package_json()), "lock file is stale: run npm install"
    for name, version in _all_deps(_package_json()).items():
        entry = packages.get(f"node_modules/{name}")
        assert entry is not None, f"{name} missing from package-lock.json"
        assert entry["version"] == version, f"{name}: lock has {entry['version']}, package.json {version}"
        assert entry.get("integrity", "").startswith("sha512-"), f"{name} has no integrity hash in the lock"
    # Every installed package is locked to a version with an integrity hash (bundled/linked excepted).
    for key, entry in packages.items():
        if key and not entry.get("link") and not entry.get("inBundle"):
            assert entry.get("version") and entry.get("integrity"), f"{key} is not fully locked"


def test_node_modules_and_bundles_are_git_ignored():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "node_modules/" in ignored
    assert "web/static/dist" in ignored          # the build folder, or a link to one


# ---- no CDN, no inline script or style -----------------------------------------------------

REMOTE = r"(?:https?:)?//"
CDN_PATTERNS = [
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*" + REMOTE, re.I),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*" + REMOTE, re.I),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*" + REMOTE, re.I),
    re.compile(r"\burl\(\s*[\"']?\s*" + REMOTE, re.I),
    re.compile(r"\bimport\s*(?:[\w{}\s,*]+from\s*)?[\"']" + REMOTE, re.I),
    re.compile(r"\bimport\(\s*[\"']" + REMOTE, re.I),
]


def test_no_cdn_script_or_style_sources_under_web():
    offenders = []
    for path in _source_files(WEB):
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in CDN_PATTERNS:
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)[:80]}")
    assert not offenders, "assets must be served from web/static, never a CDN:\n" + "\n".join(offenders)


def test_templates_have_no_inline_script_or_style():
    if not TEMPLATES.is_dir():
        pytest.skip("no templates yet")
    script_tag = re.compile(r"<script\b([^>]*)>", re.I)
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        # Jinja comments may describe what is not allowed.
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
        rel = path.relative_to(ROOT)
        for match in script_tag.finditer(text):
            attrs = match.group(1)
            if not re.search(r"\bsrc\s*=", attrs, re.I) and not re.search(
                r"type\s*=\s*[\"']application/(?:ld\+)?json[\"']", attrs, re.I
            ):
                offenders.append(f"{rel}: inline <script{attrs}>")
        if re.search(r"<style\b", text, re.I):
            offenders.append(f"{rel}: <style> element")
        if re.search(r"\sstyle\s*=", text, re.I):
            offenders.append(f"{rel}: style= attribute")
        for m in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text, re.I):
            offenders.append(f"{rel}: inline event handler {m.group(0).strip()}")
        if re.search(r"javascript:", text, re.I):
            offenders.append(f"{rel}: javascript: URL")
    assert not offenders, "the CSP forbids inline script/style:\n" + "\n".join(offenders)


# ---- built bundles (only when scripts/build-assets has run) --------------------------------

needs_build = pytest.mark.skipif(not (DIST / "app.css").is_file(), reason="run bash scripts/build-assets first")


@needs_build
def test_all_bundles_built():
    missing = [name for name in BUNDLES if not (DIST / name).is_file() or (DIST / name).stat().st_size == 0]
    assert not missing


@needs_build
def test_bundles_have_no_remote_source_maps():
    remote_map = re.compile(r"sourceMappingURL\s*=\s*(?:https?:)?//", re.I)
    for path in sorted(DIST.rglob("*")):
        if path.suffix in {".js", ".css"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not remote_map.search(text), f"{path.name} points its source map at a remote host"
            for m in re.finditer(r"sourceMappingURL\s*=\s*([^\s*]+)", text):
                assert (path.parent / m.group(1)).is_file(), f"{path.name}: source map {m.group(1)} missing"


@needs_build
def test_bundled_css_loads_nothing_remote_and_every_url_resolves():
    for name in ("app.css", "modeler.css", "viewer.css", "dmn.css"):
        css = (DIST / name).read_text(encoding="utf-8")
        assert not re.search(r"@import\b", css), f"{name} has an @import"
        for m in re.finditer(r"url\(\s*([\"']?)(.*?)\1\s*\)", css):
            target = m.group(2)
            if target.startswith("data:"):
                continue
            assert not re.match(REMOTE, target), f"{name} loads {target}"
            local = target.split("?", 1)[0].split("#", 1)[0]
            assert (DIST / local).is_file(), f"{name}: {target} is not in web/static/dist"


@needs_build
def test_no_gov_uk_branding_or_gds_font_in_css():
    css = (DIST / "app.css").read_text(encoding="utf-8")
    assert "GDS Transport" not in css
    assert "govuk-crest" not in css and "govuk-crown" not in css
    assert "system-ui" in css


@needs_build
def test_js_bundles_do_not_fetch_code_from_elsewhere():
    for name in ("app.js", "modeler.js", "viewer.js", "dmn.js"):
        js = (DIST / name).read_text(encoding="utf-8")
        assert not re.search(r"import\(\s*[\"'](?:https?:)?//", js), f"{name} imports remote code"
        assert "cdn.jsdelivr" not in js and "unpkg.com" not in js and "cdnjs" not in js, name
        # No inline style="" in HTML strings: the CSP has no 'unsafe-inline' (see build.mjs).
        assert 'style="' not in js, f'{name} builds elements with style="" (CSP would block it)'


# ---- templates render (Flask/Jinja only; no app factory needed) ----------------------------

@pytest.fixture()
def render():
    flask = pytest.importorskip("flask")
    app = flask.Flask("asset_tests", template_folder=str(TEMPLATES), static_folder=str(WEB / "static"))
    app.secret_key = "test"
    app.jinja_env.globals["csrf_token"] = lambda: "TOKEN"
    from web import templating
    templating.init_app(app)                          # the helpers, as create_app registers them

    def _render(source: str, url: str = "/", **context) -> str:
        with app.test_request_context(url):
            return flask.render_template_string(source, **context)

    return _render


def test_base_layout(render):
    html = render(
        '{% extends "base.html" %}{% block content %}<h1>Hi</h1>{% endblock %}',
        page_title="Tasks",
        nav_items=[{"href": "/tasks", "text": "Tasks", "active": True, "count": 2}, {"href": "/cases", "text": "Cases"}],
        notifications_url="/notifications",
        unread_count=3,
    )
    assert '<html lang="en-GB"' in html
    assert "<title>Tasks – LSCB Workflow</title>" in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "/static/dist/app.css" in html and "/static/dist/app.js" in html
    assert '<meta name="csrf-token" content="TOKEN">' in html
    assert 'aria-current="page"' in html
    assert "3 unread notifications" in html
    assert "GOV.UK" not in html and "crown" not in html.lower()


def test_flashes_become_notification_banners():
    flask = pytest.importorskip("flask")
    source = '{% extends "base.html" %}{% block content %}{% endblock %}'
    flask_app = flask.Flask("flash_test", template_folder=str(TEMPLATES), static_folder=str(WEB / "static"))
    flask_app.secret_key = "test"
    from web import templating
    templating.init_app(flask_app)                    # the helpers, as create_app registers them
    with flask_app.test_request_context("/"):
        flask.flash("Draft saved", "success")
        flask.flash("Read this", "info")
        app_html = flask.render_template_string(source)
    assert "govuk-notification-banner--success" in app_html and "Draft saved" in app_html
    assert 'role="alert"' in app_html and "Read this" in app_html


def test_form_macros_keep_values_and_wire_errors(render):
    html = render(
        '{% import "macros/forms.html" as f %}'
        "{{ f.error_summary({'name': 'Enter a name'}) }}"
        "{{ f.input('name', 'Name', value='<Al>', error='Enter a name', hint='Full name') }}"
        "{{ f.date('due', 'Due', value=d) }}"
        "{{ f.number('n', 'Count', value=4) }}"
        "{{ f.boolean('urgent', 'Urgent?', value=False) }}"
        "{{ f.select('kind', 'Kind', [('a', 'A'), ('b', 'B')], value='b') }}"
        "{{ f.radios('level', 'Level', {'1': 'Low', '2': 'High'}, value=2, error='Choose one') }}"
        "{{ f.textarea('notes', 'Notes', value='x', maxlength=100) }}"
        "{{ f.checkbox('ok', 'OK', checked=True) }}"
        "{{ f.button('Save') }}",
        d=__import__("datetime").date(2025, 3, 4),
    )
    assert '<a href="#name">Enter a name</a>' in html
    assert 'value="&lt;Al&gt;"' in html
    assert 'aria-describedby="name-hint name-error"' in html
    assert 'id="name-error" class="govuk-error-message"' in html
    assert "govuk-form-group--error" in html and "govuk-input--error" in html
    assert 'type="date" value="2025-03-04"' in html
    assert 'inputmode="numeric"' in html and 'value="4"' in html
    assert re.search(r'value="false"\s+checked', html)
    assert '<option value="b" selected>B</option>' in html
    assert re.search(r'id="level-2"[^>]*value="2"\s+checked', html)
    assert 'aria-describedby="level-error"' in html
    assert 'data-module="govuk-character-count"' in html
    assert 'data-module="govuk-button"' in html


def test_table_macros_sort_and_paginate(render):
    html = render(
        '{% import "macros/table.html" as t %}'
        "{{ t.sortable_header('due', 'Due', sort='due', direction='asc', args=request.args) }}"
        "{{ t.sortable_header('name', 'Name', sort='due', args=request.args) }}"
        "{{ t.pagination(3, 9, args=request.args) }}",
        url="/tasks?q=abc&sort=due&page=3",
    )
    assert 'aria-sort="ascending"' in html and 'aria-sort="none"' in html
    assert 'href="?q=abc&amp;sort=due&amp;dir=desc"' in html  # toggles, back to page 1
    assert 'href="?q=abc&amp;sort=name&amp;dir=asc"' in html
    assert 'aria-current="page"' in html and "page=4" in html and 'rel="next"' in html


def test_tag_macros(render):
    html = render(
        '{% import "macros/tags.html" as tags %}'
        "{{ tags.status_tag('completed') }}{{ tags.overdue() }}{{ tags.due_soon() }}"
        "{{ tags.bell(0, '/n') }}"
    )
    assert "govuk-tag--green" in html
    assert "app-badge--overdue" in html and "app-badge--due-soon" in html
    assert "app-bell__count--zero" in html and "0 unread notifications" in html
