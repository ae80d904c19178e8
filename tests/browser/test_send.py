"""The browser tests' ``send``: a tap that sent nothing is tapped again, a form sends once."""

from __future__ import annotations

from typing import Any

from tests.browser.chromium import send

FORM = """<!doctype html><html><body>
<form method="post" action="/next" data-once><input name="a" value="1">
<button type="submit" id="go" style="margin-top:40px">send</button></form>
<script>
  // The first tap is lost, as a tap that lands beside the button is.
  var lost = false;
  document.getElementById("go").addEventListener("click", function (e) {
    if (!lost) { lost = true; e.preventDefault(); }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.getAttribute("data-sent") === "1") { e.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
  });
</script></body></html>"""


def test_a_lost_tap_is_tapped_again_and_the_form_sends_once(browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    posts: list[str] = []

    def serve(route: Any) -> None:
        if route.request.method == "POST":
            posts.append(route.request.post_data)
            route.fulfill(status=200, content_type="text/html", body="<p id=done>done</p>")
        else:
            route.fulfill(status=200, content_type="text/html", body=FORM)

    page.route("http://shequ.test/**", serve)
    page.goto("http://shequ.test/form")
    send(page, "#go")
    assert page.url == "http://shequ.test/next"
    assert page.locator("#done").inner_text() == "done"
    assert posts == ["a=1"]
    context.close()
