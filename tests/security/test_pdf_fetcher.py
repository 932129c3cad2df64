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


def test_after_the_idle_renderer_dies_the_next_render_works():
    """A killed idle child used to break the pool: every later PDF failed until a restart."""
    import os
    import signal
    import time

    from maturity.pdf import render

    assert render_pdf("<p>warm</p>")[0].startswith(b"%PDF")
    children = list(getattr(render._get_pool(), "_processes", {}).values())
    assert children
    for child in children:
        os.kill(child.pid, signal.SIGKILL)
    time.sleep(0.5)  # the pool notices its dead child and marks itself broken
    pdf, _refused = render_pdf("<p>after</p>")
    assert pdf.startswith(b"%PDF")
