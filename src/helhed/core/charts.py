"""Charts drawn on the server with Vega-Altair and vl-convert (no JavaScript in the browser), made safe to put
inline in a page under the strict CSP. Used by the compliance chart (`deadlines.charts`) and the cost forecast
(`interventions.charts`); each app builds its own Vega-Lite spec, this module renders and sanitizes it.

The SVG vl-convert writes has no script and no style, but it is checked anyway: every <script>, <style> and
<foreignObject> element, every `style` and `on…` attribute and every link that leaves the document is removed
before the SVG reaches a template. A chart is always secondary: the page's table holds the same numbers, and a
chart that cannot be drawn leaves the page with the table only.
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET  # noqa: S405 - parses only the SVG vl-convert drew from our own numbers
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

log = logging.getLogger(__name__)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_FORBIDDEN_ELEMENTS = {"script", "style", "foreignObject", "iframe", "object", "embed", "image", "use"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _attribute_name(name: str) -> str | None:
    """The name to write: plain, `xlink:` or `xml:`; None (dropped) for any other namespace."""
    namespace = _namespace(name)
    if not namespace:
        return name
    prefix = {XLINK_NS: "xlink", XML_NS: "xml"}.get(namespace)
    return f"{prefix}:{_local(name)}" if prefix else None


def _write(element: ET.Element, out: list[str], *, root: bool = False) -> None:
    """Write the element as inline SVG for an HTML page: SVG as the default namespace, no other prefixes (the
    HTML parser knows `<svg>` and `xlink:href`, not `<ns0:svg>`), every text and attribute escaped."""
    tag = _local(element.tag)
    attributes = [' xmlns="http://www.w3.org/2000/svg"', f' xmlns:xlink="{XLINK_NS}"'] if root else []
    for name, value in element.attrib.items():
        written = _attribute_name(name)
        if written and not written.startswith("xmlns"):
            attributes.append(f" {written}={quoteattr(value)}")
    out.append(f"<{tag}{''.join(attributes)}>")
    if element.text:
        out.append(escape(element.text))
    for child in element:
        _write(child, out)
        if child.tail:
            out.append(escape(child.tail))
    out.append(f"</{tag}>")


def sanitize_svg(svg: str, *, label: str) -> str:
    """The SVG without script, style, embedded objects, event handlers, outside links or elements of other
    namespaces, with role="img", an aria-label and a <title> (the accessible name)."""
    root = ET.fromstring(svg)  # noqa: S314 - our own renderer's output, see the module docstring
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValueError("not an SVG document")
    for parent in list(root.iter()):
        for child in list(parent):
            if _namespace(child.tag) != SVG_NS or _local(child.tag) in _FORBIDDEN_ELEMENTS:
                parent.remove(child)
    for element in root.iter():
        for name in list(element.attrib):
            local = _local(name).lower()
            outside_link = local == "href" and not element.attrib[name].startswith("#")
            if local == "style" or local.startswith("on") or outside_link:
                del element.attrib[name]
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    title = ET.Element(f"{{{SVG_NS}}}title")
    title.text = label
    root.insert(0, title)
    out: list[str] = []
    _write(root, out, root=True)
    return "".join(out)


@lru_cache(maxsize=128)
def _render(spec: str, label: str, locale: str) -> str:
    import vl_convert as vlc

    options: dict[str, Any] = {"format_locale": locale} if locale else {}
    svg = vlc.vegalite_to_svg(spec, **options)
    return sanitize_svg(svg, label=label)


def inline_chart(build_spec: Callable[[], str], *, label: str, what: str, locale: str = "") -> SafeString | None:
    """The chart `build_spec()` describes (Vega-Lite JSON) as safe inline SVG; None when it cannot be drawn (the
    failure is logged as `what`), so a chart never takes its page down. Renders are cached by spec."""
    try:
        spec = json.dumps(json.loads(build_spec()), sort_keys=True)
        svg = _render(spec, label, locale)
    except Exception:  # the chart is secondary: never let it take the page down
        log.exception("%s could not be drawn", what)
        return None
    return mark_safe(svg)  # noqa: S308 - sanitized above: no script, style, handlers or outside links
