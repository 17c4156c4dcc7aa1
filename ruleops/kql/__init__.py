"""The KQL front end: Kibana Query Language text → the shared condition form."""
