"""Provisioning from a client organisation's directory: a SCIM 2.0 endpoint per organisation
(``/scim/v2/o/<org>/``), authenticated by the organisation's bearer tokens."""
