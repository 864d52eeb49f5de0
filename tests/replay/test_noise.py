"""Noise rules: matchers, path patterns, parsing and round trips; proposing rules from runs."""

from __future__ import annotations

import copy
import json
import pickle
import uuid
from typing import Any

import pytest

from channels_replay.cassettes.model import ServerClose, ServerFrame
from channels_replay.errors import ConfigurationError
from channels_replay.replay._paths import JsonPath
from channels_replay.replay.diff import Frame, diff_frames
from channels_replay.replay.noise import NoiseRule, NoiseRules, is_datetime, is_uuid
from channels_replay.replay.proposals import ABSENT, NoiseLearner, propose_noise, propose_rules

UUID_1 = "0f8fad5b-d9cb-469f-a165-70867728950e"
UUID_2 = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
UUID_3 = "16fd2706-8baf-433b-82eb-8c7fada847da"
GOOD_RULE = "a good rule looks like 'chat_message:payload.items[*].id=uuid'"


def text(obj: Any) -> ServerFrame:
    return ServerFrame(seq=0, conn="c1", t=0.0, text=json.dumps(obj))


def chat(**payload: Any) -> ServerFrame:
    return text({"action": "chat_message", "payload": payload})


# ---- matchers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (UUID_1, True),
        (UUID_1.upper(), True),
        (UUID_1.replace("-", ""), True),
        ("00000000-0000-0000-0000-000000000000", True),
        ("0f8fad5bd9cb-469f-a165-70867728950e", False),
        (UUID_1[:-1] + "g", False),
        (UUID_1 + "0", False),
        ("{" + UUID_1 + "}", False),
        ("", False),
        (12345, False),
        (None, False),
    ],
)
def test_is_uuid(value: Any, expected: bool) -> None:
    assert is_uuid(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-01T10:00:00Z", True),
        ("2024-01-01T10:00:00.123456+02:00", True),
        ("2024-01-01 10:00", True),
        ("20240101T100000", True),
        ("2024-01-01T10:00:00z", True),
        ("2024-01-01", False),
        ("2024-13-01T10:00:00", False),
        ("yesterday", False),
        ("", False),
        (1_700_000_000, False),
        (None, False),
    ],
)
def test_is_datetime(value: Any, expected: bool) -> None:
    assert is_datetime(value) is expected


@pytest.mark.parametrize(
    ("matcher", "expected", "actual", "accepted"),
    [
        ("ignore", 1, "anything", True),
        ("any", 1, [1, 2], True),
        ("any", 1, None, True),
        ("type", 1, 2.5, True),
        ("type", "a", "b", True),
        ("type", None, None, True),
        ("type", 1, "1", False),
        ("type", True, 1, False),
        ("type", [1], {"a": 1}, False),
        ("uuid", "x", UUID_2, True),
        ("uuid", UUID_1, "x", False),
        ("datetime", "x", "2024-05-01T00:00:00Z", True),
        ("datetime", "2024-05-01T00:00:00Z", "2024-05-01", False),
        ("regex:[a-f0-9]{4}", "x", "ab12", True),
        ("regex:[a-f0-9]{4}", "x", "ab12x", False),
        ("regex:[a-f0-9]{4}", "x", "xab12", False),
        ("regex:\\d+", "1", 1234, False),
    ],
)
def test_matchers(matcher: str, expected: Any, actual: Any, accepted: bool) -> None:
    assert NoiseRule("payload.x", matcher).accepts(expected, actual) is accepted


@pytest.mark.parametrize(
    ("matcher", "expectation"),
    [
        ("any", "any value"),
        ("type", "a number"),
        ("uuid", "a UUID"),
        ("datetime", "a datetime"),
        ("regex:v\\d+", "a string matching /v\\d+/"),
    ],
)
def test_expectation_used_in_failure_lines(matcher: str, expectation: str) -> None:
    assert NoiseRule("x", matcher).expectation(3) == expectation


def test_each_matcher_failing_in_a_diff_names_the_rule() -> None:
    rules = NoiseRules.parse(
        ["a=type", "b=uuid", "c=datetime", "d=regex:v[0-9]+", "e=any", "f=ignore"]
    )
    expected = [text({"a": 1, "b": UUID_1, "c": "2024-01-01T00:00Z", "d": "v1", "e": 1, "f": 1})]
    actual = [text({"a": "1", "b": "no", "c": "soon", "d": "v1b", "e": None})]

    assert [d.describe() for d in diff_frames(expected, actual, rules=rules)] == [
        'changed a: expected a number (rule a=type), got "1" [frame #0]',
        'changed b: expected a UUID (rule b=uuid), got "no" [frame #0]',
        'changed c: expected a datetime (rule c=datetime), got "soon" [frame #0]',
        'changed d: expected a string matching /v[0-9]+/ (rule d=regex:v[0-9]+), got "v1b" '
        "[frame #0]",
    ]


# ---- path patterns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("payload.id", ("payload", "id"), True),
        ("payload.id", ("payload", "id", "x"), False),
        ("payload.id", ("payload",), False),
        ("payload.*.ts", ("payload", "a", "ts"), True),
        ("payload.*.ts", ("payload", 0, "ts"), False),
        ("payload.items[*].id", ("payload", "items", 3, "id"), True),
        ("payload.items[*].id", ("payload", "items", "3", "id"), False),
        ("payload.items[2].id", ("payload", "items", 2, "id"), True),
        ("payload.items[2].id", ("payload", "items", 3, "id"), False),
        ("**.created_at", ("created_at",), True),
        ("**.created_at", ("a", 1, "b", "created_at"), True),
        ("**.created_at", ("created_at", "x"), False),
        ("payload.**", ("payload",), True),
        ("payload.**", ("payload", "a", 1), True),
        ("payload.**", ("other",), False),
        ("a.**.b.**.c", ("a", "x", "b", "y", "z", "c"), True),
        ("a.**.b.**.c", ("a", "b", "c"), True),
        ("a.**.b.**.c", ("a", "c"), False),
        ("a.**.**.c", ("a", "c"), True),
        ('["a b"].c', ("a b", "c"), True),
        ("[0]", (0,), True),
        ("[0]", ("0",), False),
    ],
)
def test_path_patterns(pattern: str, path: JsonPath, matches: bool) -> None:
    assert NoiseRule(pattern).matches_path(path) is matches


def test_patterns_are_stored_in_canonical_form() -> None:
    rule = NoiseRule.parse('payload["items"][*]["id"]=UUID')

    assert rule == NoiseRule("payload.items[*].id", "uuid")
    assert rule.path == "payload.items[*].id"
    assert NoiseRule("payload.content-type").path == 'payload["content-type"]'
    assert NoiseRule('payload["*"]').path == 'payload["*"]'
    assert NoiseRule("a.**.**.b").path == "a.**.b"


# ---- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "matcher", "action"),
    [
        ("payload.ts", "payload.ts", "ignore", None),
        ("payload.ts=datetime", "payload.ts", "datetime", None),
        ("chat_message:payload.items[*].id=uuid", "payload.items[*].id", "uuid", "chat_message"),
        ("chat_message:payload.ts", "payload.ts", "ignore", "chat_message"),
        (" chat : payload.ts = DATETIME ", "payload.ts", "datetime", "chat"),
        ("payload.code=regex:[A-Z]{3}=\\d+", "payload.code", "regex:[A-Z]{3}=\\d+", None),
        ("payload.x=regex:a:b", "payload.x", "regex:a:b", None),
        ("chat.v2:payload.x=any", "payload.x", "any", "chat.v2"),
        ('payload["a:b=c"].x=type', 'payload["a:b=c"].x', "type", None),
        ('act:payload["q\\"t"]=any', 'payload["q\\"t"]', "any", "act"),
        ("**.created_at=datetime", "**.created_at", "datetime", None),
    ],
)
def test_parse_good_rules(text: str, path: str, matcher: str, action: str | None) -> None:
    rule = NoiseRule.parse(text)

    assert (rule.path, rule.matcher, rule.action) == (path, matcher, action)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the rule is empty"),
        ("payload..ts=uuid", "empty key at position 8 of 'payload..ts'"),
        ("payload.ts.=uuid", "empty key at position 11 of 'payload.ts.'"),
        (".payload", "the path '.payload' starts with '.'"),
        (
            "payload.ts=uuidv4",
            "unknown matcher 'uuidv4'; use one of ignore, any, type, uuid, datetime, "
            "regex:<pattern>",
        ),
        ("payload.ts_*", "'ts_*': a wildcard stands for a whole key ('*', or '**' for any depth)"),
        (":payload.ts", "nothing before ':'; write the action there, or leave out the ':'"),
        ("payload.ts=", "nothing after '='; name a matcher"),
        (
            "payload.ts=regex:(",
            "the regex '(' does not compile: missing ), unterminated subpattern",
        ),
        ("payload.ts=regex:", "'regex:' needs a pattern after it, e.g. regex:[0-9a-f]{8}"),
        ("payload[x]", "'[x' at position 7 of 'payload[x]': inside [...] put a list index"),
        ('payload["a', "unterminated quoted key at position 8"),
        ("payload[1", "missing ']' at position 9 of 'payload[1'"),
        ("payload[0]x", "expected '.' or '[' at position 10 of 'payload[0]x'"),
        ("payload.a b", """key 'a b' holds ' '; quote such keys, e.g. payload["a b"]"""),
        ("=uuid", "the path is empty"),
    ],
)
def test_parse_bad_rules(text: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        NoiseRule.parse(text)

    message = str(caught.value)
    assert message.startswith(f"bad noise rule {text!r}: {problem}")
    assert message.endswith(GOOD_RULE)


def test_bad_rule_message_in_full() -> None:
    with pytest.raises(ConfigurationError) as caught:
        NoiseRule.parse("payload.ts=uuidv4")

    assert str(caught.value) == (
        "bad noise rule 'payload.ts=uuidv4': unknown matcher 'uuidv4'; use one of ignore, any, "
        "type, uuid, datetime, regex:<pattern>; a good rule looks like "
        "'chat_message:payload.items[*].id=uuid'"
    )


def test_constructing_a_bad_rule_directly_raises_too() -> None:
    with pytest.raises(ConfigurationError) as caught:
        NoiseRule("x", "uuid", action="a:")
    assert str(caught.value) == (
        "bad noise rule 'a::x=uuid': the action 'a:' holds ':'; a rule's action cannot; "
        "a good rule looks like 'chat_message:payload.items[*].id=uuid'"
    )
    with pytest.raises(ConfigurationError, match=r"^bad noise rule 'a\.\.b=ignore': empty key"):
        NoiseRule("a..b")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"matcher": "uuid"}, "'path' is missing"),
        ({"path": "a", "scope": "x", "when": 1}, "unknown key(s) scope, when"),
        ({"path": 1}, "the path must be a string, not 1"),
        ({"path": "a", "matcher": None}, "the matcher must be a string, not None"),
        ({"path": "a", "action": ""}, "the action must be a non-empty string, not ''"),
        ({"path": "a", "matcher": "nope"}, "unknown matcher 'nope'"),
        ("a=uuid", "a stored rule is a dict, not str"),
    ],
)
def test_bad_stored_rules(data: Any, problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        NoiseRule.from_dict(data)

    message = str(caught.value)
    assert message.startswith(f"bad noise rule {data!r}: {problem}")
    assert message.endswith(
        "a good rule looks like "
        "{'path': 'payload.ts', 'matcher': 'datetime', 'action': 'chat_message'}"
    )


ROUND_TRIP = [
    NoiseRule("payload.ts"),
    NoiseRule("payload.ts", "datetime", "chat_message"),
    NoiseRule("**.id", "uuid"),
    NoiseRule('payload["a b"][*].x', "regex:[a-z]+=\\d", "act"),
    NoiseRule("[0].n", "type"),
]


@pytest.mark.parametrize("rule", ROUND_TRIP, ids=str)
def test_round_trip_through_strings_and_dicts(rule: NoiseRule) -> None:
    assert NoiseRule.parse(rule.to_string()) == rule
    assert NoiseRule.from_dict(rule.to_dict()) == rule


def test_dict_and_string_forms() -> None:
    rule = NoiseRule("payload.ts", "datetime", "chat_message")

    assert rule.to_dict() == {"path": "payload.ts", "matcher": "datetime", "action": "chat_message"}
    assert NoiseRule("payload.ts").to_dict() == {"path": "payload.ts", "matcher": "ignore"}
    assert str(rule) == "chat_message:payload.ts=datetime"
    assert NoiseRule.from_dict({"path": "payload.ts"}) == NoiseRule("payload.ts", "ignore")


def test_rules_pickle_and_copy() -> None:
    rule = NoiseRule("payload.v", "regex:v\\d+", "act")

    restored = pickle.loads(pickle.dumps(rule))

    assert restored == rule
    assert restored.accepts(None, "v12") is True
    assert copy.deepcopy(rule).accepts(None, "x") is False


def test_collections_round_trip() -> None:
    rules = NoiseRules(ROUND_TRIP)

    assert NoiseRules.from_dicts(rules.to_dicts()) == rules
    assert NoiseRules.parse(rules.to_strings()) == rules


# ---- describe ------------------------------------------------------------------------------


def test_rules_describe_themselves_for_reports() -> None:
    rules = NoiseRules(
        [
            NoiseRule("payload.debug"),
            NoiseRule("payload.nonce", "any"),
            NoiseRule("payload.n", "type"),
            NoiseRule("payload.items[*].id", "uuid", "chat_message"),
            NoiseRule("**.ts", "datetime"),
            NoiseRule("payload.v", "regex:v\\d+"),
        ]
    )

    assert rules.describe() == [
        "payload.debug=ignore: payload.debug is not compared (every frame)",
        "payload.nonce=any: payload.nonce must be present, any value (every frame)",
        "payload.n=type: payload.n must keep its JSON type (every frame)",
        "chat_message:payload.items[*].id=uuid: payload.items[*].id must be a UUID "
        '(frames with action "chat_message")',
        "**.ts=datetime: **.ts must be a datetime (every frame)",
        "payload.v=regex:v\\d+: payload.v must be a string matching /v\\d+/ (every frame)",
    ]


# ---- the collection ------------------------------------------------------------------------


def test_rules_are_deduplicated_and_keep_their_order() -> None:
    rules = NoiseRules.parse(["b=uuid", "a", "a=IGNORE", '["b"]=uuid', "c=any"])

    assert rules.to_strings() == ["b=uuid", "a=ignore", "c=any"]
    assert len(rules) == 3
    assert NoiseRule("c", "any") in rules
    assert repr(rules) == "NoiseRules(['b=uuid', 'a=ignore', 'c=any'])"


def test_match_first_rule_wins_and_honours_the_action() -> None:
    rules = NoiseRules.parse(["chat:payload.ts=datetime", "**.ts=type", "payload.id=uuid"])

    assert rules.match(("payload", "ts"), "chat") == NoiseRule("payload.ts", "datetime", "chat")
    assert rules.match(["payload", "ts"], "other") == NoiseRule("**.ts", "type")
    assert rules.match(("payload", "ts")) == NoiseRule("**.ts", "type")
    assert rules.match(("payload", "id"), "chat") == NoiseRule("payload.id", "uuid")
    assert rules.match(("payload", "name"), "chat") is None


def test_rules_in_force_are_worked_out_once_per_action() -> None:
    rules = NoiseRules.parse(["chat:a", "b"])

    first = rules.for_action("chat")

    assert first == (NoiseRule("a", action="chat"), NoiseRule("b"))
    assert rules.for_action("chat") is first
    assert rules.for_action(None) == (NoiseRule("b"),)


def test_merged_keeps_order_and_drops_duplicates() -> None:
    stored = NoiseRules.parse(["a=uuid", "b"])

    merged = stored.merged(NoiseRules.parse(["b", "c=any"]))

    assert merged.to_strings() == ["a=uuid", "b=ignore", "c=any"]
    assert stored.to_strings() == ["a=uuid", "b=ignore"]


def test_empty_collection_is_falsy() -> None:
    assert not NoiseRules()
    assert NoiseRules.parse(["a"])


def test_collection_holds_rules_only() -> None:
    with pytest.raises(TypeError, match=r"use NoiseRules\.parse for strings"):
        NoiseRules(["payload.ts=datetime"])  # type: ignore[list-item]


# ---- proposing rules -----------------------------------------------------------------------

T0, T1, T2 = "2024-01-01T10:00:00Z", "2024-01-02T11:30:00.5+00:00", "2024-01-02T11:30:07.25+00:00"
NOT_ALIGNED = "could not be learned because the frames are not aligned"


def uid(number: int) -> str:
    return str(uuid.UUID(int=number))


def test_a_timestamp_that_changes_on_every_run_proposes_datetime() -> None:
    recorded = [chat(text="hi", ts=T0)]
    runs = [[chat(text="hi", ts=T1)], [chat(text="hi", ts=T2)]]

    found = propose_noise(recorded, runs)

    (proposal,) = found.proposed
    assert proposal.rule == NoiseRule("payload.ts", "datetime", "chat_message")
    assert proposal.examples == ((T0, T1, T2),)
    assert (proposal.frames, proposal.steps, proposal.seen) == (1, 1, 1)
    assert found.notes() == []
    assert found.rules == propose_rules(recorded, runs) == [proposal.rule]


def test_a_random_id_proposes_uuid() -> None:
    recorded = [text({"action": "created", "id": UUID_1})]
    runs = [
        [text({"action": "created", "id": UUID_2})],
        [text({"action": "created", "id": UUID_3})],
    ]

    assert propose_rules(recorded, runs) == [NoiseRule("id", "uuid", "created")]


def test_a_counter_that_differs_between_runs_proposes_type() -> None:
    recorded = [text({"action": "roll", "payload": {"value": 4, "sides": 6}})]
    runs = [
        [text({"action": "roll", "payload": {"value": 2, "sides": 6}})],
        [text({"action": "roll", "payload": {"value": 5, "sides": 6}})],
    ]

    assert propose_rules(recorded, runs) == [NoiseRule("payload.value", "type", "roll")]


def test_one_run_may_agree_with_the_recording_while_another_differs() -> None:
    recorded = [chat(n=1)]

    assert propose_rules(recorded, [[chat(n=1)], [chat(n=3)]]) == [
        NoiseRule("payload.n", "type", "chat_message")
    ]


def test_a_value_that_differs_from_the_recording_but_not_between_runs_is_not_noise() -> None:
    recorded = [text({"action": "roll", "payload": {"value": 4}})]
    runs = [[text({"action": "roll", "payload": {"value": 2}})]] * 2

    found = propose_noise(recorded, runs)

    assert found.proposed == ()
    (stable,) = found.stable
    assert (stable.action, stable.path, stable.recorded, stable.actual) == (
        "roll",
        "payload.value",
        4,
        2,
    )
    assert (stable.frames, stable.steps) == (1, 1)
    assert found.notes() == [
        "roll:payload.value: recorded 4, 2 in every replay (1 frame): differs from the "
        "recording but is stable across runs: not noise, re-record or --update"
    ]


def test_a_changed_message_content_gets_no_rule_while_its_timestamp_does() -> None:
    def member(content: str, ts: str) -> ServerFrame:
        return text({"action": "member_message", "payload": {"content": content, "ts": ts}})

    recorded = [member("hello", T0)]
    runs = [[member("HELLO", T1)], [member("HELLO", T2)]]

    found = propose_noise(recorded, runs)

    assert found.rules == [NoiseRule("payload.ts", "datetime", "member_message")]
    assert [(s.action, s.path, s.recorded, s.actual) for s in found.stable] == [
        ("member_message", "payload.content", "hello", "HELLO")
    ]
    assert "is stable across runs" in found.notes()[0]


def test_a_changed_type_the_same_in_every_run_is_not_noise_either() -> None:
    found = propose_noise([chat(n=1, ts=T0)], [[chat(n="1", ts=T1)], [chat(n="1", ts=T2)]])

    assert found.rules == [NoiseRule("payload.ts", "datetime", "chat_message")]
    assert [(s.path, s.recorded, s.actual) for s in found.stable] == [("payload.n", 1, "1")]


TS_RULE = NoiseRule("payload.ts", "datetime", "chat_message")


@pytest.mark.parametrize(
    ("runs", "rules", "unaligned"),
    [
        pytest.param(
            [[chat(n=1, ts=T1), chat(n=2, ts=T1)], [chat(n=2, ts=T2)]],
            [],
            2,
            id="missing frame",
        ),
        pytest.param(
            [
                [chat(n=1, ts=T1), chat(n=2, ts=T1)],
                [chat(n=1, ts=T2), chat(n=2, ts=T2), chat(n=3, ts=T2)],
            ],
            [],
            3,
            id="extra frame",
        ),
        pytest.param(
            [
                [chat(n=1, ts=T1), chat(n=2, ts=T1)],
                [chat(n=1, ts=T2), text({"action": "error", "payload": {"n": 2, "ts": T2}})],
            ],
            [],
            3,
            id="another action",
        ),
        pytest.param(
            [[chat(n=1, ts=T1), chat(n=2, ts=T1)], [chat(n=1, ts=T2), chat(n=[2], ts=T2)]],
            [TS_RULE],
            1,
            id="another structure in one frame",
        ),
        pytest.param(
            [[chat(n=1, ts=T1), chat(ts=T1)], [chat(n=1, ts=T2), chat(ts=T2)]],
            [TS_RULE],
            1,
            id="a key gone in every run",
        ),
    ],
)
def test_frames_that_do_not_line_up_propose_nothing(
    runs: list[list[ServerFrame]], rules: list[NoiseRule], unaligned: int
) -> None:
    recorded = [chat(n=1, ts=T0), chat(n=2, ts=T0)]

    found = propose_noise(recorded, runs)

    assert (found.rules, found.unaligned) == (rules, unaligned)
    assert found.notes() == [
        f"{unaligned} difference{'s' if unaligned > 1 else ''} {NOT_ALIGNED} (missing, extra, "
        "or of another action, structure or place): a real difference or a flaky order, "
        "replay to see it"
    ]


def test_a_flaky_order_of_alike_frames_is_not_learned() -> None:
    recorded = [chat(user="ann", text="hi", ts=T0), chat(user="bob", text="yo", ts=T0)]
    runs = [
        [chat(user="ann", text="hi", ts=T1), chat(user="bob", text="yo", ts=T1)],
        [chat(user="bob", text="yo", ts=T2), chat(user="ann", text="hi", ts=T2)],
    ]

    found = propose_noise(recorded, runs)

    assert (found.rules, found.unaligned) == ([], 2)


def test_a_frame_that_came_in_another_step_is_not_learned() -> None:
    learner = NoiseLearner(2)
    learner.add([chat(text="one", ts=T0)], [[chat(text="one", ts=T1)], [chat(text="two", ts=T2)]])
    learner.add(
        [chat(text="two", ts=T0)], [[chat(text="two", ts=T1)], [chat(text="one", ts=T2)]], step=1
    )

    found = learner.proposals()

    assert (found.rules, found.unaligned) == ([], 2)


def test_rules_are_learned_across_steps_and_connections() -> None:
    learner = NoiseLearner(2)
    for step, words in enumerate(["one", "two"]):
        for conn in ("c1", "c2"):
            recorded = [text({"action": "complete"}), chat(text=words, ts=T0)]
            runs = [[text({"action": "complete"}), chat(text=words, ts=ts)] for ts in (T1, T2)]
            learner.add(recorded, runs, step=step, conn=conn)
    learner.add([chat(text="three", ts=T0)], [None, [chat(text="three", ts=T2)]], step=2)

    found = learner.proposals()

    (proposal,) = found.proposed
    assert proposal.rule == TS_RULE
    assert (proposal.frames, proposal.steps, proposal.seen) == (5, 3, 4)
    assert proposal.examples == ((T0, T1, T2),)
    assert found.unaligned == 1


def test_propose_any_where_types_differ_across_runs() -> None:
    recorded = [chat(score=1)]

    assert propose_rules(recorded, [[chat(score=None)], [chat(score=3)]]) == [
        NoiseRule("payload.score", "any", "chat_message")
    ]


def test_values_of_every_run_decide_the_matcher() -> None:
    recorded = [chat(at=T0)]
    runs = [[chat(at=T1)], [chat(at="n/a")]]

    assert propose_rules(recorded, runs) == [NoiseRule("payload.at", "type", "chat_message")]


def test_the_recorded_value_decides_the_matcher_too() -> None:
    assert propose_rules([chat(id=None)], [[chat(id=UUID_1)], [chat(id=UUID_2)]]) == [
        NoiseRule("payload.id", "any", "chat_message")
    ]


def test_propose_a_wildcard_index_when_the_field_recurs_in_list_items() -> None:
    recorded = [chat(items=[{"id": uid(1), "n": 1}, {"id": uid(2), "n": 2}])]
    runs = [
        [chat(items=[{"id": uid(3), "n": 1}, {"id": uid(4), "n": 2}])],
        [chat(items=[{"id": uid(5), "n": 1}, {"id": uid(6), "n": 2}])],
    ]

    found = propose_noise(recorded, runs)

    assert found.rules == [NoiseRule("payload.items[*].id", "uuid", "chat_message")]
    assert found.proposed[0].examples == ((uid(1), uid(3), uid(5)), (uid(2), uid(4), uid(6)))


def test_propose_a_concrete_index_when_one_item_differs() -> None:
    recorded = [chat(items=[{"id": 1}, {"id": 2}])]
    runs = [[chat(items=[{"id": 1}, {"id": 7}])], [chat(items=[{"id": 1}, {"id": 8}])]]

    assert propose_rules(recorded, runs) == [
        NoiseRule("payload.items[1].id", "type", "chat_message")
    ]


def test_a_wildcard_that_would_hide_a_stable_change_stays_concrete() -> None:
    recorded = [chat(items=[{"n": "a"}, {"n": 1}, {"n": 2}])]
    runs = [
        [chat(items=[{"n": "b"}, {"n": 5}, {"n": 6}])],
        [chat(items=[{"n": "b"}, {"n": 7}, {"n": 8}])],
    ]

    found = propose_noise(recorded, runs)

    assert found.rules == [
        NoiseRule("payload.items[1].n", "type", "chat_message"),
        NoiseRule("payload.items[2].n", "type", "chat_message"),
    ]
    assert [s.path for s in found.stable] == ["payload.items[0].n"]


def test_a_rule_that_would_hide_a_stable_change_elsewhere_is_withheld() -> None:
    def message(number: int, content: str) -> ServerFrame:
        return text({"action": "m", "payload": {"id": number, "content": content}})

    recorded = [message(1, "hello"), message(2, "x")]
    runs = [[message(1, "HELLO"), message(2, "y")], [message(1, "HELLO"), message(2, "z")]]

    found = propose_noise(recorded, runs)

    assert found.proposed == ()
    assert found.withheld == (NoiseRule("payload.content", "type", "m"),)
    assert found.notes()[1] == (
        "m:payload.content=type is not proposed: it would also hide a difference that is "
        "stable across runs"
    )


def test_propose_ignore_for_a_key_that_comes_and_goes_between_runs() -> None:
    recorded = [chat(text="hi", trace="abc")]
    runs = [[chat(text="hi")], [chat(text="hi", trace="def")]]

    found = propose_noise(recorded, runs)

    assert found.rules == [NoiseRule("payload.trace", "ignore", "chat_message")]
    assert found.proposed[0].examples == (("abc", ABSENT, "def"),)
    assert 'hides: recorded "abc"; replays (absent), "def"' in found.proposed[0].describe()[1]


def test_a_key_that_comes_and_goes_may_hold_an_object() -> None:
    recorded = [chat(text="hi", debug={"took": 3})]
    runs = [[chat(text="hi", debug={"took": 5})], [chat(text="hi")]]

    (proposal,) = propose_noise(recorded, runs).proposed

    assert proposal.rule == NoiseRule("payload.debug", "ignore", "chat_message")
    assert proposal.examples == (({"took": 3}, {"took": 5}, ABSENT),)
    assert proposal.describe()[1] == '  hides: recorded {"took":3}; replays {"took":5}, (absent)'


def test_propose_global_rules_for_frames_without_action() -> None:
    recorded = [text({"ts": T0})]

    assert propose_rules(recorded, [[text({"ts": T1})], [text({"ts": T2})]]) == [
        NoiseRule("ts", "datetime")
    ]


def test_propose_nothing_for_identical_runs() -> None:
    recorded = [chat(n=1)]

    found = propose_noise(recorded, [[chat(n=1)], [chat(n=1)]])

    assert (found.proposed, found.stable, found.unaligned, found.uncovered) == ((), (), 0, 0)
    assert found.notes() == []


@pytest.mark.parametrize("count", [0, 1])
def test_learning_needs_at_least_two_runs(count: int) -> None:
    with pytest.raises(ConfigurationError, match=r"at least 2 replays .*, not " + str(count)):
        propose_noise([chat(n=1)], [[chat(n=2)]] * count)


def test_paths_known_rules_cover_are_left_alone() -> None:
    recorded = [chat(id=UUID_1, ts=T0, n=[1])]
    runs = [[chat(id=UUID_2, ts=T1, n=[2, 3])], [chat(id=UUID_3, ts=T2)]]
    known = NoiseRules.parse(["chat_message:payload.id=uuid", "payload.n"])

    assert propose_rules(recorded, runs, known=known) == [TS_RULE]
    assert propose_rules(recorded, runs, known=[*known, NoiseRule("**.ts", "datetime")]) == []


def test_differences_no_rule_can_name_are_counted() -> None:
    recorded = [
        ServerFrame(seq=0, conn="c1", t=0.0, text="tick 1"),
        text(5),
        text({"action": "a:b", "n": 1}),
    ]
    runs = [
        [
            ServerFrame(seq=0, conn="c1", t=0.0, text=f"tick {n}"),
            text(n),
            text({"action": "a:b", "n": n}),
        ]
        for n in (2, 3)
    ]

    found = propose_noise(recorded, runs)

    assert (found.proposed, found.uncovered) == ((), 3)
    assert found.notes() == [
        "3 differences between the replays cannot be covered by a rule (not in a JSON object or "
        "array, or an action a rule cannot name)"
    ]


def test_a_stable_change_of_a_frame_that_is_not_json_is_reported() -> None:
    recorded: list[Frame] = [ServerClose(seq=0, conn="c1", t=0.0, code=1000)]
    runs: list[list[Frame]] = [[ServerClose(seq=0, conn="c1", t=0.0, code=4001)]] * 2

    found = propose_noise(recorded, runs)

    (stable,) = found.stable
    assert (stable.action, stable.path, stable.frames) == (None, "", 1)
    assert found.notes()[0].startswith(
        "a whole frame: recorded <close 1000>, <close 4001> in every"
    )


def test_a_proposal_describes_what_it_hides() -> None:
    recorded = [chat(id=uid(1)), chat(id=uid(2))]
    runs = [[chat(id=uid(3)), chat(id=uid(4))], [chat(id=uid(5)), chat(id=uid(6))]]

    (proposal,) = propose_noise(recorded, runs).proposed

    assert proposal.describe() == [
        "chat_message:payload.id=uuid: payload.id must be a UUID "
        '(frames with action "chat_message")',
        f'  hides: recorded "{uid(1)}"; replays "{uid(3)}", "{uid(5)}"',
        f'  hides: recorded "{uid(2)}"; replays "{uid(4)}", "{uid(6)}"',
        "  applies to 2 frames in 1 step; differed between the replays in 2",
    ]


def test_a_value_that_another_frame_nearby_has_casts_doubt_on_the_pairing() -> None:
    recorded = [chat(id=UUID_1), chat(id=UUID_2)]
    runs = [[chat(id=UUID_2), chat(id=UUID_3)], [chat(id=UUID_3), chat(id=UUID_1)]]

    found = propose_noise(recorded, runs)

    assert (found.rules, found.unaligned) == ([], 2)


def test_long_values_are_abbreviated_in_what_a_rule_hides() -> None:
    recorded = [chat(token="a" * 60)]
    runs = [[chat(token="b" * 60)], [chat(token="c" * 60)]]

    (proposal,) = propose_noise(recorded, runs).proposed

    assert proposal.describe()[1] == (
        f'  hides: recorded "{"a" * 36}...; replays "{"b" * 36}..., "{"c" * 36}...'
    )


def test_proposed_rules_are_sorted_deduplicated_and_make_the_runs_pass() -> None:
    recorded = [
        text({"action": "b", "id": UUID_1, "ts": "2024-01-01T00:00Z"}),
        chat(id=UUID_1, n=1),
        text({"action": "a", "seq": 1}),
    ]
    runs = [
        [
            text({"action": "b", "id": UUID_2, "ts": "2024-01-01T00:01Z"}),
            chat(id=UUID_2, n=1),
            text({"action": "a", "seq": 8}),
        ],
        [
            text({"action": "b", "id": UUID_3, "ts": "2024-01-01T00:02Z"}),
            chat(id=UUID_3, n=1),
            text({"action": "a", "seq": 9}),
        ],
    ]

    proposed = propose_rules(recorded, runs)

    assert [rule.to_string() for rule in proposed] == [
        "a:seq=type",
        "b:id=uuid",
        "b:ts=datetime",
        "chat_message:payload.id=uuid",
    ]
    for run in runs:
        assert diff_frames(recorded, run, rules=NoiseRules(proposed)) == []
