// Read page data passed as <script type="application/json" id="..."> (never executed; the
// template should render it with Jinja's |tojson filter, which escapes </script>).
export function readJSONBlock(id, fallback = null) {
  const el = document.getElementById(id);
  if (!el || el.type !== 'application/json') {
    return fallback;
  }
  try {
    return JSON.parse(el.textContent);
  } catch (err) {
    return fallback;
  }
}
