from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from orkesteri.accounts.models import User
from orkesteri.accounts.tasks import send_email


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True})
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset email through the worker: the page answers at once, whether or not
    the address has an account (no timing difference) and however slow the mail server is."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_email(to_email, subject, body)


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not a common password."),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("Same as the browser")), *settings.LANGUAGES]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Where you will use it, e.g. “Zapier” or “reporting script”."),
    )
