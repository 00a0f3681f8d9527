from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Path, Schema
from pydantic import ConfigDict, field_validator

from orkesteri.workspaces.models import Membership
from orkesteri.workspaces.roles import Role

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
# Database ids are positive 64-bit integers; a larger number is a 422, not a driver error.
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
BodyId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # the same, in a request body


class FieldError(Schema):
    field: str = Field(description="The input field at fault; empty for the request as a whole.")
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class InputSchema(Schema):
    """Request bodies: an unknown field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold U+0000: psycopg raises DataError, a 500. SQLite stores it.
        strings = value if isinstance(value, list) else [value]
        if any(isinstance(s, str) and "\x00" in s for s in strings):
            raise ValueError("Null characters are not allowed.")
        return value


class WorkspaceIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    slug: str | None = Field(None, pattern=SLUG_PATTERN, max_length=50)
    timezone: str = Field("UTC", max_length=64, description="IANA zone, e.g. Europe/Helsinki")
    languages: list[str] = Field(["en"], max_length=20, description="Language codes, e.g. en, fi")
    brand_color: str = Field("#4f46e5", pattern=COLOUR_PATTERN)


class WorkspacePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    slug: str | None = Field(None, pattern=SLUG_PATTERN, max_length=50)
    timezone: str | None = Field(None, max_length=64)
    languages: list[str] | None = Field(None, max_length=20)
    brand_color: str | None = Field(None, pattern=COLOUR_PATTERN)
    requires_approval: bool | None = Field(
        None, description="Scheduling a post asks an owner, manager or client to approve it."
    )
    er_averaging: Literal["arithmetic", "weighted"] | None = Field(
        None,
        description="Engagement rates over many posts: the average of each post's rate, or "
        "all engagement over all followers (docs/metrics.md).",
    )


class WorkspaceOut(Schema):
    """Read from the caller's Membership, so the caller's role comes along."""

    id: int
    name: str
    slug: str
    timezone: str
    languages: list[str]
    brand_color: str
    requires_approval: bool
    er_averaging: str
    logo_url: str | None
    role: Role = Field(description="Your role in this workspace.")
    created_at: datetime

    @staticmethod
    def resolve_id(obj: Membership) -> int:
        return obj.workspace_id

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.workspace.name

    @staticmethod
    def resolve_slug(obj: Membership) -> str:
        return obj.workspace.slug

    @staticmethod
    def resolve_timezone(obj: Membership) -> str:
        return obj.workspace.timezone

    @staticmethod
    def resolve_languages(obj: Membership) -> list[str]:
        return list(obj.workspace.languages)

    @staticmethod
    def resolve_brand_color(obj: Membership) -> str:
        return obj.workspace.brand_color

    @staticmethod
    def resolve_requires_approval(obj: Membership) -> bool:
        return obj.workspace.requires_approval

    @staticmethod
    def resolve_er_averaging(obj: Membership) -> str:
        return obj.workspace.er_averaging

    @staticmethod
    def resolve_created_at(obj: Membership) -> datetime:
        return obj.workspace.created_at

    @staticmethod
    def resolve_logo_url(obj: Membership, context: dict[str, Any]) -> str | None:
        if not obj.workspace.logo:
            return None
        url = reverse("workspace_logo_file", args=[obj.workspace.slug])
        return str(context["request"].build_absolute_uri(url))


class MemberOut(Schema):
    id: int
    user_id: int
    email: str = Field(alias="user.email")
    name: str = Field(alias="user.name")
    role: Role
    joined_at: datetime = Field(alias="created_at")


class MemberIn(InputSchema):
    email: str = Field(max_length=254, description="Who to invite; they get an email with a link.")
    role: Role = Role.EDITOR


class RoleIn(InputSchema):
    role: Role


class InviteOut(Schema):
    id: int
    email: str
    role: Role
    status: str
    created_at: datetime
    expires_at: datetime


class InviteCreatedOut(InviteOut):
    invite_url: str | None = Field(
        description="The one-time link, shown only in this response, and only where Orkesteri "
        "sends no real email (ORKESTERI_SHOW_INVITE_LINKS); otherwise null."
    )


class AuditEventOut(Schema):
    id: int
    actor: str = Field(alias="actor_label")
    action: str
    target: str
    changes: dict[str, list[object]]
    created_at: datetime


class ChannelIn(InputSchema):
    network: str = Field(
        max_length=32, description="The network's slug: bluesky, mastodon, telegram, vk, feed."
    )
    config: dict[str, str | bool | int | None] = Field(
        description="The network's connect fields (docs/networks/<network>.md), e.g. for "
        "bluesky {service_url, handle, app_password}. Secrets are stored encrypted and never "
        "returned."
    )


class ChannelLimitsOut(Schema):
    text: int = Field(description="Most characters (in the network's own unit) of a post.")
    caption: int | None = Field(description="Most characters when images are attached.")
    max_images: int
    max_image_bytes: int | None
    max_alt_text: int | None


class ChannelOut(Schema):
    id: int
    network: str
    network_label: str
    display_name: str
    remote_id: str = Field(description="The account's id on the network.")
    url: str
    status: str = Field(description="connected, needs_reconnect or error")
    status_message: str
    features: list[str]
    limits: ChannelLimitsOut
    last_used_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_features(obj: Any) -> list[str]:
        return sorted(obj.adapter_class.features)

    @staticmethod
    def resolve_limits(obj: Any) -> dict[str, Any]:
        limits = obj.adapter_class(credentials={}, config=obj.config).limits
        return {
            "text": limits.text.limit,
            "caption": limits.caption.limit if limits.caption else None,
            "max_images": limits.max_images,
            "max_image_bytes": limits.max_image_bytes,
            "max_alt_text": limits.max_alt_text,
        }


class PostIn(InputSchema):
    text: str = Field("", max_length=50_000)
    channels: list[BodyId] = Field(min_length=1, max_length=100, description="Channel ids.")
    scheduled_at: datetime | None = Field(
        None, description="When to publish, ISO 8601 with its offset (e.g. 2026-12-01T09:00+02:00)."
    )
    publish_now: bool = False
    queue: bool = Field(False, description="Take each channel's next free queue slot.")
    overrides: dict[str, str] = Field(
        {}, description="A channel's own text instead of `text`, by channel id."
    )
    link: str = Field("", max_length=2000)
    utm: bool = False
    short_link: bool = Field(
        False, description="Count clicks: each channel gets its own short link /l/<code>."
    )
    first_comment: str = Field("", max_length=10_000)
    thread: list[str] = Field([], max_length=25, description="Further parts of a thread.")
    pillar: str = Field("", max_length=100)
    campaign: str = Field("", max_length=100)
    notes: str = Field("", max_length=10_000)


class PostPatch(InputSchema):
    text: str | None = Field(None, max_length=50_000)
    channels: list[BodyId] | None = Field(None, min_length=1, max_length=100)
    scheduled_at: datetime | None = None
    publish_now: bool = False
    queue: bool = False
    overrides: dict[str, str] | None = None
    link: str | None = Field(None, max_length=2000)
    utm: bool | None = None
    short_link: bool | None = None
    first_comment: str | None = Field(None, max_length=10_000)
    thread: list[str] | None = Field(None, max_length=25)
    pillar: str | None = Field(None, max_length=100)
    campaign: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=10_000)


class DeliveryOut(Schema):
    id: int
    channel_id: int
    channel: str = Field(description="The channel's display name.")
    network: str
    status: str
    due_at: datetime | None
    published_at: datetime | None
    remote_url: str
    last_error: str

    @staticmethod
    def resolve_channel(obj: Any) -> str:
        return str(obj.channel.display_name)

    @staticmethod
    def resolve_network(obj: Any) -> str:
        return str(obj.channel.network)


class PostOut(Schema):
    id: int
    text: str
    status: str
    scheduled_at: datetime | None
    link: str
    utm: bool
    short_link: bool
    first_comment: str
    pillar: str
    campaign: str
    notes: str
    author: str | None
    approved_at: datetime | None
    review_note: str
    deliveries: list[DeliveryOut]
    created_at: datetime

    @staticmethod
    def resolve_author(obj: Any) -> str | None:
        return obj.author.email if obj.author else None

    @staticmethod
    def resolve_deliveries(obj: Any) -> list[Any]:
        return list(obj.deliveries.all())
