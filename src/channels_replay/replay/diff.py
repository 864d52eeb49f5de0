"""The diff: recorded server frames of one step on one connection against replayed ones.

Pure functions over frames; no Django, no I/O. Frames are aligned first (so one
inserted frame is one `extra`, not a cascade of `changed`), then each aligned
pair is compared: JSON text structurally, other text and bytes exactly, close
frames by code, reason and (for a refused handshake) HTTP status, accepts by
subprotocol. Noise rules replace equality
at the paths they cover. See docs/diff-and-noise.md for the semantics.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Final, Literal, NamedTuple, TypeAlias

from channels_replay._json import loads_bounded
from channels_replay.cassettes.model import AcceptEvent, ServerClose, ServerFrame
from channels_replay.errors import ConfigurationError
from channels_replay.replay._paths import JsonPath, format_path
from channels_replay.replay._values import (
    MAX_SHOWN,
    canonical_json,
    first_difference,
    json_type,
    render,
    same_scalar,
)
from channels_replay.replay.noise import NoiseRule, NoiseRules

__all__ = [
    "Difference",
    "DifferenceKind",
    "Frame",
    "Ordering",
    "alignment_keys",
    "diff_frames",
    "same_frames",
]

Frame: TypeAlias = ServerFrame | ServerClose | AcceptEvent
"""A server event of a step: a text or binary frame, a close, or the accept."""

DifferenceKind: TypeAlias = Literal["missing", "extra", "changed", "order"]
Ordering: TypeAlias = Literal["strict", "any"]

_MAX_SCORED_PAIRS: Final = 2500
"""Above this many candidate pairs, `ordering="any"` pairs leftovers in order, unscored."""

_MAX_ALIGN_CELLS: Final = 1_000_000
"""Above this many (expected x actual) cells, align runs of equal keys, not single keys."""

_MASK: Final = "\x00noise"
_KIND_NAMES: Final = {
    "json": "JSON text",
    "text": "non-JSON text",
    "bytes": "binary",
    "close": "close",
    "accept": "accept",
}


@dataclass(frozen=True)
class Difference:
    """One way the actual frames differ from the expected ones.

    `path` is "" for a whole frame, else the JSON path from the frame's root
    (`payload.items[2].name`), or `code`/`reason`/`subprotocol` for close and
    accept frames. `path_parts` is the same JSON path as a tuple (empty for
    whole frames and non-JSON fields). `expected`/`actual` are the values (JSON
    values, a frame's text or bytes, or the close/accept event); None on the
    side that has nothing. Indexes count frames of the step from 0.
    """

    kind: DifferenceKind
    path: str = ""
    expected: Any = None
    actual: Any = None
    expected_index: int | None = None
    actual_index: int | None = None
    frame_action: str | None = None
    rule: NoiseRule | None = None
    """The noise rule whose matcher failed, for `changed` differences it caused."""
    detail: str | None = None
    """A few words more: a type change, where long texts or bytes start to differ."""
    path_parts: JsonPath = ()

    def describe(self) -> str:
        """One human line, each value abbreviated to about 120 characters."""
        if self.kind == "order":
            return (
                f"order changed: frame #{self.expected_index} {render(self.expected)} "
                f"came as #{self.actual_index}"
            )
        if not self.path and self.kind != "changed":
            if self.kind == "missing":
                return f"missing frame #{self.expected_index} {render(self.expected)}"
            return f"extra frame #{self.actual_index} {render(self.actual)}"
        line = self._headline()
        if self.detail:
            line += f" ({self.detail})"
        if self.path:
            line += f" [{self._where()}]"
        return line

    def _headline(self) -> str:
        if self.kind == "changed":
            subject = self.path or f"frame {self._frame_ref()}"
            wanted = render(self.expected)
            if self.rule is not None:
                wanted = f"{self.rule.expectation(self.expected)} (rule {self.rule.to_string()})"
            return f"changed {subject}: expected {wanted}, got {render(self.actual)}"
        noun = "item" if self.path_parts and isinstance(self.path_parts[-1], int) else "key"
        if self.kind == "missing":
            return f"missing {noun} {self.path}: expected {render(self.expected)}"
        return f"extra {noun} {self.path}: got {render(self.actual)}"

    def _frame_ref(self) -> str:
        moved = self.actual_index is not None and self.actual_index != self.expected_index
        return f"#{self.expected_index}" + (f" (got as #{self.actual_index})" if moved else "")

    def _where(self) -> str:
        where = f"frame #{self.expected_index}"
        if self.actual_index != self.expected_index:
            where += f", got #{self.actual_index}"
        return where + (f" {self.frame_action}" if self.frame_action is not None else "")


def diff_frames(
    expected: Sequence[Frame],
    actual: Sequence[Frame],
    *,
    rules: NoiseRules | None = None,
    ordering: Ordering = "strict",
    action_key: str = "action",
) -> list[Difference]:
    """Compare the frames of one step on one connection; [] when they agree.

    `ordering="strict"` aligns the two sequences and reports frames that came in
    another order as `order`; `"any"` matches them as a multiset (for broadcasts
    that interleave), closest pairs first. The `seq`, `t` and `conn` of events are
    never compared. Differences come in the order of the step's frames.
    """
    if ordering not in ("strict", "any"):
        raise ConfigurationError(f"ordering must be 'strict' or 'any', not {ordering!r}")
    if not rules and _identical(expected, actual):
        return []  # the common case on a green replay: nothing to parse
    exp = [_prepare(frame, action_key, rules) for frame in expected]
    act = [_prepare(frame, action_key, rules) for frame in actual]
    if _pairwise_equal(exp, act, rules):
        return []  # a green step with noise: no alignment needed
    if ordering == "strict":
        ops = _align(
            [f.content for f in exp],
            [f.content for f in act],
            [f.coarse for f in exp],
            [f.coarse for f in act],
            detect_moves=True,
        )
    else:
        ops = _match_any(exp, act, rules)
    differences: list[Difference] = []
    for op in ops:
        differences.extend(_differences_of(op, exp, act, rules))
    return differences


# ---- frames --------------------------------------------------------------------------------


def _pairwise_equal(exp: list[_Prepared], act: list[_Prepared], rules: NoiseRules | None) -> bool:
    """Whether the frames agree one for one, in order (then both orderings agree too)."""
    if len(exp) != len(act):
        return False
    return all(
        left.coarse == right.coarse and not _frame_differences(left, right, i, i, rules)
        for i, (left, right) in enumerate(zip(exp, act, strict=True))
    )


def alignment_keys(
    frames: Sequence[Frame], *, rules: NoiseRules | None = None, action_key: str = "action"
) -> list[tuple[Hashable, Hashable]]:
    """Per frame, the keys the diff aligns on: (content with noise masked, kind and action).

    Frames with equal first keys compare equal; frames with equal second keys are
    the same kind of message (the same action), so a difference between them is a
    change, not a missing frame and an extra one.
    """
    prepared = [_prepare(frame, action_key, rules) for frame in frames]
    return [(frame.content, frame.coarse) for frame in prepared]


def same_frames(expected: Sequence[Frame], actual: Sequence[Frame]) -> bool:
    """Whether the frames are the same to the letter, pair by pair (seq, t, conn aside)."""
    return _identical(expected, actual)


def _identical(expected: Sequence[Frame], actual: Sequence[Frame]) -> bool:
    """Whether the frames are the same to the letter, pair by pair (seq, t, conn aside)."""
    if len(expected) != len(actual):
        return False
    for left, right in zip(expected, actual, strict=True):
        if type(left) is not type(right):
            return False
        if isinstance(left, ServerFrame):
            assert isinstance(right, ServerFrame)
            if left.text != right.text or left.data != right.data:
                return False
        elif isinstance(left, ServerClose):
            assert isinstance(right, ServerClose)
            if (left.code, left.reason, left.status) != (right.code, right.reason, right.status):
                return False
        elif isinstance(left, AcceptEvent):
            assert isinstance(right, AcceptEvent)
            if left.subprotocol != right.subprotocol:
                return False
        else:
            return False
    return True


class _Prepared:
    """A frame made ready to compare: parsed once, keyed for the alignment on demand.

    `kind` is json, text, bytes, close or accept; `summary` is what a Difference
    shows for the whole frame; `source` the frame's text, where it has one.
    """

    __slots__ = ("_content", "_make_content", "action", "kind", "source", "summary", "value")

    def __init__(
        self,
        kind: str,
        value: Any,
        summary: Any,
        action: str | None,
        content: Callable[[], Hashable],
        source: str | None = None,
    ) -> None:
        self.kind = kind
        self.value = value
        self.summary = summary
        self.action = action
        self.source = source
        self._make_content = content
        self._content: Hashable = None

    @property
    def content(self) -> Hashable:
        """Equal for frames that compare equal (noise masked): the exact alignment key.

        Computed only when an alignment needs it: a green step never does.
        """
        if self._content is None:
            self._content = self._make_content()
        return self._content

    @property
    def coarse(self) -> Hashable:
        """The kind and action: the key of the second, looser alignment."""
        return (self.kind, self.action)


def _prepare(frame: Frame, action_key: str, rules: NoiseRules | None) -> _Prepared:
    if isinstance(frame, ServerFrame):
        data = frame.data
        if data is not None:
            return _Prepared("bytes", data, data, None, lambda: ("bytes", data))
        return _prepare_text(frame.text or "", action_key, rules)
    if isinstance(frame, ServerClose):
        value = (frame.code, frame.reason, frame.status)
        return _Prepared("close", value, frame, None, lambda: ("close", *value))
    if isinstance(frame, AcceptEvent):
        subprotocol = frame.subprotocol
        return _Prepared("accept", subprotocol, frame, None, lambda: ("accept", subprotocol))
    raise TypeError(f"diff_frames compares server frames, closes and accepts, not {frame!r}")


def _prepare_text(text: str, action_key: str, rules: NoiseRules | None) -> _Prepared:
    try:
        value = loads_bounded(text)
    except ValueError:
        return _Prepared("text", text, text, None, lambda: ("text", text), text)
    action = value.get(action_key) if isinstance(value, dict) else None
    action = action if isinstance(action, str) else None
    scoped = rules.for_action(action) if rules else ()
    return _Prepared(
        "json", value, value, action, lambda: ("json", _content_key(value, (), scoped)), text
    )


def _differences_of(
    op: _Op, exp: list[_Prepared], act: list[_Prepared], rules: NoiseRules | None
) -> list[Difference]:
    """The differences one alignment step stands for."""
    if op.actual is None:
        frame = exp[op.expected]
        return [Difference("missing", "", frame.summary, None, op.expected, None, frame.action)]
    if op.kind == "extra":
        frame = act[op.actual]
        return [Difference("extra", "", None, frame.summary, None, op.actual, frame.action)]
    found = _frame_differences(exp[op.expected], act[op.actual], op.expected, op.actual, rules)
    if op.kind == "moved":
        left, right = exp[op.expected], act[op.actual]
        action = left.action if left.action is not None else right.action
        moved = Difference("order", "", left.summary, right.summary, op.expected, op.actual, action)
        return [moved, *found]
    return found


def _frame_differences(
    left: _Prepared, right: _Prepared, i: int, j: int, rules: NoiseRules | None
) -> list[Difference]:
    """Compare one aligned pair of frames (expected #i, actual #j)."""
    action = left.action if left.action is not None else right.action
    scoped = rules.for_action(action) if rules else ()
    if not scoped and (
        (left.source is not None and left.source == right.source) or left.content == right.content
    ):
        return []
    scope = _Scope(rules if scoped else None, i, j, action)
    if left.kind != right.kind:
        detail = f"frame kind changed from {_KIND_NAMES[left.kind]} to {_KIND_NAMES[right.kind]}"
        scope.add("changed", (), left.summary, right.summary, detail=detail)
    elif left.kind == "json":
        _compare_json(left.value, right.value, (), scope)
    elif left.kind in ("text", "bytes"):
        _compare_exact(left.value, right.value, scope)
    else:
        _compare_fields(left, right, scope)
    return scope.out


def _compare_exact(expected: str | bytes, actual: str | bytes, scope: _Scope) -> None:
    """Non-JSON text and bytes: equal or not, saying where they start to differ."""
    if expected == actual:
        return
    detail = _where_strings_differ(expected, actual)
    if isinstance(expected, bytes):
        at = first_difference(expected, actual)
        detail = f"differs from byte {at}; {len(expected)} and {len(actual)} bytes"
    scope.add("changed", (), expected, actual, detail=detail)


def _compare_fields(left: _Prepared, right: _Prepared, scope: _Scope) -> None:
    """Close frames by code, reason and refusal status; accepts by subprotocol."""
    names = ("code", "reason", "status") if left.kind == "close" else ("subprotocol",)
    expected = left.value if left.kind == "close" else (left.value,)
    actual = right.value if right.kind == "close" else (right.value,)
    for name, want, got in zip(names, expected, actual, strict=True):
        if want != got:
            scope.add("changed", (), want, got, path=name)


# ---- JSON values ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    """What a JSON comparison needs besides the values: rules, frame positions, output."""

    rules: NoiseRules | None
    expected_index: int
    actual_index: int
    action: str | None
    out: list[Difference] = field(default_factory=list)

    @property
    def scoped(self) -> tuple[NoiseRule, ...]:
        """The rules in force for this frame's action."""
        return self.rules.for_action(self.action) if self.rules else ()

    def rule_at(self, parts: JsonPath) -> NoiseRule | None:
        return self.rules.match(parts, self.action) if self.rules else None

    def ignores(self, parts: JsonPath) -> bool:
        rule = self.rule_at(parts)
        return rule is not None and rule.is_ignore

    def add(
        self,
        kind: DifferenceKind,
        parts: JsonPath,
        expected: Any,
        actual: Any,
        *,
        path: str | None = None,
        rule: NoiseRule | None = None,
        detail: str | None = None,
    ) -> None:
        shown = format_path(parts) if path is None else path
        self.out.append(
            Difference(
                kind,
                shown,
                expected,
                actual,
                self.expected_index,
                self.actual_index,
                self.action,
                rule,
                detail,
                parts,
            )
        )


def _compare_json(expected: Any, actual: Any, parts: JsonPath, scope: _Scope) -> None:
    """Compare two JSON values at `parts`, a noise rule there replacing equality."""
    rule = scope.rule_at(parts)
    if rule is not None:
        if not rule.accepts(expected, actual):
            scope.add("changed", parts, expected, actual, rule=rule)
        return
    want, got = json_type(expected), json_type(actual)
    if want != got:
        scope.add("changed", parts, expected, actual, detail=f"type changed from {want} to {got}")
    elif want == "object":
        _compare_objects(expected, actual, parts, scope)
    elif want == "array":
        _compare_arrays(expected, actual, parts, scope)
    elif not same_scalar(expected, actual):
        detail = _where_strings_differ(expected, actual)
        scope.add("changed", parts, expected, actual, detail=detail)


def _compare_objects(
    expected: dict[str, Any], actual: dict[str, Any], parts: JsonPath, scope: _Scope
) -> None:
    for key, value in expected.items():
        child = (*parts, key)
        if key in actual:
            _compare_json(value, actual[key], child, scope)
        elif not scope.ignores(child):
            scope.add("missing", child, value, None)
    for key, value in actual.items():
        child = (*parts, key)
        if key not in expected and not scope.ignores(child):
            scope.add("extra", child, None, value)


def _compare_arrays(expected: list[Any], actual: list[Any], parts: JsonPath, scope: _Scope) -> None:
    """Same length: item by item. Else align the items, so one insertion is one `extra`."""
    if len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            _compare_json(left, right, (*parts, index), scope)
        return
    ops = _align(
        [_content_key(item, (*parts, k), scope.scoped) for k, item in enumerate(expected)],
        [_content_key(item, (*parts, k), scope.scoped) for k, item in enumerate(actual)],
        [json_type(item) for item in expected],
        [json_type(item) for item in actual],
        detect_moves=False,
    )
    for op in ops:
        if op.actual is None:
            child = (*parts, op.expected)
            if not scope.ignores(child):
                scope.add("missing", child, expected[op.expected], None)
        elif op.kind == "extra":
            child = (*parts, op.actual)
            if not scope.ignores(child):
                scope.add("extra", child, None, actual[op.actual])
        else:
            _compare_json(expected[op.expected], actual[op.actual], (*parts, op.expected), scope)


def _where_strings_differ(expected: Any, actual: Any) -> str | None:
    """For long strings, whose difference an abbreviation may hide: where it starts."""
    if not (isinstance(expected, str) and isinstance(actual, str)):
        return None
    if max(len(render(expected)), len(render(actual))) < MAX_SHOWN:
        return None
    return f"first difference at character {first_difference(expected, actual)}"


def _first_rule(rules: tuple[NoiseRule, ...], parts: JsonPath) -> NoiseRule | None:
    for rule in rules:
        if rule.matches_path(parts):
            return rule
    return None


def _content_key(value: Any, parts: JsonPath, rules: tuple[NoiseRule, ...]) -> str:
    """Canonical JSON with noise masked: equal keys mean 'the same frame' to the alignment."""
    return canonical_json(_mask(value, parts, rules) if rules else value)


def _mask(value: Any, parts: JsonPath, rules: tuple[NoiseRule, ...]) -> Any:
    if _first_rule(rules, parts) is not None:
        return _MASK
    return _mask_children(value, parts, rules)


def _mask_children(value: Any, parts: JsonPath, rules: tuple[NoiseRule, ...]) -> Any:
    """Masked copy: ruled values become a marker, ignored keys are left out."""
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            child = (*parts, key)
            rule = _first_rule(rules, child)
            if rule is None:
                kept[key] = _mask_children(item, child, rules)
            elif not rule.is_ignore:
                kept[key] = _MASK
        return kept
    if isinstance(value, list):
        return [_mask(item, (*parts, index), rules) for index, item in enumerate(value)]
    return value


# ---- alignment -----------------------------------------------------------------------------


class _Op(NamedTuple):
    """One step of an alignment: a pair, a moved pair, or an unmatched frame."""

    kind: Literal["pair", "moved", "missing", "extra"]
    expected: int
    """The expected index; for `extra`, the expected index the frame sits before."""
    actual: int | None
    """The actual index; None for `missing`."""


@dataclass(slots=True)
class _Region:
    """A stretch the exact alignment could not match, between two matched blocks."""

    expected: list[int]
    actual: list[int]
    end: int
    """The expected index right after the stretch."""


def _align(
    exp_keys: Sequence[Hashable],
    act_keys: Sequence[Hashable],
    exp_coarse: Sequence[Hashable],
    act_coarse: Sequence[Hashable],
    *,
    detect_moves: bool,
) -> list[_Op]:
    """Align two sequences: exactly equal items first, then by the coarse key.

    The unmatched stretches between exact matches are aligned again by kind and
    action and paired in order; what is left is missing or extra. With
    `detect_moves`, an unmatched item whose exact twin is unmatched elsewhere is
    a `moved` pair. The result is in the order of the expected sequence.
    """
    ops: list[_Op] = []
    regions: list[_Region] = []
    for tag, i1, i2, j1, j2 in _opcodes(exp_keys, act_keys):
        if tag == "equal":
            ops.extend(_Op("pair", i1 + k, j1 + k) for k in range(i2 - i1))
        else:
            regions.append(_Region(list(range(i1, i2)), list(range(j1, j2)), i2))
    if detect_moves:
        ops.extend(_take_moves(regions, exp_keys, act_keys))
    for region in regions:
        ops.extend(_align_region(region, exp_coarse, act_coarse))
    ops.sort(key=_op_order)
    return ops


def _op_order(op: _Op) -> tuple[int, int, int]:
    """Extra items sit before the expected item they precede; the rest at their own."""
    actual = -1 if op.actual is None else op.actual
    return (op.expected, 0 if op.kind == "extra" else 1, actual)


def _take_moves(
    regions: list[_Region], exp_keys: Sequence[Hashable], act_keys: Sequence[Hashable]
) -> list[_Op]:
    """Pair an unmatched item with an identical unmatched twin in another region.

    Twins in the same region are not moves: the coarse alignment pairs them in
    order (difflib leaves such twins only when it skipped popular keys).
    """
    waiting: dict[Hashable, deque[tuple[int, int]]] = {}
    for number, region in enumerate(regions):
        for j in region.actual:
            waiting.setdefault(act_keys[j], deque()).append((number, j))
    moves: list[_Op] = []
    for number, region in enumerate(regions):
        for i in region.expected:
            queue = waiting.get(exp_keys[i])
            twin = next((item for item in queue if item[0] != number), None) if queue else None
            if queue is not None and twin is not None:
                queue.remove(twin)
                moves.append(_Op("moved", i, twin[1]))
    moved_exp = {op.expected for op in moves}
    moved_act = {op.actual for op in moves}
    for region in regions:
        region.expected = [i for i in region.expected if i not in moved_exp]
        region.actual = [j for j in region.actual if j not in moved_act]
    return moves


def _align_region(
    region: _Region, exp_coarse: Sequence[Hashable], act_coarse: Sequence[Hashable]
) -> list[_Op]:
    """Align a region by kind and action; pair in order within each block.

    Frames of another kind or action are paired only one for one (a frame that
    changed); otherwise they are missing and extra frames.
    """
    exp_keys = [exp_coarse[i] for i in region.expected]
    act_keys = [act_coarse[j] for j in region.actual]
    ops: list[_Op] = []
    for tag, e1, e2, a1, a2 in _opcodes(exp_keys, act_keys):
        pair = tag == "equal" or e2 - e1 == a2 - a1
        ops.extend(_pair_block(region, e1, e2, a1, a2, pair=pair))
    return ops


def _pair_block(region: _Region, e1: int, e2: int, a1: int, a2: int, *, pair: bool) -> list[_Op]:
    """Pair region items e1:e2 with a1:a2 in order; the rest are missing or extra."""
    exp, act = region.expected, region.actual
    common = min(e2 - e1, a2 - a1) if pair else 0
    ops = [_Op("pair", exp[e1 + k], act[a1 + k]) for k in range(common)]
    ops.extend(_Op("missing", exp[k], None) for k in range(e1 + common, e2))
    before = exp[e2] if e2 < len(exp) else region.end
    ops.extend(_Op("extra", before, act[k]) for k in range(a1 + common, a2))
    return ops


_Opcode: TypeAlias = tuple[str, int, int, int, int]


def _opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[_Opcode]:
    """difflib opcodes of `a` against `b`, kept fast on long sequences.

    difflib is quadratic on repetitive input (and frames repeat: one action, or
    the same content once noise is masked). The common ends are trimmed first;
    a middle larger than _MAX_ALIGN_CELLS is aligned as runs of equal keys.
    """
    n, m = len(a), len(b)
    head = 0
    while head < min(n, m) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(n, m) - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    ops: list[_Opcode] = [("equal", 0, head, 0, head)] if head else []
    middle_a, middle_b = list(a[head : n - tail]), list(b[head : m - tail])
    if middle_a and middle_b:
        middle: Sequence[_Opcode]
        if len(middle_a) * len(middle_b) <= _MAX_ALIGN_CELLS:
            middle = SequenceMatcher(None, middle_a, middle_b, autojunk=False).get_opcodes()
        else:
            middle = _run_opcodes(middle_a, middle_b)
        ops.extend(
            (tag, i1 + head, i2 + head, j1 + head, j2 + head) for tag, i1, i2, j1, j2 in middle
        )
    elif middle_a or middle_b:
        ops.append(("delete" if middle_a else "insert", head, n - tail, head, m - tail))
    if tail:
        ops.append(("equal", n - tail, n, m - tail, m))
    return ops


class _Run(NamedTuple):
    key: Hashable
    start: int
    stop: int


def _run_opcodes(a: list[Hashable], b: list[Hashable]) -> list[_Opcode]:
    """Opcodes computed over runs of equal keys; equal runs of unequal length leave a tail."""
    runs_a, runs_b = _runs(a), _runs(b)
    keys_a, keys_b = [run.key for run in runs_a], [run.key for run in runs_b]
    big = len(keys_a) * len(keys_b) > _MAX_ALIGN_CELLS
    ops: list[_Opcode] = []
    for tag, r1, r2, s1, s2 in SequenceMatcher(None, keys_a, keys_b, autojunk=big).get_opcodes():
        if tag != "equal":
            bounds = _run_start(runs_a, r1, len(a)), _run_start(runs_a, r2, len(a))
            ops.append(
                (tag, *bounds, _run_start(runs_b, s1, len(b)), _run_start(runs_b, s2, len(b)))
            )
            continue
        for left, right in zip(runs_a[r1:r2], runs_b[s1:s2], strict=True):
            common = min(left.stop - left.start, right.stop - right.start)
            ops.append(
                ("equal", left.start, left.start + common, right.start, right.start + common)
            )
            if left.start + common < left.stop:
                ops.append(("delete", left.start + common, left.stop, right.stop, right.stop))
            if right.start + common < right.stop:
                ops.append(("insert", left.stop, left.stop, right.start + common, right.stop))
    return ops


def _runs(keys: Sequence[Hashable]) -> list[_Run]:
    runs: list[_Run] = []
    for index, key in enumerate(keys):
        if runs and runs[-1].key == key:
            runs[-1] = runs[-1]._replace(stop=index + 1)
        else:
            runs.append(_Run(key, index, index + 1))
    return runs


def _run_start(runs: list[_Run], index: int, total: int) -> int:
    return runs[index].start if index < len(runs) else total


def _match_any(exp: list[_Prepared], act: list[_Prepared], rules: NoiseRules | None) -> list[_Op]:
    """Multiset matching: identical frames first, then the closest of the same kind and action."""
    waiting: dict[Hashable, deque[int]] = {}
    for j, frame in enumerate(act):
        waiting.setdefault(frame.content, deque()).append(j)
    pairs: dict[int, int] = {}
    for i, frame in enumerate(exp):
        queue = waiting.get(frame.content)
        if queue:
            pairs[i] = queue.popleft()
    taken = set(pairs.values())
    rest_exp = [i for i in range(len(exp)) if i not in pairs]
    rest_act = [j for j in range(len(act)) if j not in taken]
    pairs.update(_closest_pairs(rest_exp, rest_act, exp, act, rules))
    taken = set(pairs.values())
    ops = [
        _Op("pair", i, pairs[i]) if i in pairs else _Op("missing", i, None) for i in range(len(exp))
    ]
    ops.extend(_Op("extra", len(exp), j) for j in range(len(act)) if j not in taken)
    return ops


def _closest_pairs(
    rest_exp: list[int],
    rest_act: list[int],
    exp: list[_Prepared],
    act: list[_Prepared],
    rules: NoiseRules | None,
) -> dict[int, int]:
    """Pair the leftovers within each kind-and-action group, fewest differences first."""
    exp_groups: dict[Hashable, list[int]] = {}
    act_groups: dict[Hashable, list[int]] = {}
    for i in rest_exp:
        exp_groups.setdefault(exp[i].coarse, []).append(i)
    for j in rest_act:
        act_groups.setdefault(act[j].coarse, []).append(j)
    pairs: dict[int, int] = {}
    for coarse, group in exp_groups.items():
        pairs.update(_pair_group(group, act_groups.get(coarse, []), exp, act, rules))
    return pairs


def _pair_group(
    group_exp: list[int],
    group_act: list[int],
    exp: list[_Prepared],
    act: list[_Prepared],
    rules: NoiseRules | None,
) -> dict[int, int]:
    """Greedy: score every pair by its number of differences; too many pairs: in order."""
    if len(group_exp) * len(group_act) > _MAX_SCORED_PAIRS:
        return dict(zip(group_exp, group_act, strict=False))
    scored = sorted(
        (len(_frame_differences(exp[i], act[j], i, j, rules)), i, j)
        for i in group_exp
        for j in group_act
    )
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _count, i, j in scored:
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    return pairs
