"""Page chrome and boilerplate removed from an HTML tree before its text is taken.

What a page's author marks as not content goes, judged from the markup's own semantics
and shape, never from the words on a particular site:

- elements that are chrome by their tag (``nav``, ``header``, ``footer``, ``aside``,
  ``form``, scripts ...) or by their ARIA role (navigation, banner, contentinfo,
  complementary, search, dialog, menu, toolbar), and hidden ones (``hidden``,
  ``aria-hidden``, ``display: none``);
- blocks whose class or id names them as chrome (the naming conventions of templates:
  "sidebar", "breadcrumb", "comments", "share", "cookie", "rating" ...), unless they also
  name themselves content ("article", "content", "main", "post", "entry");
- blocks that are mostly links (menus, tag clouds, "related" lists): more than half of
  their text is link text;
- small widgets: the block around a form control (button, input, select) when it holds
  little text and no paragraph (rating stars, share buttons, a comment box).

An ``<article>``'s own ``<header>`` usually holds its title and is kept. ``main`` and
``article`` elements, and ``body``, are never removed.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

DROPPED_TAGS = frozenset(
    {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg",
     "iframe", "template", "head", "button", "select", "object", "canvas", "dialog"}
)  # fmt: skip
_CHROME_TAGS = frozenset({"header", "footer"})
_CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog",
     "alertdialog", "menu", "menubar", "toolbar", "tablist"}
)  # fmt: skip
_KEPT = frozenset({"body", "main", "article", "html"})
_CONTAINERS = ["div", "section", "ul", "ol", "dl", "table", "aside", "menu"]
_CONTROLS = ["button", "input", "select", "textarea"]
# Words that templates use to name chrome, as whole parts of a class or id.
_CHROME_NAME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|breadcrumbs?|footer|header|masthead|"
    r"sidebar|sidenav|comments?|reply|replies|share|sharing|social|cookies?|consent|gdpr|"
    r"banner|ads?|advert\w*|sponsor\w*|promo\w*|related|recommend\w*|ratings?|vote|votes|"
    r"stars|subscribe|newsletter|signup|login|popup|modal|toolbar|pager|pagination|tags|"
    r"copyright|disclaimer)(?:$|[-_\s])",
    re.IGNORECASE,
)
_CONTENT_NAME = re.compile(r"article|content|main|post|entry|story|body", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_LINK_SHARE = 0.5
_WIDGET_TEXT = 200  # a block with controls and less text than this is a widget


def strip_boilerplate(soup: BeautifulSoup) -> None:
    """Remove chrome and boilerplate from ``soup`` in place."""
    for control in soup.find_all(_CONTROLS):
        if not control.decomposed:
            _drop_widget_around(control)
    for tag in soup.find_all(list(DROPPED_TAGS)):
        if tag.decomposed:
            continue
        if tag.name in _CHROME_TAGS and tag.find_parent(["article", "main"]) is not None:
            continue
        tag.decompose()
    for tag in soup.find_all(True):
        if not tag.decomposed and tag.name not in _KEPT and _is_chrome(tag):
            tag.decompose()
    for tag in _link_lists(soup):
        tag.decompose()


def _is_chrome(tag: Tag) -> bool:
    attrs = tag.attrs or {}
    if str(attrs.get("role", "")).lower() in _CHROME_ROLES:
        return True
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    if _HIDDEN_STYLE.search(str(attrs.get("style", ""))):
        return True
    names = " ".join([*_as_list(attrs.get("class")), str(attrs.get("id", ""))])
    return bool(_CHROME_NAME.search(names)) and not _CONTENT_NAME.search(names)


def _as_list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def _link_lists(soup: BeautifulSoup) -> list[Tag]:
    """The outermost containers whose text is mostly link text.

    Text and link lengths are summed children first in one pass over the tree, without
    recursion (pages nest thousands of levels deep) and without re-reading a subtree."""
    tags = [node for node in soup.descendants if isinstance(node, Tag)]
    text: dict[int, int] = {}
    linked: dict[int, int] = {}
    for tag in reversed(tags):  # reversed document order: children before parents
        own = sum(len(s.strip()) for s in tag.find_all(string=True, recursive=False))
        children = tag.find_all(True, recursive=False)
        text[id(tag)] = own + sum(text[id(c)] for c in children)
        linked[id(tag)] = text[id(tag)] if tag.name == "a" else sum(linked[id(c)] for c in children)
    found: list[Tag] = []
    inside: set[int] = set()
    for tag in tags:
        if tag.parent is not None and id(tag.parent) in inside:
            inside.add(id(tag))
            continue
        if (
            tag.name in _CONTAINERS
            and text[id(tag)]
            and linked[id(tag)] > _LINK_SHARE * text[id(tag)]
        ):
            found.append(tag)
            inside.add(id(tag))
    return found


def _drop_widget_around(control: Tag) -> None:
    """A control's nearest block, when it holds little text and no paragraph or heading,
    is a widget (stars and a count, share buttons, a comment box): it goes whole."""
    block = control.find_parent(_CONTAINERS)
    if (
        block is not None
        and block.name not in _KEPT
        and len(block.get_text(" ", strip=True)) < _WIDGET_TEXT
        and block.find(["p", "h1", "h2", "h3", "h4", "h5", "h6", "table"]) is None
    ):
        block.decompose()
