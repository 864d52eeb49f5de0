"""The diff of one step's server frames: alignment, structural JSON compare, describe()."""

from __future__ import annotations

import json
from typing import Any

import pytest

from channels_replay.cassettes.model import AcceptEvent, ServerClose, ServerFrame
from channels_replay.errors import ConfigurationError
from channels_replay.replay.diff import Difference, Frame, diff_frames
from channels_replay.replay.noise import NoiseRule, NoiseRules


def text(obj: Any, *, seq: int = 0, conn: str = "c1", t: float = 0.0) -> ServerFrame:
    return ServerFrame(seq=seq, conn=conn, t=t, text=json.dumps(obj))


def raw(body: str) -> ServerFrame:
    return ServerFrame(seq=0, conn="c1", t=0.0, text=body)


def binary(data: bytes) -> ServerFrame:
    return ServerFrame(seq=0, conn="c1", t=0.0, data=data)


def close(code: int = 1000, reason: str | None = None) -> ServerClose:
    return ServerClose(seq=0, conn="c1", t=0.0, code=code, reason=reason)


def accept(subprotocol: str | None = None) -> AcceptEvent:
    return AcceptEvent(seq=0, conn="c1", t=0.0, subprotocol=subprotocol)


def chat(n: int, **payload: Any) -> ServerFrame:
    return text({"action": "chat_message", "payload": {"n": n, **payload}})


def lines(differences: list[Difference]) -> list[str]:
    return [difference.describe() for difference in differences]


# ---- equal ---------------------------------------------------------------------------------


def test_identical_frames_give_no_difference() -> None:
    frames: list[Frame] = [accept("chat"), chat(1), binary(b"\x00\x01"), raw("pong"), close(4000)]
    assert diff_frames(frames, list(frames)) == []


def test_seq_t_and_conn_are_not_compared() -> None:
    expected = [text({"action": "a"}, seq=1, conn="c1", t=0.5)]
    actual = [text({"action": "a"}, seq=9, conn="c7", t=3.0)]
    assert diff_frames(expected, actual) == []


def test_json_key_order_and_spacing_do_not_matter() -> None:
    expected = [raw('{"action": "a", "payload": {"x": 1, "y": [1, 2]}}')]
    actual = [raw('{"payload":{"y":[1,2],"x":1},"action":"a"}')]
    assert diff_frames(expected, actual) == []


def test_empty_steps_agree() -> None:
    assert diff_frames([], []) == []


# ---- JSON values ---------------------------------------------------------------------------


def test_changed_value_has_its_exact_path_through_a_list() -> None:
    items = [{"name": "fig"}, {"name": "kiwi"}, {"name": "apple"}]
    expected = [text({"action": "cart", "payload": {"items": items}})]
    changed = [*items[:2], {"name": "pear"}]
    actual = [text({"action": "cart", "payload": {"items": changed}})]

    assert diff_frames(expected, actual) == [
        Difference(
            kind="changed",
            path="payload.items[2].name",
            expected="apple",
            actual="pear",
            expected_index=0,
            actual_index=0,
            frame_action="cart",
            path_parts=("payload", "items", 2, "name"),
        )
    ]
    assert lines(diff_frames(expected, actual)) == [
        'changed payload.items[2].name: expected "apple", got "pear" [frame #0 cart]'
    ]


def test_renamed_key_is_a_missing_and_an_extra_key() -> None:
    expected = [text({"action": "user", "payload": {"user_name": "ann", "age": 3}})]
    actual = [text({"action": "user", "payload": {"username": "ann", "age": 3}})]

    found = diff_frames(expected, actual)

    assert [(d.kind, d.path, d.expected, d.actual) for d in found] == [
        ("missing", "payload.user_name", "ann", None),
        ("extra", "payload.username", None, "ann"),
    ]
    assert lines(found) == [
        'missing key payload.user_name: expected "ann" [frame #0 user]',
        'extra key payload.username: got "ann" [frame #0 user]',
    ]


def test_keys_that_are_not_identifiers_are_quoted_in_paths() -> None:
    expected = [text({"payload": {"a b": {"1": True}, "x-y": [0]}})]
    actual = [text({"payload": {"a b": {"1": False}, "x-y": [1]}})]

    assert [d.path for d in diff_frames(expected, actual)] == [
        'payload["a b"]["1"]',
        'payload["x-y"][0]',
    ]


def test_type_change_is_named() -> None:
    expected = [text({"action": "a", "count": 1, "flag": True})]
    actual = [text({"action": "a", "count": "1", "flag": 1})]

    assert lines(diff_frames(expected, actual)) == [
        'changed count: expected 1, got "1" (type changed from number to string) [frame #0 a]',
        "changed flag: expected true, got 1 (type changed from boolean to number) [frame #0 a]",
    ]


def test_int_and_float_of_equal_value_are_equal() -> None:
    assert diff_frames([raw('{"n": 1}')], [raw('{"n": 1.0}')]) == []


def test_inserted_list_item_is_one_extra_item() -> None:
    expected = [text({"action": "l", "items": [{"id": 1}, {"id": 2}, {"id": 3}]})]
    actual = [text({"action": "l", "items": [{"id": 1}, {"id": 9}, {"id": 2}, {"id": 3}]})]

    assert lines(diff_frames(expected, actual)) == [
        'extra item items[1]: got {"id":9} [frame #0 l]'
    ]


def test_shorter_list_is_a_missing_item() -> None:
    expected = [text({"items": ["a", "b", "c"]})]
    actual = [text({"items": ["a", "c"]})]

    found = diff_frames(expected, actual)

    assert [(d.kind, d.path, d.expected) for d in found] == [("missing", "items[1]", "b")]
    assert lines(found) == ['missing item items[1]: expected "b" [frame #0]']


# ---- whole frames --------------------------------------------------------------------------


def test_missing_frame() -> None:
    expected = [chat(1), chat(2), chat(3)]
    actual = [chat(1), chat(3)]

    assert diff_frames(expected, actual) == [
        Difference(
            kind="missing",
            expected={"action": "chat_message", "payload": {"n": 2}},
            expected_index=1,
            frame_action="chat_message",
        )
    ]
    assert lines(diff_frames(expected, actual)) == [
        'missing frame #1 {"action":"chat_message","payload":{"n":2}}'
    ]


def test_extra_frame() -> None:
    expected = [chat(1), chat(2)]
    actual = [chat(1), chat(2), text({"action": "typing"})]

    found = diff_frames(expected, actual)

    assert found == [
        Difference(
            kind="extra",
            actual={"action": "typing"},
            actual_index=2,
            frame_action="typing",
        )
    ]
    assert lines(found) == ['extra frame #2 {"action":"typing"}']


def test_extra_frame_and_a_changed_one_are_told_apart() -> None:
    expected = [chat(1), chat(2), chat(3)]
    actual = [chat(1), chat(-2), chat(99), chat(3)]

    assert lines(diff_frames(expected, actual)) == [
        "changed payload.n: expected 2, got -2 [frame #1 chat_message]",
        'extra frame #2 {"action":"chat_message","payload":{"n":99}}',
    ]


def test_one_inserted_frame_among_200_is_exactly_one_extra() -> None:
    expected = [chat(n) for n in range(200)]
    actual = [*expected[:120], chat(-1, note="new"), *expected[120:]]

    assert diff_frames(expected, actual) == [
        Difference(
            kind="extra",
            actual={"action": "chat_message", "payload": {"n": -1, "note": "new"}},
            actual_index=120,
            frame_action="chat_message",
        )
    ]


def test_frame_of_another_action_is_missing_and_extra_unless_one_for_one() -> None:
    expected = [text({"action": "x"}), chat(1)]
    actual = [text({"action": "z"})]

    assert lines(diff_frames(expected, actual)) == [
        'missing frame #0 {"action":"x"}',
        'missing frame #1 {"action":"chat_message","payload":{"n":1}}',
        'extra frame #0 {"action":"z"}',
    ]
    assert lines(diff_frames([text({"action": "x"})], [text({"action": "z"})])) == [
        'changed action: expected "x", got "z" [frame #0 x]'
    ]


# ---- order ---------------------------------------------------------------------------------


def test_swapped_frames_are_one_order_difference_in_strict_mode() -> None:
    expected = [text({"action": "a"}), text({"action": "b"}), text({"action": "c"})]
    actual = [expected[0], expected[2], expected[1]]

    found = diff_frames(expected, actual)

    assert found == [
        Difference(
            kind="order",
            expected={"action": "c"},
            actual={"action": "c"},
            expected_index=2,
            actual_index=1,
            frame_action="c",
        )
    ]
    assert lines(found) == ['order changed: frame #2 {"action":"c"} came as #1']


def test_swapped_frames_agree_with_any_ordering() -> None:
    expected = [text({"action": "a"}), text({"action": "b"}), text({"action": "c"})]
    actual = [expected[2], expected[0], expected[1]]

    assert diff_frames(expected, actual, ordering="any") == []


def test_any_ordering_pairs_the_closest_frames() -> None:
    expected = [chat(1, room="r1"), chat(2, room="r2")]
    actual = [chat(2, room="r9"), chat(1, room="r1")]

    assert lines(diff_frames(expected, actual, ordering="any")) == [
        'changed payload.room: expected "r2", got "r9" [frame #1, got #0 chat_message]'
    ]


def test_any_ordering_reports_missing_and_extra() -> None:
    expected = [chat(1), text({"action": "a"})]
    actual = [text({"action": "b"}), chat(1)]

    assert lines(diff_frames(expected, actual, ordering="any")) == [
        'missing frame #1 {"action":"a"}',
        'extra frame #0 {"action":"b"}',
    ]


def test_unknown_ordering_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="ordering must be 'strict' or 'any', not 'loose'"):
        diff_frames([], [], ordering="loose")  # type: ignore[arg-type]


# ---- other frame kinds ---------------------------------------------------------------------


def test_changed_close_code_and_reason() -> None:
    found = diff_frames([chat(1), close(1000)], [chat(1), close(4001, "bad token")])

    assert [(d.kind, d.path, d.expected, d.actual) for d in found] == [
        ("changed", "code", 1000, 4001),
        ("changed", "reason", None, "bad token"),
    ]
    assert lines(found) == [
        "changed code: expected 1000, got 4001 [frame #1]",
        'changed reason: expected null, got "bad token" [frame #1]',
    ]


def test_changed_accept_subprotocol() -> None:
    assert lines(diff_frames([accept("v2")], [accept(None)])) == [
        'changed subprotocol: expected "v2", got null [frame #0]'
    ]


def test_text_frame_against_bytes_frame() -> None:
    found = diff_frames([raw("hello")], [binary(b"hello")])

    assert found == [
        Difference(
            kind="changed",
            expected="hello",
            actual=b"hello",
            expected_index=0,
            actual_index=0,
            detail="frame kind changed from non-JSON text to binary",
        )
    ]
    assert lines(found) == [
        'changed frame #0: expected "hello", got <5 bytes 68656c6c6f> '
        "(frame kind changed from non-JSON text to binary)"
    ]


def test_non_json_text_is_compared_exactly() -> None:
    assert diff_frames([raw("pong ")], [raw("pong ")]) == []
    assert lines(diff_frames([raw("pong")], [raw("pong ")])) == [
        'changed frame #0: expected "pong", got "pong "'
    ]


def test_json_against_non_json_text() -> None:
    assert lines(diff_frames([raw('{"a": 1}')], [raw("{a: 1}")])) == [
        'changed frame #0: expected {"a":1}, got "{a: 1}" '
        "(frame kind changed from JSON text to non-JSON text)"
    ]


def test_bytes_are_compared_exactly_with_a_hex_preview() -> None:
    expected = bytes(range(20))
    actual = bytes(range(5)) + b"\xff" + bytes(range(6, 20))

    assert diff_frames([binary(expected)], [binary(expected)]) == []
    assert lines(diff_frames([binary(expected)], [binary(actual)])) == [
        "changed frame #0: expected <20 bytes 000102030405060708090a0b0c0d0e0f...>, "
        "got <20 bytes 0001020304ff060708090a0b0c0d0e0f...> (differs from byte 5; 20 and 20 bytes)"
    ]


def test_server_frame_kinds_only() -> None:
    with pytest.raises(TypeError, match="compares server frames"):
        diff_frames(["hello"], [])  # type: ignore[list-item]


# ---- describe ------------------------------------------------------------------------------


def test_describe_abbreviates_long_values() -> None:
    long_text = "x" * 500
    found = diff_frames([text({"action": "a", "body": long_text})], [text({"action": "a"})])

    line = found[0].describe()

    assert line == f'missing key body: expected "{"x" * 116}... [frame #0 a]'


def test_describe_says_where_long_strings_start_to_differ() -> None:
    before = "a" * 300
    after = "a" * 250 + "b" + "a" * 49

    found = diff_frames([text({"body": before})], [text({"body": after})])

    assert found[0].detail == "first difference at character 250"


def test_describe_of_a_moved_frame_that_also_changed_under_a_rule() -> None:
    rules = NoiseRules.parse(["id=uuid"])
    expected = [text({"action": "a", "id": "x"}), text({"action": "b"}), text({"action": "c"})]
    actual = [expected[1], expected[2], text({"action": "a", "id": "not-a-uuid"})]

    assert lines(diff_frames(expected, actual, rules=rules)) == [
        'order changed: frame #0 {"action":"a","id":"x"} came as #2',
        'changed id: expected a UUID (rule id=uuid), got "not-a-uuid" [frame #0, got #2 a]',
    ]


# ---- with noise rules ----------------------------------------------------------------------


UUID_1 = "0f8fad5b-d9cb-469f-a165-70867728950e"
UUID_2 = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def test_a_rule_replaces_equality_at_its_path() -> None:
    rules = NoiseRules.parse(["payload.id=uuid", "payload.ts=datetime"])
    expected = [text({"action": "a", "payload": {"id": UUID_1, "ts": "2024-01-01T10:00:00Z"}})]
    actual = [text({"action": "a", "payload": {"id": UUID_2, "ts": "2025-06-30T23:59:59+02:00"}})]

    assert diff_frames(expected, actual) != []
    assert diff_frames(expected, actual, rules=rules) == []


def test_a_failing_matcher_is_a_changed_difference_naming_the_rule() -> None:
    rules = NoiseRules.parse(["payload.ts=datetime"])
    expected = [text({"action": "a", "payload": {"ts": "2024-01-01T10:00:00Z"}})]
    actual = [text({"action": "a", "payload": {"ts": "yesterday"}})]

    found = diff_frames(expected, actual, rules=rules)

    assert found == [
        Difference(
            kind="changed",
            path="payload.ts",
            expected="2024-01-01T10:00:00Z",
            actual="yesterday",
            expected_index=0,
            actual_index=0,
            frame_action="a",
            rule=NoiseRule("payload.ts", "datetime"),
            path_parts=("payload", "ts"),
        )
    ]
    assert lines(found) == [
        'changed payload.ts: expected a datetime (rule payload.ts=datetime), got "yesterday" '
        "[frame #0 a]"
    ]


def test_ignore_covers_absence_and_a_whole_subtree() -> None:
    rules = NoiseRules.parse(["payload.debug", "payload.meta"])
    expected = [text({"payload": {"debug": 1, "meta": {"a": 1}, "n": 1}})]
    actual = [text({"payload": {"meta": {"b": [2]}, "n": 1}})]

    assert diff_frames(expected, actual, rules=rules) == []


def test_any_requires_presence() -> None:
    rules = NoiseRules.parse(["payload.nonce=any"])
    expected = [text({"payload": {"nonce": 5}})]

    assert diff_frames(expected, [text({"payload": {"nonce": [1, 2]}})], rules=rules) == []
    assert lines(diff_frames(expected, [text({"payload": {}})], rules=rules)) == [
        "missing key payload.nonce: expected 5 [frame #0]"
    ]


def test_rules_scoped_to_an_action_apply_to_its_frames_only() -> None:
    rules = NoiseRules.parse(["chat_message:payload.n=type"])
    expected = [chat(1), text({"action": "other", "payload": {"n": 1}})]
    actual = [chat(2), text({"action": "other", "payload": {"n": 2}})]

    assert lines(diff_frames(expected, actual, rules=rules)) == [
        "changed payload.n: expected 1, got 2 [frame #1 other]"
    ]


def test_wildcard_rules_in_the_diff() -> None:
    rules = NoiseRules.parse(["payload.items[*].id=uuid", "**.created_at=datetime"])
    expected = [
        text(
            {
                "payload": {
                    "items": [{"id": UUID_1}, {"id": UUID_1}],
                    "created_at": "2024-01-01T00:00",
                }
            }
        )
    ]
    actual = [
        text(
            {"payload": {"items": [{"id": UUID_2}, {"id": "7"}], "created_at": "2024-01-02T00:00"}}
        )
    ]

    assert lines(diff_frames(expected, actual, rules=rules)) == [
        'changed payload.items[1].id: expected a UUID (rule payload.items[*].id=uuid), got "7" '
        "[frame #0]"
    ]


def test_noise_does_not_break_the_alignment_of_200_frames() -> None:
    rules = NoiseRules.parse(["chat_message:payload.id=uuid"])
    ids = [UUID_1, UUID_2]

    expected = [chat(n, id=ids[n % 2]) for n in range(200)]
    actual = [chat(n, id=ids[(n + 1) % 2]) for n in range(200)]
    actual.insert(57, chat(-1, id=UUID_1))

    assert lines(diff_frames(expected, actual, rules=rules)) == [
        f'extra frame #57 {{"action":"chat_message","payload":{{"n":-1,"id":"{UUID_1}"}}}}'
    ]
    assert lines(diff_frames(expected, actual, rules=rules, ordering="any")) == [
        f'extra frame #57 {{"action":"chat_message","payload":{{"n":-1,"id":"{UUID_1}"}}}}'
    ]


def test_repeated_identical_frames_are_not_reported_as_moved() -> None:
    # Masked, the ticks are identical and the step is long: the run-length path aligns it.
    rules = NoiseRules.parse(["tick:ts=type"])
    ticks = [text({"action": "tick", "ts": n}) for n in range(1502)]
    expected = [text({"action": "x"}), *ticks[:1500], text({"action": "y"})]
    actual = [text({"action": "z"}), *ticks[1:], text({"action": "w"})]

    assert lines(diff_frames(expected, actual, rules=rules)) == [
        'changed action: expected "x", got "z" [frame #0 x]',
        'extra frame #1501 {"action":"tick","ts":1501}',
        'changed action: expected "y", got "w" [frame #1501, got #1502 y]',
    ]


def test_a_refused_handshake_is_shown_with_its_http_status() -> None:
    from channels_replay.cassettes import ServerClose
    from channels_replay.replay._values import render

    refused = ServerClose(seq=1, conn="c1", t=0.0, code=1006, status=403)
    assert render(refused) == "<handshake refused: HTTP 403>"
    assert render(ServerClose(seq=1, conn="c1", t=0.0, code=1000)) == "<close 1000>"
