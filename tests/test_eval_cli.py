"""`ruleops eval`: matches as NDJSON or JSON, explanations, and clear errors."""

from __future__ import annotations

import io
import json

import pytest

from ruleops.cli import main

EVENTS = [
    {
        "@timestamp": "2024-01-01T00:00:00Z",
        "event": {"category": "process"},
        "process": {"name": "cmd.exe", "pid": 1},
    },
    {
        "@timestamp": "2024-01-01T00:00:01Z",
        "event": {"category": "file"},
        "process": {"pid": 1},
        "file": {"name": "a.txt"},
    },
]


def write_ndjson(tmp_path, events=EVENTS):
    path = tmp_path / "events.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return str(path)


def test_matching_events_are_printed_one_per_line(tmp_path, capsys):
    code = main(["eval", 'process where process.name : "CMD.EXE"', write_ndjson(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and [json.loads(line)["process"]["name"] for line in lines] == ["cmd.exe"]


def test_a_sequence_is_printed_as_one_list_of_events(tmp_path, capsys):
    query = "sequence by process.pid [process where true] [file where true]"
    main(["eval", query, write_ndjson(tmp_path)])
    (line,) = capsys.readouterr().out.splitlines()
    assert [e["event"]["category"] for e in json.loads(line)] == ["process", "file"]


def test_json_format_prints_one_document(tmp_path, capsys):
    main(["eval", "any where true", write_ndjson(tmp_path), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert document["count"] == 2


def test_a_json_array_file_is_read(tmp_path, capsys):
    path = tmp_path / "events.json"
    path.write_text(json.dumps(EVENTS))
    main(["eval", "file where true", str(path)])
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_events_are_read_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(EVENTS[0]) + "\n"))
    main(["eval", "process where true", "-"])
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_no_match_exits_with_one(tmp_path, capsys):
    assert main(["eval", 'process where process.name == "x"', write_ndjson(tmp_path)]) == 1


def test_the_tiebreaker_field_orders_events_with_equal_timestamps(tmp_path, capsys):
    events = [{"@timestamp": 1, "n": 2}, {"@timestamp": 1, "n": 1}]
    main(["eval", "any where true", write_ndjson(tmp_path, events), "--tiebreaker-field", "n"])
    assert [json.loads(x)["n"] for x in capsys.readouterr().out.splitlines()] == [1, 2]


def test_explain_says_which_condition_rejected_each_event(tmp_path, capsys):
    main(["eval", 'process where process.name == "x"', write_ndjson(tmp_path), "--explain"])
    out = capsys.readouterr().out
    assert 'process.name was "cmd.exe"; expected a value equal to "x"' in out


def test_a_query_syntax_error_is_reported_with_line_and_column(tmp_path, capsys):
    code = main(["eval", 'process where process.name = "x"', write_ndjson(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("query:1:28:")


def test_invalid_json_is_reported_with_file_line_and_column(tmp_path, capsys):
    path = tmp_path / "bad.ndjson"
    path.write_text('{"a": 1}\n{bad\n')
    code = main(["eval", "any where true", str(path)])
    assert code == 2 and f"{path}:2:2: invalid JSON" in capsys.readouterr().err


def test_a_missing_events_file_is_reported_without_a_traceback(tmp_path, capsys):
    code = main(["eval", "any where true", str(tmp_path / "nope.ndjson")])
    assert code == 2 and "cannot read events" in capsys.readouterr().err


def test_a_pretty_printed_json_object_file_is_one_event(tmp_path, capsys):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(EVENTS[0], indent=2))
    main(["eval", "process where true", str(path)])
    assert len(capsys.readouterr().out.splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            '{"a": 1}\n{"note": "NaN", "process": {"pid": -Infinity}}\n',
            "2:36: invalid JSON: -Infinity",
        ),
        ('[\n  {"a": "x"},\n  {"a": NaN}\n]\n', "3:9: invalid JSON: NaN"),  # one array
        ('{\n  "a": "x",\n  "b": Infinity\n}\n', "3:8: invalid JSON: Infinity"),  # one object
    ],
)
def test_nan_and_infinity_are_not_json_and_are_reported_where_written(
    tmp_path, capsys, text, where
):
    # Python's json reads them; Elasticsearch's parser (Jackson) refuses the document.
    path = tmp_path / "bad.json"
    path.write_text(text)
    code = main(["eval", "any where true", str(path)])
    assert code == 2 and f"{path}:{where}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"a": {"b": 1}, "c": {"b": 2}}\n{"x": 1, "y": {"z": 1}, "x": 2}\n', "2:25"),
        ('[\n  {"a": 1},\n  {"a": 1,\n   "q\\"": 2, "q\\"" : 3}\n]\n', "4:14"),
        ('{\n  "a": "x",\n  "a": "y"\n}\n', "3:3"),
    ],
)
def test_a_key_written_twice_in_one_object_is_reported_where_written(tmp_path, capsys, text, where):
    # Python's json keeps the last value; Elasticsearch refuses the document (Jackson's
    # STRICT_DUPLICATE_DETECTION). The same key in two objects is no duplicate.
    path = tmp_path / "dup.json"
    path.write_text(text)
    code = main(["eval", "any where true", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and f"{path}:{where}: invalid JSON: the key" in err and "twice" in err


@pytest.mark.parametrize(
    "text",
    [
        '// events\n[\n  {"a": 1, "url": "http://x/y"}, /* benign,\n  two lines */ {"a": 2}\n]\n',
        '// events\n{"a": 1, "url": "http://x/y"} // the attack\n/* benign */ {"a": 2}\n',
    ],
)
def test_comments_in_an_events_file_are_read_as_blanks(tmp_path, capsys, text):
    # Elasticsearch's JSON parser allows them (Jackson's ALLOW_COMMENTS); `//` in a string
    # is no comment.
    path = tmp_path / "commented.json"
    path.write_text(text)
    assert main(["eval", "any where a == 1", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"a": 1, "url": "http://x/y"}


def test_a_position_after_a_comment_is_where_it_is_written(tmp_path, capsys):
    path = tmp_path / "commented.json"
    path.write_text('/* one\n two */ {"a": 1}\n{"b": /* x */ NaN}\n')
    assert main(["eval", "any where true", str(path)]) == 2
    assert f"{path}:3:15: invalid JSON: NaN" in capsys.readouterr().err
