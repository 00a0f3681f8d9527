from django.contrib.auth import views as auth_views
from django.urls import include, path

from orkesteri.accounts import views as accounts
from orkesteri.accounts.forms import QueuedPasswordResetForm
from orkesteri.api.api import api
from orkesteri.channels import views as channels
from orkesteri.core import views as core
from orkesteri.networks.feed import views as feed
from orkesteri.publishing import views as publishing
from orkesteri.publishing.ical import calendar_ics
from orkesteri.workspaces import views as ws

W = "w/<slug:workspace>/"

urlpatterns = [
    path("", ws.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("feeds/<str:feed_id>.atom", feed.feed_atom, name="feed_atom"),
    path("feeds/<str:feed_id>/<str:name>", feed.feed_image, name="feed_image"),
    path("l/", include("orkesteri.links.urls")),
    path("approve/<str:token>/", publishing.approve_by_link, name="approve_by_link"),
    path("ical/<str:token>.ics", calendar_ics, name="calendar_ics"),
    # accounts
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            form_class=QueuedPasswordResetForm,
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("account/", accounts.profile, name="profile"),
    path("account/tokens/", accounts.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", accounts.token_revoke, name="token_revoke"),
    path("notifications/", include("orkesteri.notifications.urls")),
    # workspaces
    path("invite/", ws.accept_invite, name="accept_invite"),
    path("invite/<str:token>/", ws.open_invite, name="open_invite"),
    path("workspaces/", ws.workspace_list, name="workspace_list"),
    path("workspaces/new/", ws.workspace_create, name="workspace_create"),
    path(W, ws.workspace_home, name="workspace_home"),
    path(W + "logo.png", ws.logo_file, name="workspace_logo_file"),
    path(W + "settings/", ws.workspace_settings, name="workspace_settings"),
    path(W + "settings/logo/", ws.workspace_logo, name="workspace_logo"),
    path(W + "settings/members/", ws.members, name="workspace_members"),
    path(W + "settings/members/<int:member_id>/role/", ws.member_role, name="member_role"),
    path(W + "settings/members/<int:member_id>/remove/", ws.member_remove, name="member_remove"),
    path(W + "settings/invites/<int:invite_id>/revoke/", ws.invite_revoke, name="invite_revoke"),
    path(W + "settings/audit/", ws.audit_log, name="audit_log"),
    path(W + "settings/delete/", ws.workspace_delete, name="workspace_delete"),
    # channels
    path(
        "channels/oauth/callback/", channels.channel_oauth_callback, name="channel_oauth_callback"
    ),
    path(W + "channels/", channels.channel_list, name="channel_list"),
    path(W + "channels/connect/<slug:network>/", channels.channel_connect, name="channel_connect"),
    path(W + "channels/<int:channel_id>/test/", channels.channel_test, name="channel_test"),
    path(
        W + "channels/<int:channel_id>/reconnect/",
        channels.channel_reconnect,
        name="channel_reconnect",
    ),
    path(
        W + "channels/<int:channel_id>/disconnect/",
        channels.channel_disconnect,
        name="channel_disconnect",
    ),
    path(W + "media/", include("orkesteri.media.urls")),
    path(W + "analytics/", include("orkesteri.analytics.urls")),
    path(W + "links/", include("orkesteri.links.workspace_urls")),
    path(W + "campaigns/", include("orkesteri.campaigns.urls")),
    path(W, include("orkesteri.publishing.urls")),
    path(W + "<slug:name>/", ws.section, name="section"),
]
