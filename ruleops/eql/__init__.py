"""Elasticsearch's Event Query Language: grammar, parser, checks, execution."""
