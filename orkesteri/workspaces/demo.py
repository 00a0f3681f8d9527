"""The demo workspace a new installation starts with, so every page has something to show."""

from __future__ import annotations

from django.db import transaction

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.workspaces import actions
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Role

DEMO_SLUG = "demo"
DEMO_TEAM = [
    ("Eeva Editor", "eeva.editor@demo.example", Role.EDITOR),
    ("Max Manager", "max.manager@demo.example", Role.MANAGER),
    ("Kaisa Client", "kaisa.client@demo.example", Role.CLIENT),
]
# The generated history `orkesteri demo` (and so the first `make up`) adds: half a year over
# six demo channels, about 1,300 posts and 100,000 samples, written in under a second.
HISTORY_DAYS = 180
HISTORY_CHANNELS = 6


@transaction.atomic
def load_demo(owner: User) -> Workspace | None:
    """Create the demo workspace owned by `owner`; None if it exists already."""
    if Workspace.objects.filter(slug=DEMO_SLUG).exists():
        return None
    workspace = actions.create_workspace(
        owner,
        name="Demo: Nordic Roastery",
        slug=DEMO_SLUG,
        timezone_name="Europe/Helsinki",
        languages=["en", "fi"],
        brand_color="#b45309",
    )
    owner_membership = Membership.objects.get(workspace=workspace, user=owner)
    for name, email, role in DEMO_TEAM:
        user = User.objects.filter(email=email).first()
        if user is None:
            # Demo people cannot sign in: no usable password.
            user = User.objects.create_user(email=email, password=None, name=name)
        Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": role})
        actions.record(workspace, owner, "member.added", email, {"role": [None, role.value]})
    actions.invite_member(owner_membership, "agency.partner@demo.example", Role.VIEWER)
    # A channel that works offline, so publishing can be tried before connecting real accounts.
    connect_channel(workspace, owner, "feed", {"title": "Nordic Roastery news"})
    return workspace
