"""SQLAlchemy models: every table re-exported so metadata and migrations see them all."""
from .audit import AuditEvent
from .base import Base, UTCDateTime, utcnow
from .message import MessageSubscription
from .process import Definition, MessageStart, ProcessInstance
from .status import GroupKind, InstanceStatus, Role, TaskStatus
from .task import HumanTask, TaskCandidate
from .timer import PendingTimer
from .user import Group, LaneMapping, Membership, User, UserRole

__all__ = [
    "AuditEvent", "Base", "Definition", "Group", "GroupKind", "HumanTask", "InstanceStatus",
    "LaneMapping", "Membership", "MessageStart", "MessageSubscription", "PendingTimer",
    "ProcessInstance", "Role", "TaskCandidate", "TaskStatus", "User", "UserRole", "UTCDateTime",
    "utcnow",
]
