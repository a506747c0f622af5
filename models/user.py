"""People, groups, memberships, roles and the lane -> group mapping."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class User(Base):
    """A person who signs in; roles and group memberships decide what they see and do."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_mode: Mapped[str] = mapped_column(String(20), default="immediate")
    # Part of every session's id: raised on sign-out, password change, deactivation and an
    # admin's "sign out everywhere", which ends every session (a copied cookie included).
    session_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_names(self) -> set[str]:
        """The user's roles as plain strings."""
        return {r.role for r in self.roles}

    @property
    def group_slugs(self) -> set[str]:
        """Slugs of the groups the user belongs to."""
        return {m.group.slug for m in self.memberships}


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)


class Group(Base):
    """An agency (police, health...) or a board role/sub-group (LSCB Chair, LISG, CDOP...)."""

    __tablename__ = "user_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="board")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan")


class Membership(Base):
    """A user's membership of a group; a lead is the escalation contact for that group."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("user_group.id", ondelete="CASCADE"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="memberships")
    group: Mapped[Group] = relationship(back_populates="memberships", lazy="joined")


class LaneMapping(Base):
    """Which group receives the user tasks of a BPMN lane that names no candidate groups."""

    __tablename__ = "lane_mapping"

    lane: Mapped[str] = mapped_column(String(200), primary_key=True)
    group_slug: Mapped[str] = mapped_column(String(80))
