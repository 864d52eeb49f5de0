"""The JUnit XML report: one testcase per cassette, the text report as a failure's body."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree

from channels_replay.replay.result import ReplayResult
from channels_replay.reports.text import render_summary, render_text

__all__ = ["render_junit"]


def render_junit(results: Sequence[ReplayResult]) -> str:
    """JUnit XML: one testcase per cassette, the text report as the failure's body."""
    suite = ElementTree.Element(
        "testsuite",
        name="channels-replay",
        tests=str(len(results)),
        failures=str(sum(not r.ok for r in results)),
        errors="0",
        time=f"{sum(r.duration for r in results):.6f}",
    )
    for result in results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname="channels_replay",
            name=str(result.cassette or result.name),
            time=f"{result.duration:.6f}",
        )
        if not result.ok:
            failure = ElementTree.SubElement(
                case, "failure", message=render_summary(result), type="ReplayDifference"
            )
            failure.text = render_text(result)
    ElementTree.indent(suite)
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
