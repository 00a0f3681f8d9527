"""The Finnish and Russian catalogues are complete, keep their placeholders and reach the pages.

`make` compiles the .mo files with `pybabel compile`; the module fixture below compiles any
that are missing or older than their .po, so the page tests also run straight after a
`makemessages` + translate round.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils.translation.reloader import translation_file_changed

from orkesteri.accounts.models import User
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import Workspace

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ("fi", "ru")
NPLURALS = {"fi": 2, "ru": 3}

# Django stores blocktranslate variables as %(x)s; {{ x }} is matched too in case one slips in.
# `%%` is a literal percent sign and is consumed so that "%%(x)s" is not read as a placeholder.
PLACEHOLDER = re.compile(
    r"%%|%\((?P<named>\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\{\s*(?P<var>[\w.]+)\s*\}\}"
)


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def load(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def placeholders(text: str) -> set[str]:
    return {
        m.group(0) if m.group("named") else "{{ " + m.group("var") + " }}"
        for m in PLACEHOLDER.finditer(text)
        if m.group("named") or m.group("var")
    }


def ids(message: Message) -> list[str]:
    return [str(i) for i in message.id] if isinstance(message.id, (list, tuple)) else [message.id]


def strings(message: Message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return [str(s) for s in message.string]
    return [message.string or ""]


def entries(catalog: Catalog) -> list[Message]:
    """Every real entry: the header (empty msgid) and obsolete `#~` entries are not in it."""
    return [m for m in catalog if m.id]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues() -> None:
    for lang in LANGUAGES:
        po, mo = po_path(lang), po_path(lang).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".django-", suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as f:
            write_mo(f, load(lang))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; pybabel's output is world-readable
        os.replace(tmp, mo)  # atomic, so a concurrent reader never sees half a file
    # Forget every catalogue Django (and gettext) cached before the .mo files were (re)built;
    # this is what runserver's autoreloader does when a .mo file changes.
    translation_file_changed(sender=None, file_path=Path("django.mo"))


# --- the catalogues -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_header_is_complete(lang: str) -> None:
    catalog = load(lang)
    assert not catalog.fuzzy, f"{lang}: the header is still marked fuzzy"
    assert str(catalog.locale) == lang
    assert catalog.charset.upper() == "UTF-8"
    assert catalog.num_plurals == NPLURALS[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated(lang: str) -> None:
    catalog = load(lang)
    untranslated = [m.id for m in entries(catalog) if not all(strings(m))]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: {untranslated}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_entry_is_fuzzy(lang: str) -> None:
    catalog = load(lang)
    fuzzy = [m.id for m in entries(catalog) if m.fuzzy]
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy: {fuzzy}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_entries_have_every_form(lang: str) -> None:
    catalog = load(lang)
    wrong = [m.id for m in entries(catalog) if m.pluralizable and len(strings(m)) != NPLURALS[lang]]
    assert not wrong, f"{lang}: need {NPLURALS[lang]} plural forms in: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder(lang: str) -> None:
    catalog = load(lang)
    problems = []
    for message in entries(catalog):
        expected = set().union(*(placeholders(i) for i in ids(message)))
        for n, text in enumerate(strings(message)):
            if not text:
                continue  # reported by test_every_entry_is_translated
            found = placeholders(text)
            if missing := expected - found:
                problems.append(f"{message.id!r} [{n}] lacks {sorted(missing)}")
            if unknown := found - expected:  # would raise KeyError when formatted
                problems.append(f"{message.id!r} [{n}] has unknown {sorted(unknown)}")
    assert not problems, f"{lang}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_babel_checkers_accept_the_catalogue(lang: str) -> None:
    """The same checks `pybabel compile` runs (python-format consistency, plural count)."""
    catalog = load(lang)
    errors = [f"{m.id!r}: {e}" for m, errs in catalog.check() for e in errs]
    assert not errors, f"{lang}:\n" + "\n".join(errors)


def test_placeholder_pattern() -> None:
    assert placeholders("%(name)s has %(n)d, 100%% sure, {{ who }}") == {
        "%(name)s",
        "%(n)d",
        "{{ who }}",
    }
    assert placeholders("50%% off, %%(not)s") == set()


# --- the pages ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "heading", "button"),
    [
        ("en", "Sign in to Orkesteri", "Forgot your password?"),
        ("fi", "Kirjaudu Orkesteriin", "Unohditko salasanasi?"),
        ("ru", "Вход в Orkesteri", "Забыли пароль?"),
    ],
)
def test_login_page_speaks_the_cookie_language(lang: str, heading: str, button: str) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    r = client.get("/login/")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'<html lang="{lang}">' in html
    assert heading in html
    assert button in html


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        (
            "fi",
            ["Kalenteri", "Luo julkaisu", "Saapuneet", "Analytiikka", "Raportit", "Asetukset"],
        ),
        (
            "ru",
            ["Календарь", "Создать пост", "Входящие", "Аналитика", "Отчёты", "Настройки"],
        ),
    ],
)
def test_workspace_navigation_is_translated(
    alice: User, acme: Workspace, lang: str, labels: list[str]
) -> None:
    client = logged_in(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    r = client.get(f"/w/{acme.slug}/calendar/")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'<html lang="{lang}">' in html
    missing = [label for label in labels if label not in html]
    assert not missing, f"{lang}: navigation lacks {missing}"
    for english in ("Calendar", "Inbox", "Settings", "Sign out"):
        assert f"{english}<" not in html, f"{lang}: “{english}” is shown untranslated"
