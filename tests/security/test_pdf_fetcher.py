"""WeasyPrint reads our static files and nothing else."""

from __future__ import annotations

import pytest

from maturity.pdf.render import PdfRenderError, render_pdf


def test_nothing_outside_static_is_fetched(listener):
    port, hits = listener
    html = f"""<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
      <style>body {{ background: url("http://127.0.0.1:{port}/bg.png") }}
             p {{ background: url("file:///etc/passwd") }}</style>
      <link rel="stylesheet" href="ks-static:/pdf/print.css"></head><body>
      <img src="http://127.0.0.1:{port}/img.png"><img src="file:///etc/passwd">
      <img src="ks-static:/../../../../etc/passwd"><img src="ks-static:/pdf/../../__init__.py">
      <p>Hallo</p></body></html>"""
    pdf, refused = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert hits == []
    assert any("127.0.0.1" in url for url in refused)
    assert any(url.startswith("file:") for url in refused)
    assert any("etc/passwd" in url and url.startswith("ks-static:") for url in refused)
    assert any("__init__.py" in url for url in refused)
    assert not any("print.css" in url for url in refused)


def test_a_render_that_takes_too_long_is_stopped():
    with pytest.raises(PdfRenderError):
        render_pdf("<p>" + "word " * 200000 + "</p>", timeout=0.5)
    # The pool recovers for the next render.
    pdf, _refused = render_pdf("<p>ok</p>")
    assert pdf.startswith(b"%PDF")
