"""Text as XML 1.0 allows it: what goes into the feed and the page.

A routine's title, summary, tags and step names are the author's text, and YAML lets any character
in (`"Hips\\u000b and knees"`). XML 1.0 does not: lxml refuses C0 control characters (all but tab,
newline and carriage return), U+FFFE and U+FFFF, and a lone surrogate cannot even be encoded as
UTF-8. One such character in one title would make the whole feed a 500, so they are dropped.
"""

from __future__ import annotations

import re

#: The characters XML 1.0 does not allow (its `Char` production), as they appear in a Python str.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 does not allow."""
    return NOT_XML.sub("", text)
