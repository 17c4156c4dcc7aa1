"""Rule reference pages, the index by tactic, and the ATT&CK Navigator layer."""
