"""Keyboard focus (issue 18, WCAG 2.2 AA): the focus indicator has 3:1 contrast against what is
behind it and against white, on every kind of control, a date field's parts included; tabbing
through the M11 action plan never leaves the focused control under the sticky save bar, on a
laptop, a phone and at 200 % zoom; a date field is one tab stop."""
import pytest

from helpers import team_sheet

pytestmark = pytest.mark.browser

# (name, viewport): 200 % zoom of a 1280 × 800 screen is a 640 × 400 page at scale 1.
SCREENS = (("1280x800", {"width": 1280, "height": 800}),
           ("320x640", {"width": 320, "height": 640}),
           ("200% zoom", {"width": 640, "height": 400}))

# The focused element, its outline, the colour behind it (the first opaque background of its
# ancestors: the outline is drawn outside the element, over them), and whether what is at its
# centre is itself (not the save bar over it).
FOCUS = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  let behind = "rgb(255, 255, 255)";
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "transparent" && !colour.endsWith(", 0)")) { behind = colour; break; }
  }
  const box = element.getClientRects()[0] || element.getBoundingClientRect();  // a link's first line
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const hit = document.elementFromPoint(x, y);
  return {name: element.name || element.id || element.textContent.trim().slice(0, 40),
          tag: element.tagName, type: element.type || "", visible: element.matches(":focus-visible"),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: style.outlineColor,
          last: !!element.closest(".save-bar") && !element.nextElementSibling, behind, clear: !!hit && (hit === element || element.contains(hit)),
          under: hit ? hit.tagName + "." + hit.className : "nothing"};
}"""


def rgb(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text[text.index("(") + 1:text.index(")")].split(",")[:3])


def luminance(colour: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two CSS rgb() colours."""
    light, dark = sorted((luminance(rgb(one)), luminance(rgb(other))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_ratio_follows_wcag():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(242, 194, 48)", "rgb(247, 248, 250)"), 2) == 1.58  # the old outline


def tab(page) -> None:
    """Press Tab; a folded row of a worksheet table reached is opened (Enter), to go through it."""
    page.keyboard.press("Tab")
    if page.evaluate("() => document.activeElement.matches('.row-card [aria-expanded=false]')"):
        page.keyboard.press("Enter")


def tab_to(page, selector: str, limit: int = 200) -> dict:
    """Press Tab until ``selector`` has focus; what focus looks like there."""
    for _ in range(limit):
        tab(page)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return page.evaluate(FOCUS)
    raise AssertionError(f"{selector} never got focus")


def test_the_focus_outline_stands_out_on_every_kind_of_control(demo_course, live_server, new_page):
    member, _sheet = team_sheet(demo_course)
    page = new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server}/p/{member.token}/worksheets/M11")
    controls = {"header link": "header.site a.brand", "language menu": "header.site summary",
                "text": "[name=actions-0-action]", "select": "[name=actions-0-responsible]",
                "tick box": "[name=actions-0-partners]", "date": "[name=actions-0-start]",
                "money": "[name=actions-0-resources_amount-amount]", "button": ".remove-row",
                "long text": "[name=top_priorities]", "save": ".save-bar button.primary"}
    seen = {}
    for name, selector in controls.items():
        seen[name] = tab_to(page, selector)
        if name == "date":  # its month and year parts (the arrow keys move between them)
            for part in ("month", "year"):
                page.keyboard.press("ArrowRight")
                seen[f"date, {part}"] = page.evaluate(FOCUS)
    page.goto(f"{live_server}/login")
    seen["link on a card"] = tab_to(page, "main a")
    for name, focus in seen.items():
        assert focus["visible"] and focus["outline"] == "solid" and focus["width"] >= 2, (name, focus)
        assert contrast(focus["colour"], focus["behind"]) >= 3, (name, focus)
        if not name.startswith("header") and not name.startswith("language"):
            assert contrast(focus["colour"], "rgb(255, 255, 255)") >= 3, (name, focus)


@pytest.mark.parametrize("screen, viewport", SCREENS, ids=[name for name, _ in SCREENS])
def test_tabbing_through_the_action_plan_never_hides_focus_under_the_save_bar(
        demo_course, live_server, new_page, screen, viewport):
    member, _sheet = team_sheet(demo_course)
    page = new_page(viewport=viewport, device_scale_factor=1)
    page.goto(f"{live_server}/p/{member.token}/worksheets/M11")
    stops, hidden = [], []
    while not stops or not stops[-1]["last"]:  # the save bar's last button
        assert len(stops) < 400, "the save bar's buttons never got focus"
        tab(page)
        focus = page.evaluate(FOCUS)
        if focus is None:
            continue
        stops.append(focus)
        if not focus["clear"]:
            hidden.append((len(stops), focus["name"], focus["under"]))
    assert hidden == [], f"{screen}: focus hidden at {hidden}"
    dates = [stop["name"] for stop in stops if stop["type"] == "date"]
    assert dates and len(dates) == len(set(dates)), f"a date field takes one tab stop: {dates}"
