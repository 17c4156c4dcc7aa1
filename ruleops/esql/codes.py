"""The diagnostic codes the ES|QL front end reports under (declared, with their
documentation, in `ruleops.checks.esql`; the front end never imports the checks)."""

from __future__ import annotations

SYNTAX = "RO700"
UNKNOWN_COMMAND = "RO701"
