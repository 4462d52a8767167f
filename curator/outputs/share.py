"""What the user needs to publish a relay by hand (issue 16): the text to paste (their comment,
then the link) and the network's share link. Pure; shared by the .ics, the week grid and
`curator slot show`."""

from __future__ import annotations

from urllib.parse import quote

LINKEDIN_SHARE = "https://www.linkedin.com/sharing/share-offsite/?url="


def share_url(url: str) -> str:
    """LinkedIn's share dialog for `url`: it opens the composer with the link's preview."""
    return LINKEDIN_SHARE + quote(url.strip(), safe="")


def paste_block(comment: str | None, url: str | None) -> str | None:
    """The post as it is pasted: the comment, a blank line, the link. None until there is a
    comment (pasting a bare link is not what curator plans) or when there is no link."""
    text = (comment or "").strip()
    if not text or not url:
        return None
    return f"{text}\n\n{url.strip()}"
