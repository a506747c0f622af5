"""SQLAlchemy models: every table re-exported so metadata and migrations see them all."""
from .action_plans import Recommendation, StandardRating  # noqa: F401
from .audit import AuditEvent
from .base import Base, UTCDateTime, utcnow
from .calendar import ClosureDay
from .cdop import ChildDeath, ThemedReport
from .challenge import Challenge
from .draft import Draft
from .learning import (Action, ActionPlan, Dissemination, Evaluation, LearningItem,  # noqa: F401
                       LearningItemChild, LearningTag, Review)
from .message import MessageSubscription
from .notification import CalendarToken, EmailOutbox, Notification
from .performance import PerformanceFigure
from .process import Definition, MessageStart, ProcessInstance
from .setting import BoardSetting
from .saved_filter import SavedFilter
from .status import GroupKind, InstanceStatus, Role, TaskStatus
from .task import HumanTask, StepCount, TaskCandidate
from .timer import PendingTimer
from .token import ApiToken
from .user import Group, LaneMapping, Membership, User, UserRole

__all__ = [
    "ApiToken", "AuditEvent", "Base", "BoardSetting", "CalendarToken", "Challenge", "ChildDeath",
    "ClosureDay", "Definition", "Draft", "EmailOutbox", "Group",
    "GroupKind", "HumanTask", "InstanceStatus", "LaneMapping", "Membership", "MessageStart",
    "MessageSubscription", "Notification", "PendingTimer", "PerformanceFigure", "ProcessInstance",
    "Role", "SavedFilter", "StepCount", "TaskCandidate", "TaskStatus", "ThemedReport", "User",
    "UserRole", "UTCDateTime", "utcnow",
]
