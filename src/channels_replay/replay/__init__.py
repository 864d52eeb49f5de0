"""Replay: cassette -> steps -> drive connections -> collect -> diff -> result."""

from channels_replay.replay.diff import Difference, diff_frames
from channels_replay.replay.engine import replay_cassette
from channels_replay.replay.machine import Collect, Finished, Perform, ReplayMachine
from channels_replay.replay.noise import NoiseRule, NoiseRules
from channels_replay.replay.proposals import propose_rules
from channels_replay.replay.result import ConnectionOutcome, ReplayResult, StepResult
from channels_replay.replay.run import ReplayOptions, run_replay
from channels_replay.replay.runner import ReplayConfig, find_cassettes, replay_file
from channels_replay.replay.steps import SignalNames, Step, Timeline, build_steps, build_timeline
from channels_replay.replay.substitution import Credentials

__all__ = [
    "Collect",
    "ConnectionOutcome",
    "Credentials",
    "Difference",
    "Finished",
    "NoiseRule",
    "NoiseRules",
    "Perform",
    "ReplayConfig",
    "ReplayMachine",
    "ReplayOptions",
    "ReplayResult",
    "SignalNames",
    "Step",
    "StepResult",
    "Timeline",
    "build_steps",
    "build_timeline",
    "diff_frames",
    "find_cassettes",
    "propose_rules",
    "replay_cassette",
    "replay_file",
    "run_replay",
]
