"""Webhooks: a consultancy's or an organisation's own systems told when something happens
(a round opens, a round is published, a plan is published, an action changes), by a signed POST
that the worker sends after the commit and retries with backoff. docs/webhooks.md."""
