"""Every status and role in the system, spelled once."""
from enum import Enum


class InstanceStatus(str, Enum):
    """Where a process instance stands."""

    ACTIVE = "active"
    COMPLETED = "completed"
    INCIDENT = "incident"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


class RunStatus(str, Enum):
    """Where a running workflow stands (engine.run); the instance's status is derived from it,
    an ERROR run making an INCIDENT instance."""

    ACTIVE = "active"
    COMPLETED = "completed"
    ERROR = "error"


class TaskStatus(str, Enum):
    """Where a human task stands (the projection of a READY user task and its fate)."""

    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OutboxStatus(str, Enum):
    """Where an email in the outbox stands: ``pending`` -> ``sent``; a failed attempt makes it
    ``failed`` (retried with backoff), the last one ``parked`` (left for a person to look at);
    without an SMTP host it is ``held`` for the development outbox page."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    PARKED = "parked"
    HELD = "held"


class Role(str, Enum):
    """What a user may do across the system (group membership decides which cases)."""

    REVIEWER = "reviewer"
    MANAGER = "manager"
    PROCESS_OWNER = "process_owner"
    ADMIN = "admin"


class GroupKind(str, Enum):
    """Agencies do partner work; board groups are roles and sub-groups of the board."""

    AGENCY = "agency"
    BOARD = "board"
