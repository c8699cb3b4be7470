"""HTML of a view: the inputs form (a GET form, so the URL is the state), the error line or
the charts with their tables and CSV links. Rendering only: every value comes from a view's
:class:`~siliconomics.web.views.Result`, escaped."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlencode

from siliconomics import __version__
from siliconomics.web.params import FIELDS, Choices, Field
from siliconomics.web.views import VIEWS, Chart, Result, View

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{background:#263238;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header a{color:#cfd8dc;text-decoration:none}header a.on{color:#fff;font-weight:bold}
main{display:flex;gap:16px;padding:12px}
form{flex:0 0 250px;font-size:13px}form label{display:block;margin-top:6px}
form input[type=text],form select{width:100%;box-sizing:border-box}
.ids{max-height:170px;overflow:auto;border:1px solid #ccc;padding:2px}
.ids label{margin:0;font-weight:normal}
section{flex:1;min-width:0}.chart{margin-bottom:18px}
.error{background:#ffebee;color:#b71c1c;padding:8px;border-left:4px solid #b71c1c;
font-family:monospace}
#busy{display:none;background:#fff8e1;padding:6px;border-left:4px solid #f9a825}
table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
details{margin-top:4px}.note{font-size:12px;color:#555;margin:2px 0}
"""

SCRIPT = """
// An input's change fetches the new page and swaps it in (plotly.js is parsed once), then
// puts its URL in the history, so the address bar is always the bookmark of what is shown.
let pending = null;
let renders = 0;
function busy(on) { document.getElementById('busy').style.display = on ? 'block' : 'none'; }
function draw() {
  for (const el of document.querySelectorAll('#app script.figure')) {
    const fig = JSON.parse(el.textContent);
    Plotly.newPlot(el.dataset.target, fig.data, fig.layout, {responsive: true, displaylogo: false});
  }
  const form = document.getElementById('inputs');
  form.addEventListener('submit', (e) => { e.preventDefault(); go(); });
  form.addEventListener('change', go);
  for (const a of document.querySelectorAll('#app a.nav, #app a#reset')) {
    a.addEventListener('click', (e) => { e.preventDefault(); show(a.href, true); });
  }
  renders += 1;
  document.body.dataset.renders = String(renders);
  document.body.dataset.ready = '1';
}
async function show(url, push) {
  if (pending) pending.abort();
  const ctl = new AbortController();
  pending = ctl;
  busy(true);
  document.body.dataset.ready = '0';
  try {
    const r = await fetch(url, {signal: ctl.signal});
    const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
    document.getElementById('app').replaceWith(doc.getElementById('app'));
    document.title = doc.title;
    if (push) history.pushState(null, '', url);
    draw();
  } catch (e) {
    if (e.name !== 'AbortError') { throw e; }
    document.body.dataset.ready = '1';
  } finally {
    if (pending === ctl) { pending = null; busy(false); }
  }
}
function go() {
  const form = document.getElementById('inputs');
  const q = new URLSearchParams();
  for (const [k, v] of new FormData(form)) { if (String(v).trim() !== '') q.append(k, v); }
  show(form.action + (q.toString() ? '?' + q.toString() : ''), true);
}
document.getElementById('cancel').addEventListener('click', () => {
  if (pending) pending.abort();
});
window.addEventListener('popstate', () => show(location.href, false));
draw();
"""


def fmt(value: Any, spec: str) -> str:
    """One table cell as shown (display only)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        return spec.format(value)
    except (ValueError, TypeError):
        return str(value)


def csv_text(chart: Chart) -> str:
    """The rows a chart plots, in its columns, labels with units as the header."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.label for c in chart.columns])
    for row in chart.rows:
        w.writerow(["" if row.get(c.key) is None else row.get(c.key) for c in chart.columns])
    return buf.getvalue()


def _field(
    f: Field,
    query: Mapping[str, Sequence[str]],
    choices: Choices,
    hint: str,
    defaults: Mapping[str, Any],
) -> str:
    given = [v for v in query.get(f.name, ()) if v.strip()]
    if f.kind == "ids" and not given:
        given = list(defaults.get(f.name, ()))
    name = escape(f.name)
    label = f'<label for="f-{name}">{escape(f.label)}</label>'
    if f.kind == "ids":
        boxes = "".join(
            f'<label><input type="checkbox" name="{name}" value="{escape(i)}"'
            f"{' checked' if i in given else ''}> {escape(i)}</label>"
            for i in choices.allowed(f)
        )
        return f'{label}<div class="ids" id="f-{name}">{boxes}</div><small>{escape(hint)}</small>'
    options: tuple[str, ...] = ()
    if f.kind == "choice":
        options = f.choices
    elif f.kind == "id":
        options = choices.allowed(f)
    if options:
        current = given[0] if given else ""
        default = "" if f.default is not None else '<option value="">(default)</option>'
        opts = "".join(
            f'<option value="{escape(o)}"{" selected" if o == current else ""}>{escape(o)}</option>'
            for o in options
        )
        if current and current not in options:  # show what was asked, so the error reads
            opts += f'<option value="{escape(current)}" selected>{escape(current)}</option>'
        if f.default is not None and not current:
            opts = opts.replace(
                f'value="{escape(str(f.default))}"', f'value="{escape(str(f.default))}" selected'
            )
        return f'{label}<select id="f-{name}" name="{name}">{default}{opts}</select>'
    value = escape(given[0]) if given else ""
    return (
        f'{label}<input type="text" id="f-{name}" name="{name}" value="{value}" '
        f'placeholder="{escape(hint)}">'
    )


def _hint(f: Field, economic: Mapping[str, Mapping[str, Any]], defaults: Mapping[str, str]) -> str:
    if f.kind == "override":
        return f"default {economic[f.name]['value']:g} ({economic[f.name]['source']})"
    if f.name in defaults:
        return defaults[f.name]
    return "" if f.default is None else f"default {f.default}"


def _chart(view: View, chart: Chart, qs: str) -> str:
    head = "".join(f"<th>{escape(c.label)}</th>" for c in chart.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-key="{escape(c.key)}" data-value="{escape(json.dumps(r.get(c.key)))}">'
            f"{escape(fmt(r.get(c.key), c.fmt))}</td>"
            for c in chart.columns
        )
        + "</tr>"
        for r in chart.rows
    )
    fig = chart.figure.to_json().replace("</", "<\\/")
    href = f"/csv/{view.name}/{chart.id}" + (f"?{qs}" if qs else "")
    return (
        f'<div class="chart" id="chart-{chart.id}"><h3>{escape(chart.title)}</h3>'
        f'<div id="plot-{chart.id}"></div>'
        f'<script type="application/json" class="figure" data-target="plot-{chart.id}">{fig}'
        "</script>"
        f'<a href="{escape(href)}" download>Download CSV</a> (exactly the rows plotted)'
        f'<details><summary>table</summary><table id="table-{chart.id}"><tr>{head}</tr>'
        f"{body}</table></details></div>"
    )


def render(
    view: View,
    query: Mapping[str, Sequence[str]],
    choices: Choices,
    economic: Mapping[str, Mapping[str, Any]],
    defaults: Mapping[str, str],
    result: Result | None,
    error: str | None,
) -> str:
    """The whole page of ``view`` for ``query``: the answer, or the one error line."""
    pairs = [(k, v) for k, vs in query.items() for v in vs if v.strip()]
    qs = urlencode(pairs)
    nav = "".join(
        f'<a href="/view/{v.name}{"?" + escape(qs) if qs else ""}"'
        f' class="nav{" on" if v.name == view.name else ""}">{escape(v.title)}</a>'
        for v in VIEWS.values()
    )
    fields = "".join(
        _field(FIELDS[n], query, choices, _hint(FIELDS[n], economic, defaults), view.defaults)
        for n in view.inputs
    )
    carried = "".join(  # other views' inputs ride along, so switching views keeps them
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in pairs
        if k not in view.inputs
    )
    if error is not None:
        content = f'<p class="error" id="error">error: {escape(error)}</p>'
    else:
        assert result is not None
        content = "".join(f'<p class="note">{escape(n)}</p>' for n in result.notes)
        content += "".join(_chart(view, c, qs) for c in result.charts)
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>siliconomics: {escape(view.title)}</title><style>{STYLE}</style>
<script src="/static/plotly.min.js"></script></head><body>
<p id="busy">computing (a new operating-point search can take seconds)...
<button type="button" id="cancel">cancel</button></p>
<div id="app"><header><b>siliconomics {escape(__version__)}</b>{nav}</header>
<main><form id="inputs" method="get" action="/view/{view.name}">{fields}{carried}
<p><button type="submit">update</button> <a id="reset" href="/view/{view.name}">reset to
defaults</a></p></form>
<section>{content}</section></main></div>
<script>{SCRIPT}</script></body></html>"""
