"""Replay: cassette -> steps -> drive connections -> collect -> diff -> result."""

from channels_replay.replay.diff import Difference, diff_frames
from channels_replay.replay.engine import ReplayOptions, replay_cassette
from channels_replay.replay.noise import NoiseRule, NoiseRules, propose_rules
from channels_replay.replay.report import render_json, render_junit, render_summary, render_text
from channels_replay.replay.result import ConnectionOutcome, ReplayResult, StepResult
from channels_replay.replay.runner import ReplayConfig, find_cassettes, replay_file
from channels_replay.replay.steps import Expectation, SignalNames, Step, build_steps
from channels_replay.replay.substitution import Credentials

__all__ = [
    "ConnectionOutcome",
    "Credentials",
    "Difference",
    "Expectation",
    "NoiseRule",
    "NoiseRules",
    "ReplayConfig",
    "ReplayOptions",
    "ReplayResult",
    "SignalNames",
    "Step",
    "StepResult",
    "build_steps",
    "diff_frames",
    "find_cassettes",
    "propose_rules",
    "render_json",
    "render_junit",
    "render_summary",
    "render_text",
    "replay_cassette",
    "replay_file",
]
