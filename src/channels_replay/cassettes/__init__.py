"""The cassette format: model, msgpack stream and JSON Lines forms, redaction. No Django.

Write with `CassetteWriter` (record by record, crash-safe), read with `open_cassette`
(lazily) or `load_cassette` (whole), switch forms with `convert_cassette`. Redact with a
`Redactor`. The format itself is described in docs/cassette-format.md.
"""

from channels_replay.cassettes._files import (
    RedactionSummary,
    convert_cassette,
    load_cassette,
    redact_cassette_file,
    save_cassette,
)
from channels_replay.cassettes._jsonl_codec import json_line
from channels_replay.cassettes._msgpack_codec import MAX_RECORD_BYTES
from channels_replay.cassettes._reader import (
    CassetteForm,
    CassetteReader,
    detect_form,
    open_cassette,
)
from channels_replay.cassettes._records import end_record, event_to_record, header_to_record
from channels_replay.cassettes._writer import FILE_MODE, CassetteWriter, form_for_path
from channels_replay.cassettes.model import (
    FORMAT_NAME,
    FORMAT_VERSION,
    REFUSAL_CODE,
    AcceptEvent,
    Cassette,
    CassetteHeader,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)
from channels_replay.cassettes.redaction import (
    DEFAULT_HEADERS,
    DEFAULT_JSON_KEYS,
    DEFAULT_PATTERNS,
    DEFAULT_QUERY_PARAMS,
    Redactor,
    fill_redactions,
    is_redacted,
    parse_redaction_marker,
    redact_cassette,
    redact_event,
    redaction_marker,
    redaction_markers,
)

__all__ = [
    "DEFAULT_HEADERS",
    "DEFAULT_JSON_KEYS",
    "DEFAULT_PATTERNS",
    "DEFAULT_QUERY_PARAMS",
    "FILE_MODE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_RECORD_BYTES",
    "REFUSAL_CODE",
    "AcceptEvent",
    "Cassette",
    "CassetteForm",
    "CassetteHeader",
    "CassetteReader",
    "CassetteWriter",
    "ClientDisconnect",
    "ClientFrame",
    "ConnectEvent",
    "Event",
    "RedactionSummary",
    "Redactor",
    "ServerClose",
    "ServerFrame",
    "convert_cassette",
    "detect_form",
    "end_record",
    "event_to_record",
    "fill_redactions",
    "form_for_path",
    "header_to_record",
    "is_redacted",
    "json_line",
    "load_cassette",
    "open_cassette",
    "parse_redaction_marker",
    "redact_cassette",
    "redact_cassette_file",
    "redact_event",
    "redaction_marker",
    "redaction_markers",
    "save_cassette",
]
