"""`ruleops eval --language esql`: rows as Elasticsearch returns them, warnings on stderr, and
the ES|QL semantics a rule author trips over."""

from __future__ import annotations

import json

from ruleops.cli import main


def run(tmp_path, capsys, query, events, *extra):
    path = tmp_path / "events.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    code = main(["eval", "--language", "esql", query, str(path), *extra])
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    return code, rows, captured.err


def test_rows_are_printed_in_column_order_with_elasticsearch_values(tmp_path, capsys):
    events = [{"@timestamp": "2024-05-01T10:00:00Z", "source": {"ip": "10.0.0.1"}, "n": 2}]
    code, rows, _ = run(tmp_path, capsys, "FROM logs | KEEP source.ip, @timestamp", events)
    assert code == 0
    assert list(rows[0].items()) == [
        ("source.ip", "10.0.0.1"),
        ("@timestamp", "2024-05-01T10:00:00.000Z"),
    ]


def test_multi_valued_field_compared_with_equals_drops_the_row_with_a_warning(tmp_path, capsys):
    events = [{"event": {"type": ["start", "process"]}}, {"event": {"type": "start"}}]
    code, rows, err = run(tmp_path, capsys, 'FROM logs | WHERE event.type == "start"', events)
    assert code == 0 and rows == [{"event.type": "start"}]
    assert "single-value function encountered multi-value" in err


def test_kql_matches_when_any_value_does(tmp_path, capsys):
    events = [{"event": {"type": ["start", "process"]}}]
    _, rows, err = run(tmp_path, capsys, 'FROM logs | WHERE KQL("event.type: start")', events)
    assert rows == [{"event.type": ["process", "start"]}] and err == ""


def test_like_percent_is_a_literal_percent(tmp_path, capsys):
    events = [{"process": {"name": "cmd.exe"}}, {"process": {"name": "50%"}}]
    _, rows, _ = run(tmp_path, capsys, 'FROM logs | WHERE process.name LIKE "%"', events)
    assert rows == []
    _, rows, _ = run(tmp_path, capsys, 'FROM logs | WHERE process.name LIKE "*%"', events)
    assert rows == [{"process.name": "50%"}]


def test_stats_by_a_multi_valued_key_counts_the_row_in_each_group(tmp_path, capsys):
    events = [{"host": {"name": "a"}, "tags": ["x", "y"]}, {"host": {"name": "b"}, "tags": "x"}]
    query = "FROM logs | STATS c = COUNT(*) BY tags | SORT tags"
    _, rows, _ = run(tmp_path, capsys, query, events)
    assert rows == [{"c": 2, "tags": "x"}, {"c": 1, "tags": "y"}]


def test_count_of_a_field_counts_values_not_rows(tmp_path, capsys):
    events = [{"tags": ["x", "y"]}, {"tags": "z"}, {"other": 1}]
    _, rows, _ = run(tmp_path, capsys, "FROM logs | STATS n = COUNT(tags), r = COUNT(*)", events)
    assert rows == [{"n": 3, "r": 3}]


def test_sort_puts_nulls_last_ascending_and_first_descending(tmp_path, capsys):
    events = [{"n": 2}, {"m": 1}, {"n": 1}]
    _, rows, _ = run(tmp_path, capsys, "FROM logs | SORT n | KEEP n", events)
    assert [r["n"] for r in rows] == [1, 2, None]
    _, rows, _ = run(tmp_path, capsys, "FROM logs | SORT n DESC | KEEP n", events)
    assert [r["n"] for r in rows] == [None, 2, 1]


def test_grok_that_does_not_match_gives_nulls(tmp_path, capsys):
    events = [{"message": "user=alice"}, {"message": "no user here"}]
    query = 'FROM logs | GROK message "user=%{WORD:user}" | KEEP user'
    _, rows, _ = run(tmp_path, capsys, query, events)
    assert rows == [{"user": "alice"}, {"user": None}]


def test_a_mapping_gives_field_types(tmp_path, capsys):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"properties": {"bytes": {"type": "long"}, "ip": {"type": "ip"}}})
    )
    events = [{"bytes": "42", "ip": "10.0.0.1"}]
    query = 'FROM logs | WHERE CIDR_MATCH(ip, "10.0.0.0/8") | EVAL b = bytes + 1 | KEEP b'
    _, rows, _ = run(tmp_path, capsys, query, events, "--mapping", str(mapping))
    assert rows == [{"b": 43}]


def test_an_unknown_column_with_a_mapping_exits_2_at_its_position(tmp_path, capsys):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"properties": {"a": {"type": "keyword"}}}))
    code, _, err = run(
        tmp_path, capsys, "FROM logs | WHERE nope == 1", [{"a": "x"}], "--mapping", str(mapping)
    )
    assert (
        code == 2
        and "query:1:19: Elasticsearch would reject this query: Unknown column [nope]" in err
    )


def test_a_command_needing_a_cluster_is_reported_as_not_evaluated(tmp_path, capsys):
    code, _, err = run(tmp_path, capsys, "FROM logs | ENRICH policy", [{"a": 1}])
    assert code == 2 and "does not evaluate ENRICH" in err


def test_a_syntax_error_exits_2(tmp_path, capsys):
    code, _, _ = run(tmp_path, capsys, "FROM logs | WHERE a = 1", [{"a": 1}])
    assert code == 2


def test_explain_names_the_command_and_the_value(tmp_path, capsys):
    events = [{"process": {"name": "x"}}]
    _, _, _ = run(tmp_path, capsys, "FROM logs", events)
    path = tmp_path / "events.ndjson"
    main(
        [
            "eval",
            "--language",
            "esql",
            'FROM l | WHERE process.name == "cmd"',
            str(path),
            "--explain",
        ]
    )
    out = capsys.readouterr().out
    assert 'dropped by WHERE: process.name == "cmd" is false (process.name = "x")' in out


def test_a_wrongly_typed_argument_is_refused_as_elasticsearch_would(tmp_path, capsys):
    events = [{"process": {"pid": 5}}]
    query = "FROM logs | WHERE LENGTH(process.pid) > 1"
    code, rows, err = run(tmp_path, capsys, query, events)
    assert code == 2 and rows == []
    assert err.startswith("query:1:26: Elasticsearch would reject this query: argument of ")


def test_count_distinct_with_a_precision_counts_exactly_up_to_its_threshold(tmp_path, capsys):
    events = [{"user": {"name": n}} for n in ("a", "b", "b", "c")]
    query = "FROM logs | STATS c = COUNT_DISTINCT(user.name, 3)"
    code, rows, _ = run(tmp_path, capsys, query, events)
    assert code == 0 and rows == [{"c": 3}]


def test_count_distinct_beyond_its_threshold_is_not_evaluated(tmp_path, capsys):
    """Elasticsearch's HyperLogLog++ answers with an estimate there, which ruleops does not
    reproduce."""
    events = [{"user": {"name": n}} for n in ("a", "b", "c")]
    query = "FROM logs | STATS c = COUNT_DISTINCT(user.name, 2)"
    code, rows, err = run(tmp_path, capsys, query, events)
    assert code == 2 and rows == []
    assert "more than the precision threshold 2" in err


def test_an_infinite_number_in_a_long_field_is_read_as_absent(tmp_path, capsys):
    # 1e400 is a JSON number beyond every double (read as infinity); NaN is no JSON at all.
    path = tmp_path / "events.ndjson"
    path.write_text('{"process": {"pid": 1e400}}\n{"process": {"pid": -1e400}}\n')
    code = main(["eval", "--language", "esql", "FROM logs | KEEP process.pid", str(path)])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (code, rows) == (0, [{"process.pid": None}, {"process.pid": None}])


def test_a_mapped_nested_object_is_no_column(tmp_path, capsys):
    mapping = tmp_path / "mapping.json"
    nested = {"type": "nested", "properties": {"name": {"type": "keyword"}}}
    mapping.write_text(json.dumps({"properties": {"n": {"type": "long"}, "corp": nested}}))
    events = [{"n": 1, "corp": [{"name": "a"}]}]
    _, rows, _ = run(tmp_path, capsys, "FROM logs | KEEP c*, n", events, "--mapping", str(mapping))
    assert rows == [{"n": 1}]  # neither the nested object nor its fields


def test_a_column_in_no_event_ecs_or_field_definition_is_warned_about(tmp_path, capsys):
    query = 'FROM logs | WHERE process.nmae == "x"'
    code, rows, err = run(tmp_path, capsys, query, [{"process": {"name": "x"}}])
    assert code == 0 and rows == []
    assert "warning: query:1:19: `process.nmae` is in no event" in err


def test_columns_of_the_events_or_of_ecs_are_not_warned_about(tmp_path, capsys):
    query = 'FROM logs | WHERE custom.thing == "x" OR host.name == "y"'
    code, _, err = run(tmp_path, capsys, query, [{"custom": {"thing": "x"}}])
    assert code == 0 and err == ""
