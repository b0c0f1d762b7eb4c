"""What of an article is the article: headlines, footers and credit lines set apart.

Pages scraped from news sites carry more than the story: the headline repeated at the top of
the body and run into the first sentence, a footer of site furniture ("Follow us", "Copyright
2018 TRT World", "Our Standards: The Thomson Reuters Trust Principles"), credit lines
("Reporting by Oliver Holmes; Editing by John Stonestreet") and bylines ("Manar al-Freih /
Hazem Sabbagh"). Their capitalised words are not the article's people and organisations.
:func:`article_text` returns the text the extractor reads: the title, then the body with the
repeated headline on a line of its own (so the rules read it as a headline) and without the
footer and the trailing credits.
"""

from __future__ import annotations

import re

# A footer or credit line starts at one of these (in the last part of a body only).
_FOOTER_RE = re.compile(
    r"""(?x)
    \b(?:Our\ Standards|Copyright\b|All\ rights\ reserved|Follow\ us\b|FOLLOW\b|Subscribe\ to\b
    |SUBSCRIBE\b|Sign\ up\b|Terms\ of\ (?:Use|Service)|Privacy\ Policy|Click\ here
    |(?:Additional\ )?[Rr]eporting\ by\b|Editing\ by\b|Writing\ by\b|Compiled\ by\b)
    |\u00a9
    """
)
# A trailing byline: names joined by "/" after the last sentence ("Manar/Mazen",
# "Qabas / Hazem Sabbagh/Mazen"), or one name of two to four words alone after it, with no
# full stop of its own ("... public and private properties. Hazem Sabbagh"): a sign-off.
_NAME = r"(?:[A-Z]|al-|el-)[\w'\u2019-]*(?:[ ]+(?:[A-Z]|al-|el-)[\w'\u2019-]*){0,3}"
_NAME2 = r"[A-Z][\w'\u2019-]*(?:[ ]+(?:[A-Z]|al-|el-)[\w'\u2019-]*){1,3}"
_BYLINE_RE = re.compile(
    rf"(?:^|(?<=[.!?\"\u201d)]))\s*(?:{_NAME}(?:\s*/\s*{_NAME})+|(?<=[.!?])[ ]{_NAME2})\s*$"
)
_FOOTER_CUES = (
    "Standards", "Copyright", "rights reserved", "Follow", "FOLLOW", "Subscribe", "SUBSCRIBE",
    "Sign up", "Terms of", "Privacy Policy", "Click here", "eporting by", "Editing by",
    "Writing by", "Compiled by", "\u00a9",
)  # fmt: skip
# The earliest cue (the engine scans for the cues' first letters).
_FOOTER_CUE_RE = re.compile("|".join(map(re.escape, _FOOTER_CUES)))
_FOOTER_FROM = 0.4  # a footer cue counts only in the last 60% of a body
# A photo credit: "REUTERS/Rodi Said", "AFP/Getty Images", "REUTERS Omar Sanadiki".
_CREDIT_NAME = r"[A-Z][\w'\u2019-]+(?:[ ][A-Z][\w'\u2019-]+){0,2}"
_PHOTO_CREDIT_RE = re.compile(
    rf"\b(?:(?:REUTERS|AFP|AP|EPA|ANADOLU|Reuters|Getty Images)[ ]?/[ ]?{_CREDIT_NAME}"
    r"|REUTERS[ ][A-Z][\w'\u2019-]+[ ][A-Z][\w'\u2019-]+)"
)


def article_text(title: str, body: str) -> str:
    """The text to extract entities from: ``title``, a blank line, then ``body`` with the
    repeated headline set on its own line and the footer and trailing credits removed."""
    if body:
        body = _strip_footer(body)
        if "/" in body or "REUTERS " in body:
            body = _PHOTO_CREDIT_RE.sub(" ", body)
        if title:
            body = _headline_apart(title, body)
    if title and body:
        return f"{title}\n\n{body}"
    return title or body


def _strip_footer(body: str) -> str:
    """The body without its footer (from the first footer cue in its last part) and without a
    trailing byline."""
    start = int(len(body) * _FOOTER_FROM)
    # Find the earliest cue by a plain search first: the regular expression is only run from
    # there on (most bodies have none).
    cue = _FOOTER_CUE_RE.search(body, start)
    if cue is not None:
        first = cue.start()
        m = _FOOTER_RE.search(body, max(start, first - 12))
        if m is not None:
            body = body[: m.start()].rstrip()
    m = _BYLINE_RE.search(body, max(0, len(body) - 120))
    if m is not None:
        body = body[: m.start()].rstrip()
    return body


def _headline_apart(title: str, body: str) -> str:
    """Put the headline on a line of its own where the body repeats it near its start (scraped
    pages: "Saturday 27 Aug 2016 Barrel bombs kill ... Monitor AFP At least 15 civilians")."""
    head = title.strip()
    if head.count(" ") < 3 or len(head) < 20:
        return body
    at = body.find(head, 0, 400 + len(head))
    if at < 0:
        return body
    end = at + len(head)
    before, after = body[:at].rstrip(), body[end:].lstrip(" .:-\u2013\u2014")
    return "\n".join(part for part in (before, head, after) if part)
