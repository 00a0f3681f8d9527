"""The publishing tests' scripted network, so failures here come from a real send."""

from orkesteri.publishing.tests.conftest import channel, scripted

__all__ = ["channel", "scripted"]
