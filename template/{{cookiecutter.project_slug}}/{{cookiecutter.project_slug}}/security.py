"""Web security by default: protective headers, cross-site form posts
refused, HSTS and Secure cookies over TLS.

What Django sends out of the box, on every response the app makes (pages,
errors, static files). The headers are in config.py (`SECURITY_HEADERS`):
loosen one there for the whole app, or in a view by setting the header on
its response (a header the view set is kept).

Written here, in a few lines, rather than with Flask-Talisman: HSTS and the
Secure flag must follow each request's scheme (TLS ends at your proxy,
which PROXY_COUNT declares: production.py), never be guessed; and
cross-site posts are refused from the browser's own Fetch Metadata and
Origin headers, with no token to thread through every form.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sec-Fetch-Site of a request made by the page itself, or by the user.
OWN_SITE = frozenset({"same-origin", "none"})


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookieOverTLS()
    app.before_request(refuse_cross_site_forms)
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    for name, value in current_app.config["SECURITY_HEADERS"].items():
        response.headers.setdefault(name, value)
    if request.is_secure:  # never on plain HTTP: browsers would remember it
        hsts = current_app.config["STRICT_TRANSPORT_SECURITY"]
        response.headers.setdefault("Strict-Transport-Security", hsts)
    return response


def refuse_cross_site_forms() -> None:
    """Cross-site request forgery: a form another site posts is refused.

    Browsers say where a request comes from (Sec-Fetch-Site; Origin in
    older ones). JSON can't be sent across sites without the app's consent
    (CORS), and clients that are not browsers send neither header.
    """
    if request.method not in UNSAFE_METHODS or request.is_json:
        return
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if site is not None:
        cross_site = site not in OWN_SITE
    else:
        cross_site = origin is not None and origin != request.host_url.rstrip("/")
    if cross_site:
        abort(403, "Cross-site form posts are refused.")


class SessionCookieOverTLS(SecureCookieSessionInterface):
    """The session cookie is Secure on requests that came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or request.is_secure
