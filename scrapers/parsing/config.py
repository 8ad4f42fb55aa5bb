"""The per-portal ``parsing:`` block of the sources registry, validated into a ParseConfig.

Every key is optional: a portal without selectors is parsed by generic main-text extraction.
Example (YAML)::

    parsing:
      title: h1.title, h2.asset-title      # CSS selectors; the first element found wins
      date: div.PostDate
      date_attribute: datetime             # read the date from this attribute instead of the text
      body: div.journal-content-article
      remove: [div.share-tools, div.related-news]
      date_order: month_first              # or day_first (default); month_first: true also accepted
      encoding: cp1258                     # used when the page's bytes are decoded here
      min_body_chars: 200
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any, Mapping

from cssselect import GenericTranslator, SelectorError
from lxml import etree

DEFAULT_MIN_BODY_CHARS = 200
_SELECTOR_KEYS = ("title", "date", "body")
_KEYS = {
    "title": "CSS selector of the title element",
    "date": "CSS selector of the element holding the publication date",
    "date_attribute": "attribute of the date element to read instead of its text (e.g. datetime, content)",
    "body": "CSS selector of the article body container",
    "remove": "CSS selector or list of selectors of elements to drop before extraction",
    "date_order": "day_first (default) or month_first",
    "day_first": "boolean shorthand for date_order: day_first",
    "month_first": "boolean shorthand for date_order: month_first",
    "encoding": "charset used when the page's bytes are decoded here (e.g. cp1258)",
    "min_body_chars": "body shorter than this is flagged short_body",
}
_translator = GenericTranslator()


class ParseConfigError(ValueError):
    """A registry ``parsing:`` block that cannot be used; the message names the key and the fix."""


def compile_selector(selector: str, key: str) -> etree.XPath:
    if not isinstance(selector, str) or not selector.strip():
        raise ParseConfigError(f"parsing.{key}: expected a non-empty CSS selector string, got {selector!r}")
    try:
        return etree.XPath(_translator.css_to_xpath(selector))
    except (SelectorError, etree.XPathError) as exc:
        raise ParseConfigError(f"parsing.{key}: invalid CSS selector {selector!r}: {exc}") from None


@dataclass(frozen=True)
class ParseConfig:
    title: str | None = None
    date: str | None = None
    date_attribute: str | None = None
    body: str | None = None
    remove: tuple[str, ...] = ()
    month_first: bool = False
    encoding: str | None = None
    min_body_chars: int = DEFAULT_MIN_BODY_CHARS
    _compiled: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for key in _SELECTOR_KEYS:
            value = getattr(self, key)
            if value is not None:
                self._compiled[key] = compile_selector(value, key)
        object.__setattr__(self, "remove", (self.remove,) if isinstance(self.remove, str) else tuple(self.remove))
        self._compiled["remove"] = tuple(compile_selector(s, "remove") for s in self.remove)
        if self.encoding is not None:
            try:
                object.__setattr__(self, "encoding", codecs.lookup(self.encoding).name)
            except LookupError:
                raise ParseConfigError(f"parsing.encoding: unknown charset {self.encoding!r}") from None
        if not isinstance(self.min_body_chars, int) or isinstance(self.min_body_chars, bool) or self.min_body_chars < 0:
            raise ParseConfigError(f"parsing.min_body_chars: expected a non-negative integer, got {self.min_body_chars!r}")

    @property
    def is_generic(self) -> bool:
        return self.body is None

    def xpath(self, key: str):
        """Compiled selector for title/date/body (None when not configured), or the tuple for remove."""
        return self._compiled.get(key)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, *, where: str = "parsing") -> "ParseConfig":
        """Validate a registry block; ``where`` names it in errors (e.g. "portals[3].parsing")."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ParseConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            allowed = ", ".join(sorted(_KEYS))
            raise ParseConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {allowed}")
        kwargs: dict[str, Any] = {}
        for key in ("title", "date", "body", "date_attribute", "encoding"):
            value = data.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ParseConfigError(f"{where}.{key}: expected a non-empty string, got {value!r}")
            if value is not None:
                kwargs[key] = value.strip()
        remove = data.get("remove")
        if remove is not None:
            if isinstance(remove, str):
                remove = [remove]
            if not isinstance(remove, (list, tuple)) or not all(isinstance(s, str) for s in remove):
                raise ParseConfigError(f"{where}.remove: expected a selector or a list of selectors, got {remove!r}")
            kwargs["remove"] = tuple(s.strip() for s in remove)
        kwargs["month_first"] = _date_order(data, where)
        if "min_body_chars" in data:
            kwargs["min_body_chars"] = data["min_body_chars"]
        try:
            return cls(**kwargs)
        except ParseConfigError as exc:
            raise ParseConfigError(f"{where}: {exc}") from None


def _date_order(data: Mapping[str, Any], where: str) -> bool:
    votes = []
    if "date_order" in data:
        order = data["date_order"]
        if order not in ("day_first", "month_first"):
            raise ParseConfigError(f"{where}.date_order: expected day_first or month_first, got {order!r}")
        votes.append(order == "month_first")
    for key, means_month_first in (("month_first", True), ("day_first", False)):
        if key in data:
            if not isinstance(data[key], bool):
                raise ParseConfigError(f"{where}.{key}: expected true or false, got {data[key]!r}")
            votes.append(data[key] == means_month_first)
    if len(set(votes)) > 1:
        raise ParseConfigError(f"{where}: date_order/day_first/month_first contradict each other")
    return votes[0] if votes else False
