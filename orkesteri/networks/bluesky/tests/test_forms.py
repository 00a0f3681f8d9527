"""The connect form: what a person may type, and what connect() receives."""

from __future__ import annotations

from orkesteri.networks.bluesky.forms import ConnectForm


def cleaned(**data: str) -> dict[str, str] | dict[str, list[str]]:
    form = ConnectForm(data={"handle": "alice.bsky.social", "app_password": "abcd", **data})
    return form.cleaned_data if form.is_valid() else dict(form.errors)


def test_it_defaults_to_bsky_social() -> None:
    assert cleaned() == {
        "service_url": "https://bsky.social",
        "handle": "alice.bsky.social",
        "app_password": "abcd",
    }


def test_it_tidies_the_server_address() -> None:
    assert cleaned(service_url="pds.Example.org/")["service_url"] == "https://pds.example.org"
    assert cleaned(service_url="https://pds.example.org/xrpc")["service_url"] == (
        "https://pds.example.org"
    )
    assert cleaned(service_url="http://127.0.0.1:2583")["service_url"] == "http://127.0.0.1:2583"


def test_it_refuses_other_schemes_and_extras() -> None:
    assert "service_url" in cleaned(service_url="ftp://pds.example.org")
    assert "service_url" in cleaned(service_url="https://pds.example.org/?x=1")
    assert "service_url" in cleaned(service_url="https://user:pw@pds.example.org")


def test_it_tidies_the_handle() -> None:
    assert cleaned(handle=" @Alice.bsky.social ")["handle"] == "alice.bsky.social"
    assert cleaned(handle="https://bsky.app/profile/alice.bsky.social")["handle"] == (
        "alice.bsky.social"
    )


def test_it_refuses_what_is_not_a_handle() -> None:
    for handle in ("alice", "alice@example.com", "alice bsky.social", "-alice.bsky.social"):
        assert "handle" in cleaned(handle=handle), handle


def test_it_needs_an_app_password() -> None:
    form = ConnectForm(data={"handle": "alice.bsky.social"})
    assert not form.is_valid()
    assert "app_password" in form.errors
    assert 'type="password"' in str(form["app_password"])


def test_every_field_explains_itself() -> None:
    assert all(field.help_text for field in ConnectForm().fields.values())


def test_it_refuses_addresses_that_are_not_urls() -> None:
    for service_url in ("https://[x", "https://bsky.social:abc"):
        form = ConnectForm(
            data={"service_url": service_url, "handle": "a.bsky.social", "app_password": "x"}
        )
        assert not form.is_valid()
        assert form.errors["service_url"]
    form = ConnectForm(data={"handle": "https://[x/profile/a", "app_password": "x"})
    assert not form.is_valid()
    assert form.errors["handle"]
