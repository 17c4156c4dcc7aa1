"""`ruleops eval --language kql`: a KQL query run over events as a query rule runs it."""

from __future__ import annotations

from ruleops.cli import main


def test_eval_runs_kql_over_events(tmp_path, capsys):
    events = tmp_path / "events.ndjson"
    events.write_text('{"process": {"name": "cmd.exe"}}\n{"process": {"name": "x.exe"}}\n')
    assert main(["eval", "--language", "kql", "process.name : cmd.exe", str(events)]) == 0
    assert capsys.readouterr().out == '{"process": {"name": "cmd.exe"}}\n'
    assert main(["eval", "--language", "kql", "process.name : y.exe", str(events)]) == 1


def test_eval_kql_uses_kql_semantics_not_eql(tmp_path, capsys):
    # KQL's `:` on a keyword field is a case-sensitive term query; EQL's `:` is caseless.
    events = tmp_path / "events.ndjson"
    events.write_text('{"process": {"name": "CMD.EXE"}}\n')
    assert main(["eval", "--language", "kql", "process.name : cmd.exe", str(events)]) == 1
    assert main(["eval", 'any where process.name : "cmd.exe"', str(events)]) == 0


def test_eval_kql_explains_each_event(tmp_path, capsys):
    events = tmp_path / "events.ndjson"
    events.write_text('{"process": {"name": "x.exe"}}\n')
    main(["eval", "--language", "kql", "--explain", "process.name : cmd.exe", str(events)])
    assert 'no match  process.name : "cmd.exe"' in capsys.readouterr().out


def test_eval_of_a_bad_kql_query_is_a_usage_error(tmp_path, capsys):
    events = tmp_path / "events.ndjson"
    events.write_text("{}\n")
    assert main(["eval", "--language", "kql", "process.name : (", str(events)]) == 2
    assert "RO400" in capsys.readouterr().err


def test_an_infinite_number_is_no_value_of_a_long_field(tmp_path, capsys):
    # JSON 1e400 is infinity: no long holds it (Elasticsearch rejects the document), so the
    # field reads as absent instead of crashing the typed evaluator
    events = tmp_path / "events.ndjson"
    events.write_text('{"process": {"pid": 1e400}}\n{"process": {"pid": 6}}\n')
    assert main(["eval", "--language", "kql", "process.pid > 5", str(events)]) == 0
    assert capsys.readouterr().out == '{"process": {"pid": 6}}\n'
