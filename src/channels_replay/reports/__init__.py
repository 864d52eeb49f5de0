"""Reports: renderers of replay results (text, JSON, JUnit XML, HTML).

Each is one module with plain functions over `ReplayResult`s; a new kind of
report is one more module. Nothing below this package imports it.
"""

from channels_replay.reports.html import render_cassette_html, render_html
from channels_replay.reports.json_report import render_json, result_to_dict
from channels_replay.reports.junit import render_junit
from channels_replay.reports.text import Style, render_summary, render_text

__all__ = [
    "Style",
    "render_cassette_html",
    "render_html",
    "render_json",
    "render_junit",
    "render_summary",
    "render_text",
    "result_to_dict",
]
