"""Run every command on hostile cassettes (hand-made, random damage, hostile field values).

    .venv/bin/python tests/fuzz/run_fuzz.py [--mutations N] [--seed S]

The field cases set each field of each record to each of a list of hostile values, and
an oracle written from the format's description says whether the file must be accepted
(a bad file read with exit 0 is a wrong exit); they run the file commands (show, show
--json, convert, redact).

Counts cases (files), runs (command x file), and each bad outcome: tracebacks, hangs,
wrong exits (a valid file refused, or an exit code other than 0, 1 for replay, 2),
internal errors ("please report it"), unlocated errors (exit 2 without one `error:`
line naming the file). Commands run in this process (click's runner), outside pytest so
that replay can set up its own test environment.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")

from tests.fuzz.corpus import cases  # noqa: E402
from tests.fuzz.harness import COMMANDS, Tally, run_commands  # noqa: E402
from tests.fuzz.mutations import (  # noqa: E402
    FIELDS,
    HOSTILE,
    encode,
    field_case,
    mutate,
    named_records,
    sample_events,
)

FILE_COMMANDS = ["show", "show-json", "convert", "redact"]
"""What the field cases run (each also read by replay and learn-noise in the other cases)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutations", type=int, default=100, help="Random cases per form.")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--no-fields",
        dest="fields",
        action="store_false",
        help="Skip the field cases (each field of each record set to each hostile value).",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tally = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        work = [(case.name, case.filename, case.data, case.valid) for case in cases()]
        for form, suffix in (("msgpack", ".cassette"), ("jsonl", ".jsonl")):
            data = encode(sample_events(), form)
            for number in range(args.mutations):
                damaged = data
                for _ in range(rng.randint(1, 3)):
                    damaged = mutate(damaged, rng.randrange(5), rng.randrange(1 << 16),
                                     rng.randrange(1000))  # fmt: skip
                work.append((f"{form} mutation {number}", f"m{number}{suffix}", damaged, None))
        fields = []
        if args.fields:
            records = named_records(sample_events())
            for form, suffix in (("msgpack", ".cassette"), ("jsonl", ".jsonl")):
                for index, record in enumerate(records):
                    for field in FIELDS:
                        for value in HOSTILE:
                            case = field_case(records, index, field, value, form)
                            if case is not None:
                                name = f"{form} {record['kind']} {field}={value!r}"
                                fields.append((name, f"f{suffix}", case[0], case[1]))
        for group, commands in ((work, list(COMMANDS)), (fields, FILE_COMMANDS)):
            for name, filename, data, valid in group:
                path = root / filename
                path.write_bytes(data)
                tally.cases += 1
                for outcome in run_commands(path, root, commands, valid=valid):
                    tally.add(name, outcome)
                path.unlink()
    verdicts = tally.verdicts
    print(f"cases: {tally.cases}")
    print(f"runs: {tally.runs} ({', '.join(COMMANDS)}; field cases: {', '.join(FILE_COMMANDS)})")
    print(f"tracebacks: {verdicts['traceback']}")
    print(f"hangs: {verdicts['hang']}")
    print(f"wrong exits: {verdicts['wrong-exit']}")
    print(f"internal errors: {verdicts['internal']}")
    print(f"unlocated errors: {verdicts['unlocated']}")
    print(f"good runs: {verdicts['ok']} in {time.monotonic() - started:.0f} s")
    for case, outcome in tally.bad[:20]:
        print(f"  {case}: {outcome.command} -> {outcome.verdict} ({outcome.exit_code}): "
              f"{outcome.output.strip()[-300:]}")  # fmt: skip
    return 0 if len(tally.bad) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
