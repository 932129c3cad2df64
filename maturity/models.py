"""Imports every model so that metadata (Alembic, create_all) sees all tables."""

from .accounts.models import RecoveryCode, User, UserSession  # noqa: F401
from .mail.models import OutboxMessage  # noqa: F401
from .tenancy.models import (  # noqa: F401
    ConsultantMembership,
    Consultancy,
    Department,
    Organisation,
    OrganisationMembership,
    OrgRole,
)
from .rounds.models import (  # noqa: F401
    Ballot,
    CustomerAnswer,
    CustomerArrival,
    CustomerCard,
    CustomerInvitation,
    CustomerResponse,
    Invitation,
    PersonalResultPdf,
    Response,
    ResponseAnswer,
    Round,
    RoundStatus,
    RoundTally,
)
from .plans.models import ActionItem, ActionPlan, ItemStatus  # noqa: F401
from .reports.models import ReportCache, ReportVersion  # noqa: F401
from .audit.models import AuditEntry  # noqa: F401
from .progress.models import BenchmarkSnapshot  # noqa: F401
from .segments.models import MemberSegment, Segment, SegmentGroup, SegmentTally, SegmentValue  # noqa: F401
from .provisioning.models import ScimGroupMember, ScimResource, ScimSegmentSource, ScimToken  # noqa: F401
from .sso.models import IdentityProvider  # noqa: F401
from .api.models import ApiKey  # noqa: F401
from .webhooks.models import Webhook, WebhookDelivery  # noqa: F401
