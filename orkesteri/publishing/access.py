"""Posts are reached only through the member's workspace (DESIGN.md §7)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from orkesteri.publishing.models import Post
from orkesteri.workspaces.models import Membership


def get_post(membership: Membership, post_id: int, posts: QuerySet[Post] | None = None) -> Post:
    """A post of the member's workspace, or 404 (never confirm another client's post)."""
    found = (posts if posts is not None else Post.objects).filter(
        workspace_id=membership.workspace_id, pk=post_id
    )
    post = found.select_related("workspace").first()
    if post is None:
        raise Http404("No such post")
    return post
