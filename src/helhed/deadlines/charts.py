"""The compliance chart: drawn on the server with Vega-Altair and vl-convert (no JavaScript in the browser),
and made safe to put inline in a page under the strict CSP.

The SVG vl-convert writes has no script and no style, but it is checked anyway: every <script>, <style> and
<foreignObject> element, every `style` and `on…` attribute and every link that leaves the document is removed
before the SVG reaches a template. The chart is secondary: the table next to it holds the same numbers.
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET  # noqa: S405 - parses only the SVG vl-convert drew from our own numbers
from functools import lru_cache
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


def _spec(series: list[dict], *, x_title: str, y_title: str, colour_title: str) -> str:
    import altair as alt

    order = sorted({row["order"] for row in series})
    labels = {row["order"]: row["period"] for row in series}
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=480, symbolSize=80)
    chart = (
        alt.Chart(alt.Data(values=series))
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True), strokeWidth=2)
        .encode(
            x=alt.X("period:O", title=x_title, sort=[labels[o] for o in order], axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("share:Q", title=y_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("rule:N", title=colour_title, legend=legend),
        )
        .properties(width=560, height=260)
        .configure(font="Arial")
    )
    return chart.to_json(indent=None)


@lru_cache(maxsize=64)
def _render(spec: str, label: str) -> str:
    import vl_convert as vlc

    return sanitize_svg(vlc.vegalite_to_svg(spec), label=label)


def share_chart(series: list[dict], *, label: str, x_title: str, y_title: str, colour_title: str) -> SafeString | None:
    """The share met on time per period and rule as a line chart, as safe inline SVG; None when there is
    nothing to draw or the renderer fails (the page then shows the table only)."""
    if not series:
        return None
    try:
        spec = _spec(series, x_title=x_title, y_title=y_title, colour_title=colour_title)
        svg = _render(json.dumps(json.loads(spec), sort_keys=True), label)
    except Exception:  # the chart is secondary: never let it take the page down
        log.exception("compliance chart could not be drawn")
        return None
    return mark_safe(svg)  # noqa: S308 - sanitized above: no script, style, handlers or outside links
