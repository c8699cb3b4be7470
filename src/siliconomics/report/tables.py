"""HTML and CSV for the report's tables: cells, intervals, source links, badges, sorting.

Formatting only: every value shown comes from a :class:`Table` row as gather built it. What
a row may carry, and how it is shown:

- ``key`` with ``f"{key}_low"`` and ``f"{key}_high"`` beside it (both numbers): the cell
  reads "value (low–high)" in the column's format, and the CSV gains the ``_low`` and
  ``_high`` columns next to ``key``. A column whose ``interval`` attribute is False never
  shows one (the attribute is optional; without it the row's keys decide).
- ``validation``: a value that is False or starts with "unvalidated" gets a visible badge.
- source ids (columns ``source``, ``sources``, ``*_source``, ``*_sources``, and ``id`` of
  the ``sources`` table): each id that resolves to an http(s) url becomes a link; columns
  ``url`` and ``*_url`` are links themselves.

Every table gets the class ``sortable``; :data:`SORT_SCRIPT` (inline, once per page, no
library) sorts it by the clicked header. Numeric cells carry their raw value in ``data-v``,
so a sort is exact whatever the display format; other cells sort by the number they start
with, else as text (ISO dates stay text, which sorts them by date). Empty cells go last in
both directions.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from siliconomics.outputs import write_file
from siliconomics.report.gather import Column, Table

SORT_SCRIPT = """
(function(){
var NUM=/^[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?/i, DATE=/^\\d{4}-\\d{2}(-\\d{2})?\\b/;
function key(td){
  if(!td) return null;
  if(td.dataset.v!==undefined){var v=parseFloat(td.dataset.v);return isNaN(v)?null:v;}
  var t=td.textContent.trim();
  if(t===''||t==='\\u2013') return null;
  if(!DATE.test(t)){var m=t.replace(/,/g,'').match(NUM);if(m) return parseFloat(m[0]);}
  return t.toLowerCase();
}
function cmp(a,b){
  var na=typeof a==='number', nb=typeof b==='number';
  if(na&&nb) return a-b;
  if(na!==nb) return na?-1:1;
  return a.localeCompare(b,undefined,{numeric:true});
}
function sortBy(table,th,i){
  var asc=th.getAttribute('aria-sort')!=='ascending';
  table.querySelectorAll('thead th').forEach(function(h){h.removeAttribute('aria-sort');});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  var body=table.tBodies[0];
  var rows=Array.prototype.map.call(body.rows,function(r,j){return [key(r.cells[i]),j,r];});
  rows.sort(function(x,y){
    if(x[0]===null||y[0]===null){
      if(x[0]===y[0]) return x[1]-y[1];
      return x[0]===null?1:-1;
    }
    var c=cmp(x[0],y[0]);
    return c===0?x[1]-y[1]:(asc?c:-c);
  });
  rows.forEach(function(r){body.appendChild(r[2]);});
}
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('thead th').forEach(function(th,i){
    th.tabIndex=0;
    th.title='Sort by this column';
    th.addEventListener('click',function(){sortBy(table,th,i);});
    th.addEventListener('keydown',function(e){
      if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(table,th,i);}
    });
  });
});
})();
"""

TABLE_CSS = """
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:hover{background:#dde7f5}
th[aria-sort=ascending]::after{content:" \\25B2";font-size:9px}
th[aria-sort=descending]::after{content:" \\25BC";font-size:9px}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:11px;font-weight:600;
background:#c0392b;color:#fff;margin-right:4px}
details.box>summary{cursor:pointer;font-weight:600}
.stamp{font-size:12px;color:#555;font-family:ui-monospace,Menlo,Consolas,monospace;margin:2px 0}
"""

SOURCE_SPLIT = re.compile(r"([\s,;()]+)")


def is_source_column(table: str, key: str) -> bool:
    """Whether the cells of this column hold source ids."""
    return (
        key in ("source", "sources")
        or key.endswith(("_source", "_sources"))
        or (table == "sources" and key == "id")
    )


def safe_url(url: Any) -> str | None:
    """``url`` when it is an http(s) address (never a javascript: or file: link)."""
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url
    return None


def _link(url: str, text: str) -> str:
    return (
        f"<a href='{html.escape(url, quote=True)}' target='_blank' rel='noopener noreferrer'>"
        f"{html.escape(text)}</a>"
    )


def linked_sources(text: str, urls: Mapping[str, str]) -> str:
    """``text`` escaped, with every source id in it that has a url made a link to it."""
    out = []
    for piece in SOURCE_SPLIT.split(text):
        url = safe_url(urls.get(piece))
        out.append(_link(url, piece) if url else html.escape(piece))
    return "".join(out)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _fmt(value: Any, fmt: str) -> str:
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def interval(row: Mapping[str, Any], col: Column) -> tuple[float, float] | None:
    """(low, high) of ``col`` in ``row`` when the row carries both as numbers."""
    if getattr(col, "interval", None) is False:
        return None
    low = _number(row.get(f"{col.key}_low"))
    high = _number(row.get(f"{col.key}_high"))
    return None if low is None or high is None else (low, high)


def _validation_cell(value: Any) -> str | None:
    if value is False:
        return "<td class='t'><span class='badge'>unvalidated</span></td>"
    if isinstance(value, str) and value.startswith("unvalidated"):
        rest = value.removeprefix("unvalidated").lstrip(" :;,-")
        cls = "t long" if len(rest) > 40 else "t"
        return f"<td class='{cls}'><span class='badge'>unvalidated</span>{html.escape(rest)}</td>"
    if value is True:
        return "<td class='t'>validated</td>"
    return None


def cell_html(table: str, row: Mapping[str, Any], col: Column, urls: Mapping[str, str]) -> str:
    """One <td>: numbers right-aligned in their format (with an interval when the row has
    one), text left (wrapped when long), source ids and urls as links."""
    value = row.get(col.key)
    if value is None or value == "":
        return "<td>–</td>"
    if col.key == "validation" and (badge := _validation_cell(value)) is not None:
        return badge
    if isinstance(value, str):
        cls = "t long" if len(value) > 40 else "t"
        if is_source_column(table, col.key):
            return f"<td class='{cls}'>{linked_sources(value, urls)}</td>"
        url = safe_url(value) if col.key == "url" or col.key.endswith("_url") else None
        return f"<td class='{cls}'>{_link(url, value) if url else html.escape(value)}</td>"
    number = _number(value)
    try:
        text = col.fmt.format(value)
    except (ValueError, TypeError):
        return f"<td class='t'>{html.escape(str(value))}</td>"
    span = interval(row, col) if number is not None else None
    if span is not None:
        text += f" ({_fmt(span[0], col.fmt)}–{_fmt(span[1], col.fmt)})"
    data = f" data-v='{number!r}'" if number is not None else ""
    return f"<td{data}>{html.escape(text)}</td>"


def table_html(
    t: Table,
    *,
    max_rows: int | None = None,
    urls: Mapping[str, str] | None = None,
    heading: bool = True,
) -> str:
    """The table as HTML (sortable by its headers), its note and a link to its CSV file."""
    links = urls or {}
    head = "".join(f"<th>{html.escape(c.label)}</th>" for c in t.columns)
    rows = t.rows if max_rows is None else t.rows[:max_rows]
    body = "".join(
        "<tr>" + "".join(cell_html(t.name, r, c, links) for c in t.columns) + "</tr>" for r in rows
    )
    more = (
        f"<p class='note'>First {max_rows} of {len(t.rows)} rows; all in "
        f"<a href='{t.name}.csv'>{t.name}.csv</a>.</p>"
        if max_rows is not None and len(t.rows) > max_rows
        else ""
    )
    note = f"<p class='note'>{html.escape(t.note)}</p>" if t.note else ""
    title = f"<h3>{html.escape(t.title)}</h3>" if heading else ""
    return (
        f"{title}<div class='scroll'><table id='t-{t.name}' class='sortable'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{note}{more}"
        f"<p class='csv'>CSV: <a href='{t.name}.csv'>{t.name}.csv</a></p>"
    )


def collapsed_table_html(t: Table, summary: str, *, urls: Mapping[str, str] | None = None) -> str:
    """The table inside a closed <details> whose summary line is ``summary``."""
    return (
        f"<details class='box warn' id='d-{t.name}'><summary>{html.escape(summary)}</summary>"
        f"{table_html(t, urls=urls, heading=False)}</details>"
    )


def csv_keys(t: Table) -> list[str]:
    """The CSV header: every column key, each followed by its ``_low`` and ``_high`` keys
    when some row carries that interval and they are not columns already."""
    own = {c.key for c in t.columns}
    keys: list[str] = []
    for c in t.columns:
        keys.append(c.key)
        if any(interval(r, c) is not None for r in t.rows):
            keys += [k for k in (f"{c.key}_low", f"{c.key}_high") if k not in own]
    return keys


def csv_text(t: Table) -> str:
    """``t`` as CSV at full precision (the HTML rounds for display only)."""
    keys = csv_keys(t)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(keys)
    for r in t.rows:
        w.writerow(["" if r.get(k) is None else r.get(k) for k in keys])
    return buf.getvalue()


def write_csv(t: Table, path: Path) -> None:
    """:func:`csv_text` written to a new file ``path`` (atomically)."""
    write_file(path, csv_text(t), "out")
