"""Find what a strict Content-Security-Policy would block in a page: inline scripts, styles and handlers."""

from html.parser import HTMLParser

# Data blocks, not code: the CSP does not apply to them (json_script uses application/json).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}

SECURITY_HEADERS = ("Content-Security-Policy", "Permissions-Policy", "Referrer-Policy", "X-Content-Type-Options")


class InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.problems.append(f"<style> block at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'style="{value}" on <{tag}> at line {self.getpos()[0]}')
            elif name.startswith("on"):
                self.problems.append(f"{name}= handler on <{tag}> at line {self.getpos()[0]}")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}> at line {self.getpos()[0]}")


def inline_code_in(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def is_sandboxed_email_frame(policy: str) -> bool:
    """An email's HTML shown to its reader in a frame: a sandbox with no scripts at all, only inline styles.

    Email HTML carries its styles inline (mail clients ignore stylesheets), so these frames (leaders'
    previews, the dev outbox) allow exactly that, inside a sandbox without ``allow-scripts`` and with
    ``default-src 'none'``: nothing in them can run, and only this site may frame them.
    """
    directives = {part.strip().split(" ", 1)[0]: part.strip() for part in policy.split(";") if part.strip()}
    return (
        "sandbox" in directives
        and "allow-scripts" not in directives["sandbox"]
        and directives.get("default-src") == "default-src 'none'"
        and "script-src" not in directives
        and directives.get("frame-ancestors") == "frame-ancestors 'self'"
    )


def assert_secure_response(response, where: str) -> None:
    """Headers on every response; for HTML, nothing the CSP would block."""
    for header in SECURITY_HEADERS:
        assert header in response, f"{where}: no {header}"
    policy = response["Content-Security-Policy"]
    if is_sandboxed_email_frame(policy):
        assert response.get("X-Frame-Options") == "SAMEORIGIN", f"{where}: X-Frame-Options"
        return
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, f"{where}: {policy}"
    assert "frame-ancestors 'none'" in policy
    assert response.get("X-Frame-Options") == "DENY", f"{where}: X-Frame-Options {response.get('X-Frame-Options')}"
    if response.get("Content-Type", "").startswith("text/html") and hasattr(response, "content"):
        problems = inline_code_in(response.content.decode())
        assert not problems, f"{where}: {problems}"
