"""What a browser would submit from a page's form, read from the HTML the server sent.

Posting these fields back proves the page shows everything a rule holds: a rule that comes back
changed was shown wrong. Buttons are left out (the test says which one it presses), and so is
what <template> elements hold (rows the script may add).
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Fields(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.inside = False
        self.templates = 0
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("data-testid") == self.testid:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.templates += 1
        if self.templates:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside and not self.templates:
            self.inside = False
        elif tag == "template" and self.templates:
            self.templates -= 1
        elif tag == "select" and self.select is not None:
            chosen = [v for v, selected in self.options if selected] or [self.options[0][0]]
            self.fields.append((self.select, chosen[0]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # HTML drops one newline right after <textarea>; the server writes one there.
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_fields(html: str, testid: str) -> dict[str, list[str]]:
    """The fields of the form marked `data-testid=testid`, each name's values in page order."""
    parser = _Fields(testid)
    parser.feed(html)
    out: dict[str, list[str]] = {}
    for name, value in parser.fields:
        out.setdefault(name, []).append(value)
    return out
