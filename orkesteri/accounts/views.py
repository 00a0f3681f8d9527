from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orkesteri.accounts import actions
from orkesteri.accounts.forms import LoginForm, ProfileForm, TokenForm
from orkesteri.accounts.models import ApiToken, User


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        return remember_language(response, form.get_user().language)  # type: ignore[attr-defined]


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if actions.revoke_all_tokens(form.user):
            messages.info(self.request, _("Your API tokens were revoked; create new ones."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        actions.revoke_all_tokens(form.user)
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=request.user.pk or 0))
    if request.method == "POST" and form.is_valid():
        user = actions.update_profile(
            request.user,  # type: ignore[arg-type]
            form.cleaned_data["name"],
            form.cleaned_data["language"],
        )
        messages.success(request, _("Profile saved."))
        return remember_language(redirect("profile"), user.language)
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_value = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_value = actions.create_token(request.user, form.cleaned_data["name"])  # type: ignore[arg-type]
        except actions.AccountError as e:
            form.add_error("name", e.message)
        else:
            form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_value": new_value,
            "tokens": request.user.tokens.all(),  # type: ignore[union-attr]
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if actions.revoke_token(request.user, token_id):  # type: ignore[arg-type]
        messages.success(request, _("Token revoked. Scripts using it stop working now."))
    return redirect("tokens")
