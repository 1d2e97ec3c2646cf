"""The few HTML pages a person sees on the authorization server: sign in, consent, errors.

Plain, accessible HTML (labels, lang, one form per page) with every value escaped; no
scripts, so the pages' Content-Security-Policy can forbid them entirely.
"""

from __future__ import annotations

from html import escape

SCOPE_LABELS = {
    "events:write": "Send change events from your ERP",
    "scans:read": "Read unit scans",
    "pest:read": "Read inspection points, devices and incidents",
    "pest:write": "Change inspection points, devices and incidents",
    "setup:read": "See the guided setup and its proposals",
    "setup:write": "Review and submit the guided setup",
    "admin": "Administer clients and people of your organisation",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1a1a1a}label{display:block;margin-top:1rem;font-weight:600}"
    "input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}"
    "button{margin-top:1.5rem;margin-right:.5rem;padding:.6rem 1.2rem;font-size:1rem}"
    ".error{color:#a40000;border-left:4px solid #a40000;padding-left:.75rem}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)} · Sync Bridge</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def _hidden(fields: dict[str, str]) -> str:
    return "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in fields.items()
    )


def login_page(action: str, tenant: str = "", next_path: str = "", error: str = "") -> str:
    alert = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    return _page(
        "Sign in",
        f"{alert}<form method='post' action='{escape(action)}'>"
        f"{_hidden({'next': next_path})}"
        "<label for='tenant'>Organisation</label>"
        f"<input id='tenant' name='tenant' value='{escape(tenant)}' required autocomplete='organization'>"
        "<label for='username'>User name</label>"
        "<input id='username' name='username' required autocomplete='username'>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' required autocomplete='current-password'>"
        "<button type='submit'>Sign in</button></form>",
    )


def consent_page(
    action: str,
    client_name: str,
    username: str,
    scopes: list[str],
    params: dict[str, str],
    csrf: str,
) -> str:
    items = "".join(
        f"<li>{escape(SCOPE_LABELS.get(s, s))} (<code>{escape(s)}</code>)</li>" for s in scopes
    )
    return _page(
        "Allow access?",
        f"<p><strong>{escape(client_name)}</strong> asks to act for "
        f"<strong>{escape(username)}</strong> with these permissions:</p><ul>{items}</ul>"
        f"<form method='post' action='{escape(action)}'>{_hidden({**params, 'csrf': csrf})}"
        "<button type='submit' name='decision' value='allow'>Allow</button>"
        "<button type='submit' name='decision' value='deny'>Deny</button></form>",
    )


def sign_out_page(action: str) -> str:
    return _page(
        "Sign out",
        f"<form method='post' action='{escape(action)}'><p>Sign out of Sync Bridge?</p>"
        "<button type='submit'>Sign out</button></form>",
    )


def message_page(
    title: str, message: str, error: bool = False, link: tuple[str, str] | None = None
) -> str:
    cls = " class='error' role='alert'" if error else ""
    after = f"<p><a href='{escape(link[0])}'>{escape(link[1])}</a></p>" if link else ""
    return _page(title, f"<p{cls}>{escape(message)}</p>{after}")
