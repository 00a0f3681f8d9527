from django import forms
from django.utils.translation import gettext_lazy as _

from orkesteri.lib.validators import validate_one_line


class ConnectForm(forms.Form):
    title = forms.CharField(
        label=_("Feed title"),
        max_length=120,
        validators=[validate_one_line],
        help_text=_("What feed readers show, e.g. the brand's name and “news”."),
    )
