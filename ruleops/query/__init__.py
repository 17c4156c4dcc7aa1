"""The shared condition form of EQL and KQL, and what is built on it once for both."""
