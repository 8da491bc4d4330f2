"""The WeasyPrint patches (app/pdf/compat.py): each one took effect on the installed version,
and a WeasyPrint whose internals moved stops the app with a message naming the patch."""
import os
import subprocess
import sys

import pytest
import weasyprint
from weasyprint import draw
from weasyprint.pdf import fonts

import app.pdf  # noqa: F401 - applies the patches
from app import ROOT
from app.pdf import compat


def test_every_patch_took_effect_on_the_installed_weasyprint():
    compat.install()  # again: harmless
    assert draw.draw_text.actual_text and weasyprint.svg.text.actual_text
    assert weasyprint.svg.TAGS["text"] is weasyprint.svg.TAGS["tspan"] is weasyprint.svg.text
    assert weasyprint.svg.text.whole_runs
    assert isinstance(fonts.ffi, compat.ArrayTypesOnce)
    mapped = compat.mapped_libraries()
    assert any("libpango-1.0" in path for path in mapped) and mapped <= set(compat.pinned)


def _without_draw_text(monkeypatch):
    monkeypatch.delattr(draw, "draw_text")


def _html_text_drawn_elsewhere(monkeypatch):
    monkeypatch.setattr(draw, "draw_inline_level", lambda stream, page, box, *args: None)


def _svg_text_missing(monkeypatch):
    monkeypatch.delattr(weasyprint.svg, "text")


def _svg_text_laid_out_whole_already(monkeypatch):
    def text(svg, node, font_size):  # a WeasyPrint that no longer loops over letters
        return None
    monkeypatch.setattr(weasyprint.svg, "text", text)


def _subsetting_without_ffi(monkeypatch):
    monkeypatch.delattr(fonts.Font, "_harfbuzz_subset")


def _libraries_not_pinned(monkeypatch):
    monkeypatch.setattr(compat, "pinned", {})
    monkeypatch.setattr(compat.ctypes, "CDLL", lambda name: (_ for _ in ()).throw(OSError(name)))


@pytest.mark.parametrize("simulate,patch", [
    (_without_draw_text, "actual text"),
    (_html_text_drawn_elsewhere, "actual text"),
    (_svg_text_missing, "whole SVG text"),
    (_svg_text_laid_out_whole_already, "whole SVG text"),
    (_subsetting_without_ffi, "array types once"),
    (_libraries_not_pinned, "pinned libraries"),
])
def test_a_weasyprint_without_the_patched_internals_stops_with_a_clear_message(monkeypatch, simulate,
                                                                                patch):
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    simulate(monkeypatch)
    with pytest.raises(compat.WeasyPrintIncompatible) as raised:
        compat.install()
    message = str(raised.value)
    assert raised.value.patch == patch
    assert message.startswith("WeasyPrint 71.0: the patch ") and repr(patch) in message
    assert "app/pdf/compat.py" in message and "weasyprint==70.0" in message


def test_the_app_does_not_start_on_such_a_weasyprint():
    script = ("import weasyprint.draw; del weasyprint.draw.draw_text\n"
              "from app import create_app\n"
              "create_app({'TESTING': True, 'SECRET_KEY': 'x', "
              "'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("app.pdf.compat.WeasyPrintIncompatible: WeasyPrint 70.0: the patch "
                           "'actual text'"), result.stderr[-2000:]
    assert "weasyprint.draw.draw_text is missing" in last
