"""All the models, importable from one place (and all registered before migrations run)."""

from .audit import AuditEvent
from .cohorts import (
    Apprentice,
    ApprenticeStatus,
    BreakInLearning,
    Cohort,
    EpaOutcome,
    ServiceArea,
    StatusChange,
)
from .comparison import ComparisonLink, CouncilFile
from .employers import (
    ActivityKind,
    EmployerActivity,
    EmployerContact,
    EmployerPartner,
    OrganisationSize,
    PartnershipStatus,
)
from .evidence import EvidenceFile, ScanStatus
from .levy import (
    ApplicationStatus,
    FundingBand,
    LevyAccount,
    LevyApplication,
    LevyFunding,
    LevyPledge,
    LevyReportedExpiry,
    LevyScheme,
    LevyTransaction,
    PledgeStatus,
    TransactionKind,
    TransactionSource,
    TransferApprentice,
    TransferOutcome,
    TransferPublishedVersion,
    TransferShareLink,
)
from .notifications import EmailFrequency, EmailState, Notification, NotificationKind, NotificationPreference
from .outbox import OutboxMessage, OutboxStatus
from .password_resets import PasswordReset
from .people import Mentor, RecoveryCode, Role, SignInFailure, User, UserSession
from .placements import (
    AssignmentStatus,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    PlacementStatus,
    WorkingPattern,
    placement_standards,
)
from .programme import (
    ApprenticeshipStandard,
    Ksb,
    KsbKind,
    ProgrammeSettings,
    ReviewIntervalUnit,
    TrainingProvider,
)
from .progress import (
    MAX_MINUTES_A_DAY,
    ActivityType,
    LogDayTotal,
    LogEntry,
    LogEntryRevision,
    VerificationStatus,
    log_entry_ksbs,
)
from .reporting import EmployedBy, SectorReturn, SectorReturnPart
from .reviews import ProgressReview, Rag, ReviewAction, ReviewReopening, ReviewSignoff, SignoffParty
from .sharing import PublishedVersion, ShareLink, ShareMode
from .types import utcnow

__all__ = [name for name in dir() if not name.startswith("_")]
