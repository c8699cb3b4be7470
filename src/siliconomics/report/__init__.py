"""The ``siliconomics report``: figures gathered from :mod:`siliconomics.api` (``gather``),
rendered as one self-contained HTML file with plotly charts plus a CSV file per table
(``render``). Nothing here models anything; every number comes from an api call."""

from siliconomics.report.gather import ReportData, Table, gather, step_count
from siliconomics.report.gather import prefetch_count as gather_prefetch_count
from siliconomics.report.render import SECTIONS, write_report
from siliconomics.report.scenario import Scenario, load_scenario

__all__ = [
    "SECTIONS",
    "ReportData",
    "Scenario",
    "Table",
    "gather",
    "gather_prefetch_count",
    "load_scenario",
    "step_count",
    "write_report",
]
