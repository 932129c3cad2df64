"""What features above privacy hold about a person, reached without privacy importing them: a
feature connects to these signals (as results listens to ``plans.services.plan_published``), and
the erasure, the person's data download and the nightly purge send them. A feature that keeps
personal data of its own connects all three (docs/privacy.md)."""

from __future__ import annotations

from blinker import Namespace

_hooks = Namespace()

#: Sent with the person (a ``User``, still in the database) and ``organisation_ids``: the
#: organisations whose data about the person goes (None: everything, the account is erased).
#: Receivers delete what they hold and flush.
person_erased = _hooks.signal("person-erased")

#: Sent with the person; each receiver returns ``{section: data}`` for their data download
#: (plain JSON values, in the reader's language where they are words).
subject_data_collected = _hooks.signal("subject-data-collected")

#: Sent by the nightly purge with the consultancy, ``now`` and ``organisations`` (a select of its
#: clients' ids); each receiver deletes what is past the consultancy's periods and returns
#: ``{kind: count}`` for the purge's counts and audit entry.
retention_due = _hooks.signal("retention-due")
