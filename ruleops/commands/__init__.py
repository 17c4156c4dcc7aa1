"""One module per CLI command: `register(subparsers)` adds it, `run(args)` carries it out.

A command that cannot run as asked raises `UsageError` (`ruleops.exits`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruleops.config import Config, ConfigError, load_config
from ruleops.exits import EXIT_USAGE, UsageError


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="pyproject.toml to read [tool.ruleops] from")


def show_help(parser: argparse.ArgumentParser) -> int:
    """For a command run without its action: the help on stderr, and the usage exit code."""
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def load_configuration(args: argparse.Namespace) -> Config:
    """The configuration (`--config` or found by walking up); UsageError when unusable."""
    try:
        return load_config(explicit=getattr(args, "config", None))
    except ConfigError as error:
        raise UsageError(str(error)) from None


def config_and_paths(
    args: argparse.Namespace, given: list[Path] | None = None
) -> tuple[Config, list[Path]]:
    """The configuration (see `load_configuration`) and the paths to work on: `given`
    (default: `args.paths`), else the configured rule paths. Raises UsageError for a
    missing path or an unusable configuration."""
    config = load_configuration(args)
    paths = list(args.paths if given is None else given)
    paths = paths or [config.root / p for p in config.rule_paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError("\n".join(f"no such file or folder: {p}" for p in missing))
    return config, paths
