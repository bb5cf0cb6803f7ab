"""The extension's own controls in a CRM page, found and used as a person does: by role and accessible name (the UI
contract in DESIGN.md), clicked with real, trusted mouse events.

The controls live in closed shadow roots, which Playwright's locators cannot enter (that is the point: neither can the
page's scripts). So this goes through the Chrome DevTools Protocol: the accessibility tree, which includes closed
shadow roots, finds a control; its box model says where to click; the mouse clicks there.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import CDPSession, Page


@dataclass(frozen=True)
class Scope:
    """Where to look: the first element with this role whose accessible name contains ``name`` (any, if None)."""

    role: str
    name: str | None = None


@dataclass(frozen=True)
class InFrame:
    """The document of the page's iframe with this title (the accessibility query does not cross documents)."""

    title: str


DIALOG = Scope("dialog")
SIDE_PANEL = Scope("complementary", "Side panel")
PAGE = None


def _attributes(node: dict[str, Any]) -> dict[str, str]:
    flat = node.get("attributes", [])  # DevTools lists them as name, value, name, value, ...
    return dict(zip(flat[::2], flat[1::2], strict=True))


@dataclass
class Control:
    ui: ExtensionUi
    node: dict[str, Any]

    @property
    def backend_node_id(self) -> int:
        return int(self.node["backendDOMNodeId"])

    @property
    def name(self) -> str:
        return str(self.node.get("name", {}).get("value", ""))

    def ax_property(self, name: str) -> Any:
        """An accessibility property, e.g. ``pressed`` ("true"/"false") or ``busy``."""
        for item in self.node.get("properties", []):
            if item["name"] == name:
                return item["value"].get("value")
        return None

    @property
    def pressed(self) -> str | None:
        value = self.ax_property("pressed")
        return None if value is None else str(value).lower()

    def attribute(self, name: str) -> str | None:
        described = self.ui.cdp.send("DOM.describeNode", {"backendNodeId": self.backend_node_id})["node"]
        return _attributes(described).get(name)

    def text(self) -> str:
        return str(self._call("function() { return this.textContent; }"))

    def box(self) -> dict[str, float]:
        quad = self.ui.cdp.send("DOM.getBoxModel", {"backendNodeId": self.backend_node_id})["model"]["border"]
        xs, ys = quad[0::2], quad[1::2]
        return {"x": min(xs), "y": min(ys), "width": max(xs) - min(xs), "height": max(ys) - min(ys)}

    def click(self) -> None:
        """A person's click: a trusted mouse event at the middle of the control."""
        self.ui.cdp.send("DOM.scrollIntoViewIfNeeded", {"backendNodeId": self.backend_node_id})
        box = self.box()
        self.ui.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def click_from_page_script(self) -> None:
        """What a page script holding this element could do: element.click() and a synthetic MouseEvent."""
        self._call(
            "function() { this.click();"
            " this.dispatchEvent(new MouseEvent('click', {bubbles: true, composed: true, cancelable: true})); }"
        )

    def _call(self, function: str) -> Any:
        # Resolved in the page's main world, as a page script would hold it.
        remote = self.ui.cdp.send("DOM.resolveNode", {"backendNodeId": self.backend_node_id})["object"]
        result = self.ui.cdp.send(
            "Runtime.callFunctionOn",
            {"objectId": remote["objectId"], "functionDeclaration": function, "returnByValue": True},
        )
        return result.get("result", {}).get("value")


class ExtensionUi:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.cdp: CDPSession = page.context.new_cdp_session(page)

    def _query(self, root_backend_id: int, role: str, name: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"backendNodeId": root_backend_id, "role": role}
        if name is not None:
            query["accessibleName"] = name
        nodes = self.cdp.send("Accessibility.queryAXTree", query)["nodes"]
        return [node for node in nodes if not node.get("ignored") and "backendDOMNodeId" in node]

    def _frame_document(self, title: str) -> int | None:
        def walk(node: dict[str, Any]) -> int | None:
            if node.get("nodeName") == "IFRAME" and _attributes(node).get("title") == title:
                return int(node["contentDocument"]["backendNodeId"]) if "contentDocument" in node else None
            for child in [*node.get("children", []), *node.get("shadowRoots", [])]:
                found = walk(child)
                if found is not None:
                    return found
            return None

        return walk(self.cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"])

    def _root(self, within: Scope | InFrame | None) -> int | None:
        if isinstance(within, InFrame):
            return self._frame_document(within.title)
        document = self.cdp.send("DOM.getDocument", {"depth": 0})["root"]["backendNodeId"]
        if within is None:
            return int(document)
        for node in self._query(document, within.role):
            if within.name is None or within.name in str(node.get("name", {}).get("value", "")):
                return int(node["backendDOMNodeId"])
        return None

    def name_of(self, scope: Scope) -> str:
        """The accessible name of the page's element ``scope`` points at ("" when there is none). A button's content,
        our closed shadow roots included, makes its name: how an icon inside a diary entry reaches a person."""
        document = self.cdp.send("DOM.getDocument", {"depth": 0})["root"]["backendNodeId"]
        names = [str(node.get("name", {}).get("value", "")) for node in self._query(document, scope.role)]
        return next((name for name in names if scope.name is None or scope.name in name), "")

    def all(self, role: str, name: str | None = None, *, within: Scope | InFrame | None = DIALOG) -> list[Control]:
        """Every control with this role (and exact accessible name) in the scope, now."""
        root = self._root(within)
        return [] if root is None else [Control(self, node) for node in self._query(root, role, name)]

    def get(
        self,
        role: str,
        name: str | None = None,
        *,
        within: Scope | InFrame | None = DIALOG,
        containing: str | None = None,
        timeout: float = 10.0,
        **properties: str,
    ) -> Control:
        """Waits until exactly one control matches (role, name, text ``containing``, AX ``properties``)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                control
                for control in self.all(role, name, within=within)
                if (containing is None or containing in control.text())
                and all(str(control.ax_property(key)).lower() == value for key, value in properties.items())
            ]
            if len(found) == 1:
                return found[0]
            if time.monotonic() > deadline:
                seen = [(c.name, c.text()[:80]) for c in self.all(role, within=within)]
                raise AssertionError(
                    f"expected one {role} {name!r} {properties} in {within}, found {len(found)}: {seen}"
                )
            time.sleep(0.1)

    def count(self, role: str, name: str | None = None, *, within: Scope | InFrame | None = DIALOG) -> int:
        return len(self.all(role, name, within=within))


_OPEN: weakref.WeakKeyDictionary[Page, ExtensionUi] = weakref.WeakKeyDictionary()


def extension_ui(page: Page) -> ExtensionUi:
    """The page's ExtensionUi (one DevTools session per page)."""
    if page not in _OPEN:
        _OPEN[page] = ExtensionUi(page)
    return _OPEN[page]


def extension_contexts(page: Page, extension_id: str) -> list[dict[str, Any]]:
    """The JavaScript worlds of this extension (content scripts) in the page's frames."""
    cdp = page.context.new_cdp_session(page)
    contexts: list[dict[str, Any]] = []
    cdp.on("Runtime.executionContextCreated", lambda event: contexts.append(event["context"]))
    cdp.send("Runtime.enable")
    cdp.send("Runtime.evaluate", {"expression": "1"})  # the existing contexts are reported before this answers
    cdp.detach()
    return [context for context in contexts if context.get("origin", "") == f"chrome-extension://{extension_id}"]
