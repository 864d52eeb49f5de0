"""The signal convention: which frames are signals, and how many of each. Pure."""

from collections import Counter

import pytest

from channels_replay.signals import SignalNames, action_of, count_signals


@pytest.mark.parametrize(
    ("text", "key", "action"),
    [
        ('{"action": "complete"}', "action", "complete"),
        ('  {"action": "echo", "payload": 1}', "action", "echo"),
        ('{"type": "done"}', "type", "done"),
        ('{"type": "done"}', "action", None),
        ('{"action": 3}', "action", 3),
        ("[1, 2]", "action", None),
        ('"complete"', "action", None),
        ("not json", "action", None),
        ("{not json either", "action", None),
        ("", "action", None),
        (None, "action", None),
    ],
)
def test_action_of_reads_the_action_key_of_json_objects_only(
    text: str | None, key: str, action: object
) -> None:
    assert action_of(text, key) == action


def test_the_default_names_are_the_chanx_ones() -> None:
    names = SignalNames()
    assert names.action_key == "action"
    assert names.all == frozenset({"authentication", "complete", "group_complete"})
    assert names.kind_of('{"action": "authentication", "payload": {}}') == "authentication"
    assert names.kind_of('{"action": "complete"}') == "complete"
    assert names.kind_of('{"action": "group_complete"}') == "group_complete"
    assert names.kind_of('{"action": "echo"}') is None
    assert names.kind_of('{"payload": "complete"}') is None  # the name, but not the action
    assert names.kind_of(None) is None
    assert names.kind_of("complete") is None


def test_signal_names_and_action_key_are_configurable() -> None:
    names = SignalNames(
        action_key="type", authentication="hello", complete="done", group_complete="group_done"
    )
    assert names.kind_of('{"type": "done"}') == "complete"
    assert names.kind_of('{"type": "hello"}') == "authentication"
    assert names.kind_of('{"type": "group_done"}') == "group_complete"
    assert names.kind_of('{"action": "complete"}') is None  # another key
    assert names.kind_of('{"type": "complete"}') is None  # the default name is not one
    assert names.kind_of_action("done") == "complete"
    assert names.kind_of_action("nope") is None


def test_signal_names_round_trip_through_a_dict_and_default_what_is_missing() -> None:
    names = SignalNames(action_key="type", complete="done")
    assert names.to_dict() == {
        "action_key": "type",
        "authentication": "authentication",
        "complete": "done",
        "group_complete": "group_complete",
    }
    assert SignalNames.from_dict(names.to_dict()) == names
    assert SignalNames.from_dict({"complete": "finished", "unknown": "x"}) == SignalNames(
        complete="finished"
    )
    assert SignalNames.from_dict({}) == SignalNames()


def test_count_signals_counts_each_kind() -> None:
    texts = [
        '{"action": "authentication"}',
        '{"action": "echo", "payload": "complete"}',
        '{"action": "complete"}',
        None,
        '{"action": "group_complete"}',
        '{"action": "complete"}',
        "complete",
    ]
    assert count_signals(texts, SignalNames()) == Counter(
        {"authentication": 1, "complete": 2, "group_complete": 1}
    )


def test_count_signals_is_empty_for_an_app_that_sends_none() -> None:
    assert count_signals(['{"echo": 1}', "SHOUT", None], SignalNames()) == Counter()
    assert not count_signals([], SignalNames())


def test_count_signals_uses_the_names_given() -> None:
    names = SignalNames(action_key="type", complete="done")
    texts = ['{"type": "done"}', '{"action": "complete"}']
    assert count_signals(texts, names) == Counter({"complete": 1})
