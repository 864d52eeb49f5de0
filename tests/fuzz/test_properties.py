"""Property tests over both forms: valid cassettes read back faithfully, damaged ones are
read up to the damage or refused with a located message, never anything else.

Fixed seed (derandomize) and bounded examples, so the suite is repeatable and quick.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_replay.cassettes import (
    ClientFrame,
    Event,
    ServerClose,
    ServerFrame,
    load_cassette,
)
from channels_replay.errors import CassetteError
from tests.fuzz.harness import judge, run_commands
from tests.fuzz.mutations import (
    FIELDS,
    HOSTILE,
    encode,
    field_case,
    mutate,
    named_records,
    sample_events,
)

FORMS = st.sampled_from(["msgpack", "jsonl"])
SETTINGS = settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_text = st.text(max_size=40)
_offsets = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def sessions(draw: st.DrawFn) -> list[Event]:
    """Valid event lists: frames of text or bytes, closes, on a few connections."""
    count = draw(st.integers(min_value=0, max_value=8))
    events: list[Event] = []
    for seq in range(count):
        conn = draw(st.sampled_from(["c1", "c2", "\x1b[31m"]))
        t = draw(_offsets)
        which = draw(st.integers(min_value=0, max_value=2))
        if which == 0:
            events.append(ServerFrame(seq=seq, t=t, conn=conn, text=draw(_text)))
        elif which == 1:
            events.append(ClientFrame(seq=seq, t=t, conn=conn, data=draw(st.binary(max_size=20))))
        else:
            code = draw(st.integers(min_value=0, max_value=65535))
            events.append(ServerClose(seq=seq, t=t, conn=conn, code=code, reason=draw(_text)))
    return events


@SETTINGS
@given(events=sessions(), form=FORMS)
def test_a_valid_cassette_reads_back_exactly(
    tmp_path: Path, events: list[Event], form: str
) -> None:
    path = tmp_path / f"valid.{'jsonl' if form == 'jsonl' else 'cassette'}"
    path.write_bytes(encode(events, form))
    cassette = load_cassette(path)
    assert cassette.complete
    assert cassette.events == events
    for command in (["show", str(path)], ["show", "--json", str(path)]):
        outcome = judge("show", command, path, valid=True)
        assert outcome.verdict == "ok", outcome


@SETTINGS
@given(
    form=FORMS,
    kind=st.integers(min_value=0, max_value=4),
    position=st.integers(min_value=0, max_value=10_000),
    choice=st.integers(min_value=0, max_value=1000),
)
def test_a_damaged_cassette_is_read_to_the_damage_or_refused_with_its_place(
    tmp_path: Path, form: str, kind: int, position: int, choice: int
) -> None:
    original = sample_events()
    data = mutate(encode(original, form), kind, position, choice)
    path = tmp_path / f"damaged.{'jsonl' if form == 'jsonl' else 'cassette'}"
    path.write_bytes(data)
    try:
        cassette = load_cassette(path)
    except CassetteError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: "), message
    else:
        # no silent loss: a read that is not complete says so, and what it read of the
        # untouched events is what was written
        if len(cassette.events) < len(original):
            assert not cassette.complete or kind in (0, 1, 4), cassette
        if not cassette.complete:
            assert cassette.problem
    for command in (["show", str(path)], ["convert", str(path), str(tmp_path / "o.jsonl")]):
        outcome = judge(command[0], command, path)
        assert outcome.verdict == "ok", outcome


@SETTINGS
@given(form=FORMS, cut=st.integers(min_value=0, max_value=10_000))
def test_a_cut_cassette_keeps_every_event_before_the_cut(
    tmp_path: Path, form: str, cut: int
) -> None:
    original = sample_events()
    data = encode(original, form)
    path = tmp_path / f"cut.{'jsonl' if form == 'jsonl' else 'cassette'}"
    path.write_bytes(data[: cut % (len(data) + 1)])
    try:
        cassette = load_cassette(path)
    except CassetteError as exc:  # only a cut header leaves nothing to read
        message = str(exc)
        assert "header" in message or "empty" in message, message
        return
    assert cassette.events == original[: len(cassette.events)]
    if cut % (len(data) + 1) < len(data):
        assert not cassette.complete
        assert cassette.problem


@settings(derandomize=True, max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    form=FORMS,
    kind=st.integers(min_value=0, max_value=4),
    position=st.integers(min_value=0, max_value=10_000),
    choice=st.integers(min_value=0, max_value=1000),
)
def test_replay_and_learn_noise_in_a_real_process(
    tmp_path: Path, form: str, kind: int, position: int, choice: int
) -> None:
    """As users run them: a damaged file never reaches a traceback or a hang."""
    data = mutate(encode(sample_events(), form), kind, position, choice)
    path = tmp_path / f"damaged.{'jsonl' if form == 'jsonl' else 'cassette'}"
    path.write_bytes(data)
    outcomes = run_commands(
        path, tmp_path, ["replay", "learn-noise"], in_subprocess=["replay", "learn-noise"]
    )
    assert [outcome.verdict for outcome in outcomes] == ["ok", "ok"], outcomes


@SETTINGS
@given(
    form=FORMS,
    index=st.integers(min_value=0, max_value=4),
    field=st.sampled_from(FIELDS),
    value=st.sampled_from(HOSTILE),
)
def test_a_hostile_field_is_refused_exactly_when_the_format_says_so(
    tmp_path: Path, form: str, index: int, field: str, value: object
) -> None:
    """The oracle (written from the format's description) and the reader agree: no bad
    value read as good ("0" for an integer, Infinity for a time), no good value refused."""
    records = named_records(sample_events())
    case = field_case(records, index, field, value, form)
    if case is None:  # the form cannot carry the value
        return
    data, valid = case
    path = tmp_path / f"field.{'jsonl' if form == 'jsonl' else 'cassette'}"
    path.write_bytes(data)
    outcome = judge("show", ["show", "--json", str(path)], path, valid=valid)
    assert outcome.verdict == "ok", outcome
    if valid:
        event = load_cassette(path).events[index]
        if type(value) in (int, float, str):
            assert getattr(event, field) == value
