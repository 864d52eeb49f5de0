"""Proposing noise rules from replays of a cassette against the unchanged app (learn-noise).

Noise is what differs between those replays themselves: a value that is the same
in every replay but not in the recording is a real change, and a rule there would
hide it. Values are learned only from frames that line up: the same kind and
action, as many of them in the step in every replay, the same structure, and no
frame nearby that matches better. Pure: plain functions over frames.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from channels_replay._json import loads_bounded
from channels_replay.cassettes.model import AcceptEvent, ServerClose, ServerFrame
from channels_replay.errors import ConfigurationError
from channels_replay.replay._paths import ANY_INDEX, JsonPath, Segment, format_path
from channels_replay.replay._values import canonical_json, json_type, render, same_scalar
from channels_replay.replay.noise import NoiseRule, NoiseRules, can_scope_to, is_datetime, is_uuid

__all__ = [
    "ABSENT",
    "MIN_RUNS",
    "NoiseLearner",
    "NoiseProposals",
    "ProposedRule",
    "StableDifference",
    "propose_noise",
    "propose_rules",
]

Frame: TypeAlias = ServerFrame | ServerClose | AcceptEvent


class _Absent:
    """Where a key is not there, in `ProposedRule.examples`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()
"""Stands for a key that is absent, among the values a proposed rule hides."""

MIN_RUNS: Final = 2
"""Replays needed to learn noise: noise is what differs between them."""

_EXAMPLES: Final = 3
"""Frames whose values a proposed rule shows."""

_SHOWN: Final = 40
"""The longest a value is shown among a proposed rule's examples, in characters."""

_NEARBY: Final = 4
"""Frames of the same kind and action, on either side, where a better partner is looked for."""

_Key: TypeAlias = tuple[str, str | None]
"""A frame's kind and action: frames are paired only within one."""

_Leaf: TypeAlias = tuple[JsonPath, str]
_FrameRef: TypeAlias = tuple[str, int, int]
"""A recorded frame: its connection, step, and index among the connection's frames there."""


@dataclass(frozen=True)
class ProposedRule:
    """A rule learn-noise proposes, and what it would hide.

    `examples` holds, for up to three frames, the values seen at the rule's paths:
    the recorded one, then each replay's (`ABSENT` where the key was not there).
    `frames` counts the recorded frames the rule applies to, in `steps` steps;
    `seen` the frames where the values differed between the replays.
    """

    rule: NoiseRule
    examples: tuple[tuple[Any, ...], ...]
    frames: int
    steps: int
    seen: int

    def describe(self) -> list[str]:
        """The rule, the values it hides, and how much of the cassette it covers."""
        lines = [self.rule.describe()]
        for recorded, *replays in self.examples:
            shown = ", ".join(_show(value) for value in replays)
            lines.append(f"  hides: recorded {_show(recorded)}; replays {shown}")
        lines.append(
            f"  applies to {_plural(self.frames, 'frame')} in {_plural(self.steps, 'step')}; "
            f"differed between the replays in {self.seen}"
        )
        return lines


@dataclass(frozen=True)
class StableDifference:
    """A value that differs from the recording but is the same in every replay.

    Not noise: the app changed since the recording. `path` is "" for a whole frame
    (not JSON, or a bare JSON value). `frames` counts the recorded frames where it
    was seen, in `steps` steps.
    """

    action: str | None
    path: str
    recorded: Any
    actual: Any
    frames: int
    steps: int

    def describe(self) -> str:
        """One line: where, the two values, and what to do about it."""
        subject = self.path or "a whole frame"
        if self.action is not None:
            subject = f"{self.action}:{subject}"
        return (
            f"{subject}: recorded {_show(self.recorded)}, {_show(self.actual)} in every replay "
            f"({_plural(self.frames, 'frame')}): differs from the recording but is stable across "
            "runs: not noise, re-record or --update"
        )


@dataclass(frozen=True)
class NoiseProposals:
    """What learn-noise found in `runs` replays: rules to propose, and what it could not learn.

    `proposed` are the rules, sorted by action, path and matcher. `stable` are real
    changes (the same in every replay, not as recorded). `withheld` are rules not
    proposed because they would also hide one of those. `unaligned` counts the
    recorded and replayed frames that could not be paired (missing, extra, of another
    action or structure, or with a better match nearby); `uncovered` the differences
    between replays no rule can name (frames that are not JSON objects or arrays, or
    whose action a rule cannot hold).
    """

    runs: int
    proposed: tuple[ProposedRule, ...] = ()
    stable: tuple[StableDifference, ...] = ()
    withheld: tuple[NoiseRule, ...] = ()
    unaligned: int = 0
    uncovered: int = 0

    @property
    def rules(self) -> list[NoiseRule]:
        """The proposed rules alone."""
        return [proposal.rule for proposal in self.proposed]

    def notes(self) -> list[str]:
        """What was not learned, one line each."""
        lines = [difference.describe() for difference in self.stable]
        lines.extend(
            f"{rule} is not proposed: it would also hide a difference that is stable across runs"
            for rule in self.withheld
        )
        if self.unaligned:
            lines.append(
                f"{_plural(self.unaligned, 'difference')} could not be learned because the "
                "frames are not aligned (missing, extra, or of another action, structure or "
                "place): a real difference or a flaky order, replay to see it"
            )
        if self.uncovered:
            lines.append(
                f"{_plural(self.uncovered, 'difference')} between the replays cannot be covered by "
                "a rule (not in a JSON object or array, or an action a rule cannot name)"
            )
        return lines

    def describe(self) -> list[str]:
        """Every proposal with what it hides, then the notes."""
        lines = [line for proposal in self.proposed for line in proposal.describe()]
        return lines + self.notes()


def propose_noise(
    expected_frames: Sequence[Frame],
    runs_of_actual_frames: Iterable[Sequence[Frame]],
    *,
    action_key: str = "action",
    known: Iterable[NoiseRule] = (),
) -> NoiseProposals:
    """Propose rules for what differs between replays of one recorded step (one connection).

    Each run is what one replay against the unchanged app got for the step; at
    least two are needed. See NoiseLearner for a whole cassette and the rules.
    """
    runs = list(runs_of_actual_frames)
    learner = NoiseLearner(len(runs), action_key=action_key, known=known)
    learner.add(expected_frames, runs)
    return learner.proposals()


def propose_rules(
    expected_frames: Sequence[Frame],
    runs_of_actual_frames: Iterable[Sequence[Frame]],
    *,
    action_key: str = "action",
    known: Iterable[NoiseRule] = (),
) -> list[NoiseRule]:
    """The rules `propose_noise` proposes, without what they hide."""
    return propose_noise(
        expected_frames, runs_of_actual_frames, action_key=action_key, known=known
    ).rules


class NoiseLearner:
    """Proposes noise rules for a cassette from two or more replays of it.

    `add` each step's recorded frames on a connection with what each replay got
    there (None: that replay never got there), then call `proposals()`. A rule is
    proposed for a JSON path only where the values differ between the replays, in
    frames that are aligned: in every replay the step brought as many frames of
    that kind and action as recorded (paired in order), each with the recorded
    frame's structure, and no frame within a few places (in the connection, across
    steps) that matches better. The matcher is `uuid` if every value seen (recorded
    and replayed) is a UUID, `datetime` if every one is a date-time, `type` if they
    share a JSON type, else `any`; `ignore` where a key comes and goes between
    replays. A list index becomes `[*]` where the field differs in several items.
    Paths that `known` rules cover are left alone.
    """

    def __init__(
        self, runs: int, *, action_key: str = "action", known: Iterable[NoiseRule] = ()
    ) -> None:
        if runs < MIN_RUNS:
            raise ConfigurationError(
                f"learning noise needs at least {MIN_RUNS} replays (noise is what differs "
                f"between them), not {runs}"
            )
        self.runs = runs
        self._action_key = action_key
        self._known = known if isinstance(known, NoiseRules) else NoiseRules(known)
        self._entries: list[_Entry] = []

    def add(
        self,
        expected: Sequence[Frame],
        runs: Sequence[Sequence[Frame] | None],
        *,
        step: int = 0,
        conn: str = "",
    ) -> None:
        """One step on one connection: the recorded frames and each replay's."""
        if len(runs) != self.runs:
            raise ValueError(f"got {len(runs)} replays of step {step} on {conn!r}, not {self.runs}")
        self._entries.append(
            _Entry(
                step,
                conn,
                self._parse(expected, step),
                [[] if run is None else self._parse(run, step) for run in runs],
            )
        )

    def proposals(self) -> NoiseProposals:
        """The rules for everything added so far, with what could not be learned."""
        findings = _Findings(self._known)
        by_conn: dict[str, list[_Entry]] = {}
        for entry in self._entries:
            by_conn.setdefault(entry.conn, []).append(entry)
        for conn, entries in by_conn.items():
            _learn_connection(conn, entries, self.runs, findings)
        recorded = [(entry.conn, frame) for entry in self._entries for frame in entry.expected]
        return findings.conclude(recorded, self.runs)

    def _parse(self, frames: Sequence[Frame], step: int) -> list[_Parsed]:
        return [
            _Parsed(frame, index, step, self._action_key, self._known)
            for index, frame in enumerate(frames)
        ]


@dataclass(slots=True)
class _Entry:
    step: int
    conn: str
    expected: list[_Parsed]
    runs: list[list[_Parsed]]


class _Parsed:
    """A frame parsed once: its kind, action and value, and its leaves (noise masked)."""

    __slots__ = (
        "_leaves",
        "_paths",
        "action",
        "index",
        "kind",
        "known",
        "step",
        "summary",
        "value",
    )

    def __init__(
        self, frame: Frame, index: int, step: int, action_key: str, known: NoiseRules
    ) -> None:

        self.index = index
        self.step = step
        self.known = known
        self.action: str | None = None
        self.value: Any = None
        self.summary: Any = frame
        self._leaves: frozenset[_Leaf] | None = None
        self._paths: list[JsonPath] | None = None
        if isinstance(frame, ServerFrame):
            if frame.data is not None:
                self.kind, self.value, self.summary = "bytes", frame.data, frame.data
                return
            text = frame.text or ""
            try:
                self.value = loads_bounded(text)
            except ValueError:
                self.kind, self.value, self.summary = "text", text, text
                return
            self.kind, self.summary = "json", self.value
            action = self.value.get(action_key) if isinstance(self.value, dict) else None
            self.action = action if isinstance(action, str) else None
        elif isinstance(frame, ServerClose | AcceptEvent):
            self.kind = "close" if isinstance(frame, ServerClose) else "accept"
            self.value = canonical_json(frame.model_dump(mode="json", exclude={"seq", "t", "conn"}))
        else:
            raise TypeError(
                f"noise is learned from server frames, closes and accepts, not {frame!r}"
            )

    @property
    def key(self) -> _Key:
        return (self.kind, self.action)

    @property
    def leaves(self) -> frozenset[_Leaf]:
        """The frame as a set of (path, value) leaves, without the paths known rules cover.

        Two frames with equal leaves compare equal; the size of the intersection says
        how alike two frames are.
        """
        if self._leaves is None:
            if self.kind == "json":
                found: list[_Leaf] = []
                _collect_leaves(self.value, (), self.action, self.known, found)
                self._leaves = frozenset(found)
            else:
                self._leaves = frozenset({((), f"{self.kind}:{self.value!r}")})
        return self._leaves

    def paths(self) -> list[JsonPath]:
        """Every path inside a JSON frame (its root aside)."""
        if self._paths is None:
            self._paths = []
            if self.kind == "json":
                _collect_paths(self.value, (), self._paths)
        return self._paths


def _collect_leaves(
    value: Any, parts: JsonPath, action: str | None, known: NoiseRules, out: list[_Leaf]
) -> None:
    if known and known.match(parts, action) is not None:
        return
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _collect_leaves(item, (*parts, key), action, known, out)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _collect_leaves(item, (*parts, index), action, known, out)
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 1.0 equals 1, as in the diff
        out.append((parts, canonical_json(value)))


def _collect_paths(value: Any, parts: JsonPath, out: list[JsonPath]) -> None:
    if parts:
        out.append(parts)
    if isinstance(value, dict):
        for key, item in value.items():
            _collect_paths(item, (*parts, key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect_paths(item, (*parts, index), out)


@dataclass(slots=True)
class _Pairing:
    """One step's frames of one kind and action on one connection, recorded and replayed.

    `start` and `replay_starts` are where they begin in the connection's sequence of
    frames of that kind and action (across steps).
    """

    key: _Key
    expected: list[_Parsed]
    start: int
    replays: list[list[_Parsed]]
    replay_starts: list[int]


def _learn_connection(conn: str, entries: list[_Entry], runs: int, findings: _Findings) -> None:
    """Pair one connection's recorded and replayed frames, step by step, and learn from them."""
    recorded: dict[_Key, list[_Parsed]] = {}
    replayed: list[dict[_Key, list[_Parsed]]] = [{} for _ in range(runs)]
    pairings: list[_Pairing] = []
    for entry in entries:
        expected = _by_key(entry.expected)
        replays = [_by_key(run) for run in entry.runs]
        for key in dict.fromkeys([*expected, *(key for run in replays for key in run)]):
            mine = expected.get(key, [])
            theirs = [run.get(key, []) for run in replays]
            starts = [
                _extend(seq, key, frames) for seq, frames in zip(replayed, theirs, strict=True)
            ]
            pairings.append(_Pairing(key, mine, _extend(recorded, key, mine), theirs, starts))
    for pairing in pairings:
        count = len(pairing.expected)
        if any(len(frames) != count for frames in pairing.replays):
            findings.unaligned += max(_unmatched(pairing.expected, run) for run in pairing.replays)
            continue
        for k, frame in enumerate(pairing.expected):
            partners = [frames[k] for frames in pairing.replays]
            if all(partner.leaves == frame.leaves for partner in partners):
                continue
            misplaced = any(
                _better_nearby(
                    recorded[pairing.key], pairing.start + k, seq[pairing.key], start + k
                )
                for seq, start in zip(replayed, pairing.replay_starts, strict=True)
            )
            if misplaced:
                findings.unaligned += 1
            else:
                findings.learn(conn, frame, partners)


def _by_key(frames: list[_Parsed]) -> dict[_Key, list[_Parsed]]:
    grouped: dict[_Key, list[_Parsed]] = {}
    for frame in frames:
        grouped.setdefault(frame.key, []).append(frame)
    return grouped


def _extend(sequence: dict[_Key, list[_Parsed]], key: _Key, frames: list[_Parsed]) -> int:
    """Append `frames` to the sequence of their key; return where they start in it."""
    items = sequence.setdefault(key, [])
    start = len(items)
    items.extend(frames)
    return start


def _unmatched(expected: list[_Parsed], replay: list[_Parsed]) -> int:
    """Recorded frames without an equal twin in the replay, plus the replay's surplus frames."""
    waiting = Counter(frame.leaves for frame in replay)
    missing = 0
    for frame in expected:
        if waiting[frame.leaves] > 0:
            waiting[frame.leaves] -= 1
        else:
            missing += 1
    return missing + max(0, len(replay) - len(expected))


def _better_nearby(
    recorded: list[_Parsed], position: int, replayed: list[_Parsed], partner_position: int
) -> bool:
    """Whether a nearby frame matches the recorded frame or its partner better than they do.

    Then the pairing is in doubt (a frame moved, or came in another step), and what
    differs may be another message, not noise. Noise differs from every frame alike,
    so it does not tip the balance.
    """
    frame, partner = recorded[position], replayed[partner_position]
    score = len(frame.leaves & partner.leaves)
    for other in _around(replayed, partner_position):
        if len(frame.leaves & other.leaves) > score:
            return True
    return any(len(other.leaves & partner.leaves) > score for other in _around(recorded, position))


def _around(frames: list[_Parsed], position: int) -> Iterator[_Parsed]:
    low, high = max(0, position - _NEARBY), min(len(frames), position + _NEARBY + 1)
    return (frames[index] for index in range(low, high) if index != position)


@dataclass(slots=True)
class _Seen:
    """A path whose values differed between the replays, in one aligned frame."""

    action: str | None
    parts: JsonPath
    values: tuple[Any, ...]
    ref: _FrameRef
    come_and_go: bool


@dataclass(slots=True)
class _Stable:
    """A value that differs from the recording and is the same in every replay."""

    action: str | None
    parts: JsonPath | None
    """None for a whole frame that is not JSON."""
    recorded: Any
    actual: Any
    ref: _FrameRef


class _Walk:
    """Compare one recorded JSON frame with its partners from every replay, in one pass.

    `visit` says whether the frames share a structure (the same keys, list lengths
    and container types, apart from keys that come and go between replays); on
    the way it notes the leaves that differ between replays, the keys that come and
    go, and the values that are the same in every replay but not as recorded.
    """

    def __init__(self, action: str | None, known: NoiseRules) -> None:
        self.action = action
        self.known = known
        self.varying: list[tuple[JsonPath, tuple[Any, ...]]] = []
        self.come_and_go: list[tuple[JsonPath, tuple[Any, ...]]] = []
        self.stable: list[tuple[JsonPath, Any, Any]] = []

    def visit(self, values: list[Any], parts: JsonPath) -> bool:
        if self.known and self.known.match(parts, self.action) is not None:
            return True
        shapes = {_shape(value) for value in values}
        if len(shapes) > 1:
            return False
        shape = shapes.pop()
        if shape == "object":
            return self._visit_object(values, parts)
        if shape == "array":
            if len({len(value) for value in values}) > 1:
                return False
            return all(
                self.visit(list(items), (*parts, index))
                for index, items in enumerate(zip(*values, strict=True))
            )
        recorded, first, *others = values
        if all(_same(first, other) for other in others):
            if not _same(recorded, first):
                self.stable.append((parts, recorded, first))
        else:
            self.varying.append((parts, tuple(values)))
        return True

    def _visit_object(self, values: list[dict[str, Any]], parts: JsonPath) -> bool:
        for key in dict.fromkeys(key for value in values for key in value):
            child = (*parts, key)
            present = [key in value for value in values]
            if all(present):
                if not self.visit([value[key] for value in values], child):
                    return False
            elif self.known and self.known.match(child, self.action) is not None:
                continue
            elif all(present[1:]) or not any(present[1:]):
                return False  # there or not in every replay, unlike the recording
            else:
                self.come_and_go.append((child, tuple(value.get(key, ABSENT) for value in values)))
        return True


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "scalar"


def _same(left: Any, right: Any) -> bool:
    return json_type(left) == json_type(right) and same_scalar(left, right)


def _nameable(action: str | None) -> bool:
    """Whether a rule can be scoped to this action."""
    return can_scope_to(action)


class _Findings:
    """What the aligned frames of a cassette showed, and the counts of what was not learned."""

    def __init__(self, known: NoiseRules) -> None:
        self.known = known
        self.seen: list[_Seen] = []
        self.stable: list[_Stable] = []
        self.unaligned = 0
        self.uncovered = 0

    def learn(self, conn: str, frame: _Parsed, partners: list[_Parsed]) -> None:
        """One recorded frame and its partner in every replay, in the same place."""
        ref = (conn, frame.step, frame.index)
        if frame.kind != "json":
            first, *others = partners
            if all(other.leaves == first.leaves for other in others):
                self.stable.append(_Stable(None, None, frame.summary, first.summary, ref))
            else:
                self.uncovered += 1
            return
        walk = _Walk(frame.action, self.known)
        if not walk.visit([frame.value, *(partner.value for partner in partners)], ()):
            self.unaligned += 1
            return
        for parts, recorded, actual in walk.stable:
            self.stable.append(_Stable(frame.action, parts, recorded, actual, ref))
        noise = [(*item, False) for item in walk.varying]
        noise.extend((*item, True) for item in walk.come_and_go)
        if not noise:
            return
        if not _nameable(frame.action) or any(not parts for parts, _values, _flag in noise):
            self.uncovered += 1
            return
        for parts, values, come_and_go in noise:
            self.seen.append(_Seen(frame.action, parts, values, ref, come_and_go))

    def conclude(self, recorded: list[tuple[str, _Parsed]], runs: int) -> NoiseProposals:
        """Turn the findings into rules, each with what it hides."""
        groups: dict[tuple[str | None, tuple[Segment, ...]], dict[JsonPath, list[_Seen]]] = {}
        for seen in self.seen:
            key = (seen.action, _generalize(seen.parts))
            groups.setdefault(key, {}).setdefault(seen.parts, []).append(seen)
        chosen: dict[NoiseRule, list[_Seen]] = {}
        withheld: dict[NoiseRule, None] = {}
        for (action, general), paths in groups.items():
            if len(paths) > 1:
                everything = [seen for found in paths.values() for seen in found]
                rule = _rule_for(general, everything, action)
                if not self._hides_stable(rule):
                    chosen.setdefault(rule, []).extend(everything)
                    continue
            for parts, found in paths.items():
                rule = _rule_for(parts, found, action)
                if self._hides_stable(rule):
                    withheld.setdefault(rule, None)
                else:
                    chosen.setdefault(rule, []).extend(found)
        proposed = [
            _proposal(rule, found, recorded)
            for rule, found in chosen.items()
            if rule not in self.known
        ]
        proposed.sort(key=lambda item: _rule_order(item.rule))
        return NoiseProposals(
            runs=runs,
            proposed=tuple(proposed),
            stable=tuple(self._stable_differences()),
            withheld=tuple(sorted(withheld, key=_rule_order)),
            unaligned=self.unaligned,
            uncovered=self.uncovered,
        )

    def _hides_stable(self, rule: NoiseRule) -> bool:
        return any(
            stable.parts is not None
            and rule.applies_to(stable.action)
            and rule.matches_path(stable.parts)
            for stable in self.stable
        )

    def _stable_differences(self) -> list[StableDifference]:
        groups: dict[tuple[Any, ...], list[_Stable]] = {}
        for stable in self.stable:
            if stable.parts is None:
                key: tuple[Any, ...] = (None, None, render(stable.recorded), render(stable.actual))
            else:
                key = (stable.action, stable.parts)
            groups.setdefault(key, []).append(stable)
        differences = [
            StableDifference(
                action=found[0].action,
                path=format_path(found[0].parts or ()),
                recorded=found[0].recorded,
                actual=found[0].actual,
                frames=len({stable.ref for stable in found}),
                steps=len({stable.ref[1] for stable in found}),
            )
            for found in groups.values()
        ]
        differences.sort(key=lambda item: (item.action or "", item.path))
        return differences


def _rule_for(path: Sequence[Segment], seen: list[_Seen], action: str | None) -> NoiseRule:
    if any(item.come_and_go for item in seen):
        return NoiseRule(format_path(path), "ignore", action)
    values = [value for item in seen for value in item.values]
    return NoiseRule(format_path(path), _propose_matcher(values), action)


def _proposal(
    rule: NoiseRule, seen: list[_Seen], recorded: list[tuple[str, _Parsed]]
) -> ProposedRule:
    """The rule with a few of the values it hides and the recorded frames it applies to."""
    examples: dict[tuple[str, ...], tuple[Any, ...]] = {}
    refs = {item.ref for item in seen}
    for item in seen:
        if len(examples) == _EXAMPLES:
            break
        key = tuple("" if value is ABSENT else canonical_json(value) for value in item.values)
        examples.setdefault(key, item.values)
    frames = 0
    steps: set[int] = set()
    for conn, frame in recorded:
        if frame.kind != "json" or not rule.applies_to(frame.action):
            continue
        if (conn, frame.step, frame.index) in refs or any(
            rule.matches_path(parts) for parts in frame.paths()
        ):
            frames += 1
            steps.add(frame.step)
    return ProposedRule(rule, tuple(examples.values()), frames, len(steps), len(refs))


def _rule_order(rule: NoiseRule) -> tuple[str, str, str]:
    return (rule.action or "", rule.path, rule.matcher)


def _generalize(parts: JsonPath) -> tuple[Segment, ...]:
    return tuple(ANY_INDEX if isinstance(part, int) else part for part in parts)


def _propose_matcher(values: Sequence[Any]) -> str:
    if all(is_uuid(value) for value in values):
        return "uuid"
    if all(is_datetime(value) for value in values):
        return "datetime"
    if len({json_type(value) for value in values}) == 1:
        return "type"
    return "any"


def _show(value: Any) -> str:
    return "(absent)" if value is ABSENT else render(value, _SHOWN)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
