"""The web workspace (issue 14): one function builds the Starlette app over a `Curator`.

Every page and action calls the facade, as the CLI does; nothing here reaches storage. The shape
follows Datasette's `app()` and reader's Flask app: one route list, NotFound as a 404, every
POST answered with a 303 back to a page (or, for the keyboard script, a short JSON answer).

Security (issue 14 §Security): a session cookie (HttpOnly, SameSite=Strict) holds the CSRF token
and, when the service listens beyond loopback, the login; every unsafe request needs that token
and must not come from another site (Sec-Fetch-Site, Origin); every answer carries a strict
Content-Security-Policy (no inline script, nothing from another origin). Feed text is only ever
rendered as escaped text, and links only when they are http(s).
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import jinja2
from babel.numbers import get_decimal_symbol
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from curator import plan as planner
from curator import review
from curator.errors import CuratorError, InvalidAction, NotFound
from curator.i18n import language as i18n_language
from curator.i18n import translations
from curator.outputs import links
from curator.outputs.share import paste_block, share_url
from curator.outputs.words import (
    explain_feed_error,
    is_web_url,
    profile_language,
)
from curator.results import COUNTS, FIELDS, ResultsReport, hours_text, one_decimal
from curator.types import Profile, Slot, SlotKind, SlotStatus, is_pending

if TYPE_CHECKING:
    from curator.app import Curator

HERE = Path(__file__).resolve().parent
# Rows the queue lists at once: about two screens (a row is some 50 px); the next ones load as
# the user nears the end, so a longer page would only be read and rendered for nothing.
QUEUE_PAGE = 30
LINKEDIN_COMMENT_LIMIT = 1250  # characters LinkedIn accepts in a comment
SNOOZE_DAYS = 3  # the date picker's default, as `curator review`'s "+3d"
RESULTS_WEEKS = 4  # the Results page's weeks, as `curator results`
RESULTS_POSTS = 20  # published posts the Results page lists with their results form

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Digest-link tokens never leak to another site; "no-referrer" would make browsers send
    # `Origin: null` on our own form posts, which the same-site check refuses.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
# Open without a login: the calendars and /healthz have their own rules, and a digest link's
# signed token is its own authorisation for that one action (issue 14).
_OPEN_PATHS = ("/login", "/static/", "/healthz", "/calendar/", "/favicon.ico", "/d/")
# A digest link is a capability: its signed token, bound to one action on one item, is what a
# CSRF token would be, so its pages neither need nor start a session. They must not: a link
# opened from a mail client is a cross-site navigation, on which the browser withholds the
# SameSite=Strict session cookie; a new session set in the answer would replace the user's
# logged-in one, and "open in curator" would then ask to log in again.
_CAPABILITY_PATHS = ("/d/",)

View = Callable[[Request], Response]
AsyncView = Callable[[Request], Awaitable[Response]]


class SecurityHeaders:
    """Adds the CSP and friends to every answer, static files and errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def session_secret(token: str | None) -> str:
    """The cookie signing key: derived from serve.token, so changing the token logs everyone
    out; a fresh random one per start when there is no token (loopback only)."""
    if not token:
        return secrets.token_hex(32)
    return hmac.new(token.encode(), b"curator web session", hashlib.sha256).hexdigest()


def create_app(
    curator: Curator,
    *,
    routes: Sequence[BaseRoute] = (),
    require_login: bool = False,
) -> Starlette:
    """The web workspace over `curator`, with `routes` (the service's /healthz and calendars)
    mounted beside it. `require_login`: every page asks for serve.token first (the service sets
    it when it listens beyond loopback, where it refuses to start without a token)."""
    token = curator.settings.serve.token
    if require_login and not token:
        raise InvalidAction("a login needs serve.token: set it in feeds.yaml")
    web = _Web(curator, require_login=require_login, token=token)
    app = Starlette(
        routes=[*routes, *web.routes()],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(token),
                session_cookie="curator_session",
                max_age=14 * 24 * 3600,
                same_site="strict",
            ),
        ],
        exception_handlers={NotFound: web.not_found, HTTPException: web.http_error},
    )
    return app


def _refused(reason: str, status: int) -> Response:
    """A request refused before its page: one line of plain text, in the page's language."""
    return Response(reason + "\n", status, media_type="text/plain")


def _language(profile: Profile | None) -> str:
    return profile_language(profile) if profile is not None else "en"


@functools.cache
def _environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language, "web"), newstyle=True)  # type: ignore[attr-defined]
    words = i18n_language(language)

    # Babel parses its pattern and looks the locale up on every call: a queue page of 60 rows
    # spent a third of its time there for a handful of distinct days.
    @functools.lru_cache(maxsize=4096)
    def day_of(local_day: date) -> str:
        return words.format_date(local_day, "EEE dd MMM")  # "lun. 07 déc." / "Mon 07 Dec"

    def day(moment: date) -> str:
        return day_of(moment.date() if isinstance(moment, datetime) else moment)

    env.filters["day"] = day
    env.filters["decimal"] = lambda value: "–" if value is None else one_decimal(value, language)
    env.filters["hours"] = hours_text
    env.filters["when"] = lambda moment: f"{day(moment)} {moment:%H:%M}"
    # A score is below 10: only the decimal sign differs between languages ("0,91" in
    # French), and Babel's number formatting costs as much as the rest of a queue row.
    point = get_decimal_symbol(words.code)
    env.filters["score"] = lambda value: f"{value:.2f}".replace(".", point)
    env.filters["web_url"] = lambda url: url if url and is_web_url(url) else None
    env.filters["share"] = lambda url: share_url(url) if url and is_web_url(url) else None
    env.globals["script_words"] = _script_words(language)
    return env


def _web_words(language: str) -> gettext.NullTranslations:
    return translations(language, "web")


def _script_words(language: str) -> dict[str, str]:
    """What curator.js says, in the page's language: the script is a static file (the CSP
    forbids inline script), so its words travel in a data attribute of the page (issue 14)."""
    words = _web_words(language)
    return {
        "nothingToUndo": words.gettext("Nothing to undo."),
        "copied": words.gettext("Copied."),
        "copyRefused": words.gettext("The browser refused to copy."),
        "queueEmpty": words.gettext("The queue is empty."),
        "moreFailed": words.gettext("The next items did not load: try again."),
        "refused": words.gettext("The server refused: reload the page and try again."),
        "unreachable": words.gettext("The server did not answer: try again."),
    }


def _week_start(value: str | None, today: date, words: gettext.NullTranslations) -> date:
    """The Monday of the week a calendar URL names: `2026-W49` (ISO 8601 week) or any date of
    the week (`2026-12-03`); this week without one."""
    if not value:
        return today - timedelta(days=today.weekday())
    text = value.strip()
    try:
        if "-W" in text.upper():
            year, week = text.upper().split("-W", 1)
            day = date.fromisocalendar(int(year), int(week), 1)
        else:
            day = date.fromisoformat(text)
        if not 1900 <= day.year <= 9000:  # the week's neighbours must exist too
            raise ValueError(text)
    except ValueError:
        raise InvalidAction(
            words.gettext(
                "week={value}: give an ISO week such as 2026-W49 or a date such as 2026-12-03"
            ).format(value=value)
        ) from None
    return day - timedelta(days=day.weekday())


def _iso_week(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _safe_next(value: object, fallback: str) -> str:
    """A same-site path to go back to after a POST: never another host (open redirect)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        parts = urlsplit(value)
        if not parts.scheme and not parts.netloc and "\\" not in value:
            return value
    return fallback


def _item_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    return int(value) if value and value.isdigit() else None


def _wants_json(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "curator"


class _Web:
    def __init__(self, curator: Curator, *, require_login: bool, token: str | None) -> None:
        self.curator = curator
        self.require_login = require_login
        self.token = token

    def routes(self) -> list[BaseRoute]:
        p = "/p/{profile}"
        v = self.view
        return [
            Route("/", v(self.home)),
            Route("/login", v(self.login), methods=["GET", "POST"]),
            Route("/logout", v(self.logout), methods=["POST"]),
            Route("/d/{token}", v(self.digest_link), methods=["GET", "POST"]),
            Route(p, v(self.home)),
            Route(f"{p}/today", v(self.today)),
            Route(f"{p}/queue", v(self.queue)),
            Route(f"{p}/queue/undo", v(self.undo), methods=["POST"]),
            Route(f"{p}/queue/rows", v(self.queue_rows)),
            Route(f"{p}/queue/{{item_id:int}}", v(self.item)),
            Route(f"{p}/queue/{{item_id:int}}/{{action}}", v(self.decide), methods=["POST"]),
            Route(f"{p}/calendar", v(self.calendar)),
            Route(f"{p}/slots/{{slot_id}}/{{action}}", v(self.slot_action), methods=["POST"]),
            Route(f"{p}/feeds", v(self.feeds)),
            Route(f"{p}/feeds/export.opml", v(self.export_opml)),
            Route(f"{p}/feeds/{{action}}", v(self.feed_action), methods=["POST"]),
            Route(f"{p}/results", v(self.results)),
            Route(f"{p}/results/import", v(self.import_results), methods=["POST"]),
            Route(f"{p}/results/advice/{{n:int}}", v(self.apply_advice), methods=["POST"]),
            Route(f"{p}/results/posts/{{slot_id}}", v(self.results_form), methods=["GET"]),
            Route(f"{p}/results/posts/{{slot_id}}", v(self.record_results), methods=["POST"]),
            Route(f"{p}/activity", v(self.activity), methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]

    # --- the guard every view goes through ------------------------------------------------

    def view(self, handler: View) -> AsyncView:
        """The checks every page and action goes through, then the handler in a worker thread:
        facade calls block (SQLite, scoring), and the reading pane must not wait behind a
        decision being saved."""

        async def guarded(request: Request) -> Response:
            session = request.session
            capability = request.url.path.startswith(_CAPABILITY_PATHS)
            if "csrf" not in session and not capability:
                session["csrf"] = secrets.token_urlsafe(32)
            request.state.form = None
            if request.method not in ("GET", "HEAD"):
                refusal = await self._refuse_unsafe(request, need_csrf=not capability)
                if refusal is not None:
                    return refusal
                request.state.form = await request.form()
            if (
                self.require_login
                and not session.get("logged_in")
                and not request.url.path.startswith(_OPEN_PATHS)
            ):
                if request.method in ("GET", "HEAD"):
                    return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
                return _refused(self._words(request).gettext("login required"), 401)
            try:
                return await run_in_threadpool(handler, request)
            except NotFound:
                raise
            except CuratorError as e:
                return self._failed(request, self._say_error(request, e))

        return guarded

    async def _refuse_unsafe(self, request: Request, *, need_csrf: bool) -> Response | None:
        """Cross-site requests, and unless the URL carries its own token, requests without this
        session's CSRF token, are refused."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return _refused(self._words(request).gettext("cross-site request refused"), 403)
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
            return _refused(self._words(request).gettext("cross-origin request refused"), 403)
        if not need_csrf:
            return None
        given = request.headers.get("x-csrf-token")
        if given is None:
            form = await request.form()
            value = form.get("csrf")
            given = value if isinstance(value, str) else None
        expected = request.session.get("csrf", "")
        if not given or not hmac.compare_digest(given.encode(), str(expected).encode()):
            return _refused(
                self._words(request).gettext(
                    "missing or wrong CSRF token: reload the page and try again"
                ),
                403,
            )
        return None

    def _say_error(self, request: Request, error: BaseException) -> str:
        """The error in the language of the page's profile (issue 16), else English."""
        name = request.path_params.get("profile")
        profile = None
        if isinstance(name, str):
            profile = next((p for p in self.curator.settings.profiles if p.name == name), None)
        return i18n_language(_language(profile)).say_error(error)

    def _failed(self, request: Request, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": message}, 409)
        if request.method == "POST":
            request.session["flash"] = message
            request.session["flash_error"] = True
            return RedirectResponse(self._back(request), 303)
        return self.render(request, "error.html", None, {"message": message}, status=400)

    def _back(self, request: Request) -> str:
        fallback = request.url.path.rsplit("/", 2)[0] if "/p/" in request.url.path else "/"
        referer = request.headers.get("referer")
        return _safe_next(urlsplit(referer).path if referer else None, fallback)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        message = self._say_error(request, exc)
        return self.render(request, "error.html", None, {"message": message}, status=404)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        words = _web_words(self._page_language(request))
        message = words.gettext("Not found.") if exc.status_code == 404 else str(exc.detail)
        return self.render(
            request, "error.html", None, {"message": message}, status=exc.status_code
        )

    # --- rendering --------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        profile: Profile | None,
        context: dict[str, Any],
        *,
        status: int = 200,
    ) -> HTMLResponse:
        language = _language(profile)
        session = request.scope.get("session")
        flash = None
        if session is not None and "flash" in session:
            flash = (session.pop("flash"), session.pop("flash_error", False))
        body = (
            _environment(language)
            .get_template(template)
            .render(
                request=request,
                lang=language,
                profile=profile,
                profiles=[p.name for p in self.curator.settings.profiles],
                csrf=session.get("csrf", "") if session is not None else "",
                flash=flash,
                logged_in=bool(session and session.get("logged_in")),
                require_login=self.require_login,
                local=lambda moment: (
                    moment.astimezone(planner.zone(profile.timezone)) if profile else moment
                ),
                **context,
            )
        )
        return HTMLResponse(body, status, headers={"Cache-Control": "no-store"})

    def _profile(self, request: Request) -> Profile:
        return self.curator.settings.profile(request.path_params["profile"])

    def _page_language(self, request: Request) -> str:
        """The language of the profile a path names, English when it names none (yet)."""
        name = request.path_params.get("profile")
        known = {p.name: p for p in self.curator.settings.profiles}
        return _language(known.get(name)) if isinstance(name, str) else "en"

    def _words(self, request: Request) -> gettext.NullTranslations:
        """The web catalog in the language of the page's profile: what an action answers."""
        return _web_words(self._page_language(request))

    def done(self, request: Request, message: str, where: str, **extra: Any) -> Response:
        """A POST that succeeded: a JSON line for the keyboard script, else 303 back."""
        if _wants_json(request):
            return JSONResponse({"message": message, **extra})
        request.session["flash"] = message
        request.session["flash_error"] = False
        return RedirectResponse(where, 303)

    # --- login ----------------------------------------------------------------------------

    def login(self, request: Request) -> Response:
        target = _safe_next(request.query_params.get("next"), "/")
        if request.method == "POST":
            form = request.state.form
            given = form.get("token")
            if (
                self.token
                and isinstance(given, str)
                and hmac.compare_digest(given.encode(), self.token.encode())
            ):
                request.session.clear()
                request.session["logged_in"] = True
                request.session["csrf"] = secrets.token_urlsafe(32)
                return RedirectResponse(target, 303)
            return self.render(
                request, "login.html", None, {"next": target, "wrong": True}, status=401
            )
        return self.render(request, "login.html", None, {"next": target, "wrong": False})

    def logout(self, request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login" if self.require_login else "/", 303)

    # --- pages ----------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        name = request.path_params.get("profile")
        profiles = self.curator.settings.profiles
        if name is None:
            if not profiles:
                raise NotFound(
                    "profile",
                    "",
                    self._words(request).gettext("add one under `profiles:` in feeds.yaml"),
                )
            name = profiles[0].name
        profile = self.curator.settings.profile(name)
        return RedirectResponse(f"/p/{quote(profile.name, safe='')}/today", 303)

    def today(self, request: Request) -> Response:
        profile = self._profile(request)
        view = self.curator.calendar(profile.name, weeks=1)
        now = view.now
        upcoming = [s for s in view.slots if s.starts_at > now]
        to_comment = [s for s in upcoming if planner.needs_comment(s)]
        to_write = [
            s for s in upcoming if s.kind is SlotKind.ORIGINAL and s.status is SlotStatus.PLANNED
        ]
        empty = [s for s in upcoming if s.status is SlotStatus.EMPTY]
        live = [s for s in upcoming if s.status not in (SlotStatus.SKIPPED, SlotStatus.PUBLISHED)]
        tz = planner.zone(profile.timezone)
        week = planner.local_week(now, tz)
        top = self.curator.queue(profile.name, limit=5)
        return self.render(
            request,
            "today.html",
            profile,
            {
                "page": "today",
                "to_comment": to_comment,
                "to_write": to_write,
                "empty": empty,
                "next_slot": live[0] if live else None,
                "minutes": view.week_minutes.get(week, 0),
                "budget": profile.schedule.weekly_minutes,
                "items": view.items,
                "top": top,
                "language_gap": self.curator.language_gap(profile.name),
            },
        )

    def queue(self, request: Request) -> Response:
        profile = self._profile(request)
        # The rows show what the store hands over (no excerpt: the pane has the text); `after`
        # (an item id) lists the rows after it, the next page without the script.
        after = _item_param(request, "after")
        entries = self.curator.queue(profile.name, limit=QUEUE_PAGE, after=after)
        chosen = None
        wanted = request.query_params.get("item")
        if wanted and wanted.isdigit():
            chosen = int(wanted)
        elif entries:
            chosen = entries[0].item.id
        pane = self._pane(profile, chosen) if chosen is not None else None
        return self.render(
            request,
            "queue.html",
            profile,
            {
                "page": "queue",
                "entries": entries,
                "chosen": chosen,
                "more": self._more(profile, entries),
                "language_gap": self.curator.language_gap(profile.name),
                **(pane or {}),
            },
        )

    def queue_rows(self, request: Request) -> Response:
        """The queue's rows after an item, for the script to append as the user nears the end
        of the list (issue 14): the page never reloads to show more."""
        profile = self._profile(request)
        after = _item_param(request, "after")
        entries = self.curator.queue(profile.name, limit=QUEUE_PAGE, after=after)
        answer = self.render(request, "_rows.html", profile, {"entries": entries, "chosen": None})
        more = self._more(profile, entries)
        if more is not None:
            # where the rows after these start; without it the list is complete
            answer.headers["X-Curator-More"] = f"{request.url.path}?after={more}"
        return answer

    def _more(self, profile: Profile, entries: Sequence[Any]) -> int | None:
        """The item after which the next rows start, when this page was full."""
        return entries[-1].item.id if len(entries) >= QUEUE_PAGE else None

    def _pane(self, profile: Profile, item_id: int) -> dict[str, Any]:
        entry, decision = self.curator.review_item(profile.name, item_id, starter=False)
        tz = planner.zone(profile.timezone)
        snooze = (self.curator.now().astimezone(tz) + timedelta(days=SNOOZE_DAYS)).date()
        return {
            "entry": entry,
            "decision": decision,
            "snooze_default": snooze.isoformat(),
            "snooze_min": (snooze - timedelta(days=SNOOZE_DAYS - 1)).isoformat(),
            "min_chars": profile.schedule.min_comment_chars,
            "max_chars": LINKEDIN_COMMENT_LIMIT,
        }

    def item(self, request: Request) -> Response:
        """The reading pane alone (for the script), or the queue page showing that item."""
        profile = self._profile(request)
        item_id = int(request.path_params["item_id"])
        if request.headers.get("hx-request") != "true":
            return RedirectResponse(f"/p/{quote(profile.name, safe='')}/queue?item={item_id}", 303)
        return self.render(request, "pane.html", profile, self._pane(profile, item_id))

    def decide(self, request: Request) -> Response:
        profile = self._profile(request)
        item_id = int(request.path_params["item_id"])
        action = request.path_params["action"]
        form = request.state.form
        back = f"/p/{quote(profile.name, safe='')}/queue"
        if action == "approve":
            comment = str(form.get("comment") or "")
            starter = str(form.get("starter") or "")
            # The starter is a prompt for the user's own words, never something to post as is
            # (as in `curator review`): sent back untouched, it approves with no comment.
            if starter and " ".join(comment.split()) == " ".join(starter.split()):
                comment = ""
            outcome = self.curator.approve(profile.name, item_id, comment or None)
        elif action in ("reject", "reason"):
            reason = str(form.get("reason") or "").strip() or None
            outcome = self.curator.reject(profile.name, item_id, reason)
        elif action == "snooze":
            until_text = str(form.get("until") or f"+{SNOOZE_DAYS}d")
            until = review.parse_until(until_text, self.curator.now(), profile.timezone)
            outcome = self.curator.snooze(profile.name, item_id, until)
        else:
            raise NotFound("action", action)
        message = review.describe(outcome, profile.timezone)
        return self.done(request, message, back, item=item_id)

    def undo(self, request: Request) -> Response:
        profile = self._profile(request)
        form = request.state.form
        raw = form.get("item_id")
        item_id = int(raw) if isinstance(raw, str) and raw.isdigit() else None
        undone = self.curator.undo_decision(profile.name, item_id=item_id)
        words = self._words(request)
        if undone is None:
            raise InvalidAction(words.gettext("Nothing to undo."))
        back = f"/p/{quote(profile.name, safe='')}/queue?item={undone.item_id}"
        message = words.gettext("Undone: #{item}").format(item=undone.item_id)
        return self.done(request, message, back, item=undone.item_id)

    def digest_link(self, request: Request) -> Response:
        """A digest's approve / reject / snooze link: GET confirms, POST acts, once."""
        secret = self.curator.settings.serve.token
        if not secret:
            raise NotFound("link", "", self._words(request).gettext("serve.token is not set"))
        now = self.curator.now()
        try:
            link = links.read(secret, request.path_params["token"], now)
        except InvalidAction as e:
            return self.render(
                request,
                "link.html",
                None,
                {"state": "invalid", "message": self._say_error(request, e)},
                status=400,
            )
        profile = self.curator.settings.profile(link.profile)
        entry, decision = self.curator.review_item(profile.name, link.item_id, starter=False)
        context: dict[str, Any] = {
            "link": link,
            "entry": entry,
            "decision": decision,
            "open_url": f"/p/{quote(profile.name, safe='')}/queue?item={link.item_id}",
        }
        if not is_pending(decision, now):
            context["state"] = "already"
        elif request.method == "POST":
            if link.action == "approve":
                outcome = self.curator.approve(profile.name, link.item_id)
            elif link.action == "reject":
                outcome = self.curator.reject(profile.name, link.item_id)
            else:
                until = review.parse_until(f"+{SNOOZE_DAYS}d", now, profile.timezone)
                outcome = self.curator.snooze(profile.name, link.item_id, until)
            context |= {"state": "done", "message": review.describe(outcome, profile.timezone)}
        else:
            context["state"] = "confirm"
        return self.render(request, "link.html", profile, context)

    def calendar(self, request: Request) -> Response:
        profile = self._profile(request)
        tz = planner.zone(profile.timezone)
        today = self.curator.now().astimezone(tz).date()
        # A week of the profile's time zone, Monday to Sunday, named in the URL so that it can
        # be bookmarked; its days are local dates, so a DST change moves no slot to another day.
        monday = _week_start(request.query_params.get("week"), today, self._words(request))
        view = self.curator.calendar(profile.name, weeks=1, start=monday)
        first = monday
        days: list[tuple[date, list[Slot]]] = [(first + timedelta(days=i), []) for i in range(7)]
        by_day = {d: slots for d, slots in days}
        for slot in view.slots:
            local_day = slot.starts_at.astimezone(tz).date()
            if local_day in by_day:
                by_day[local_day].append(slot)
        paste = {
            s.id: paste_block(s.comment, view.items[s.item_id].url)
            for s in view.slots
            if s.item_id is not None and s.item_id in view.items
        }
        return self.render(
            request,
            "calendar.html",
            profile,
            {
                "page": "calendar",
                "days": days,
                "items": view.items,
                "paste": paste,
                "min_chars": profile.schedule.min_comment_chars,
                "max_chars": LINKEDIN_COMMENT_LIMIT,
                "now": view.now,
                "week": _iso_week(monday),
                "week_number": monday.isocalendar()[1],
                "previous_week": _iso_week(monday - timedelta(days=7)),
                "next_week": _iso_week(monday + timedelta(days=7)),
                "is_this_week": monday <= today < monday + timedelta(days=7),
            },
        )

    def slot_action(self, request: Request) -> Response:
        profile = self._profile(request)
        slot_id = request.path_params["slot_id"]
        action = request.path_params["action"]
        slot = self.curator.get_slot(slot_id)
        if slot.profile != profile.name:
            raise NotFound("slot", slot_id)
        form = request.state.form
        if action == "comment":
            slot = self.curator.comment_slot(slot_id, str(form.get("comment") or ""))
        elif action == "pin":
            slot = self.curator.pin_slot(slot_id, pinned=True)
        elif action == "unpin":
            slot = self.curator.pin_slot(slot_id, pinned=False)
        elif action == "skip":
            slot = self.curator.skip_slot(slot_id)
        elif action == "done":
            url = str(form.get("url") or "").strip() or None
            slot = self.curator.slot_done(
                slot_id, url=url, minutes=_minutes(form, self._words(request))
            )
        else:
            raise NotFound("action", action)
        words = self._words(request)
        said = {
            "comment": words.gettext("Comment saved."),
            "pin": words.gettext("Pinned."),
            "unpin": words.gettext("Unpinned."),
            "skip": words.gettext("Skipped."),
            "done": words.gettext("Marked published."),
        }
        week = _iso_week(planner.local_week(slot.starts_at, planner.zone(profile.timezone)))
        back = f"/p/{quote(profile.name, safe='')}/calendar?week={week}#slot-{slot.id}"
        return self.done(request, said[action], back)

    def feeds(self, request: Request) -> Response:
        profile = self._profile(request)
        paused = {s.url for s in self.curator.settings.feeds if s.paused}
        feeds = self.curator.feeds()
        language = _language(profile)
        # why a feed fails, kept in English in the database, read in the page's language
        notes = {
            f.id: explain_feed_error(f.disabled_reason or f.last_error or "", language)
            for f in feeds
        }
        return self.render(
            request,
            "feeds.html",
            profile,
            {"page": "feeds", "feeds": feeds, "paused": paused, "notes": notes},
        )

    def export_opml(self, request: Request) -> Response:
        self._profile(request)
        return Response(
            self.curator.export_opml(),
            media_type="text/x-opml; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="curator-feeds.opml"'},
        )

    def feed_action(self, request: Request) -> Response:
        profile = self._profile(request)
        action = request.path_params["action"]
        form = request.state.form
        back = f"/p/{quote(profile.name, safe='')}/feeds"
        words = self._words(request)
        if action == "import":
            upload = form.get("opml")
            if not isinstance(upload, UploadFile):
                raise InvalidAction(words.gettext("Choose an OPML file to import."))
            data = upload.file.read()
            added, known = self.curator.import_opml(data, source=upload.filename or "OPML")
            message = words.gettext("{added} added, {known} already followed.").format(
                added=len(added), known=len(known)
            )
            return self.done(request, message, back)
        key = str(form.get("url") or "").strip()
        if not key:
            raise InvalidAction(words.gettext("Give the address of a site or a feed."))
        if action == "add":
            source = self.curator.add_feed(key)
            message = words.gettext("Following {url}").format(url=source.url)
        elif action == "pause":
            url, _changed = self.curator.pause_feed(key, paused=True)
            message = words.gettext("Paused: {url}").format(url=url)
        elif action == "resume":
            url, _changed = self.curator.pause_feed(key, paused=False)
            message = words.gettext("Resumed: {url}").format(url=url)
        elif action == "remove":
            message = words.gettext("Removed: {url}").format(url=self.curator.remove_feed(key))
        else:
            raise NotFound("action", action)
        return self.done(request, message, back)

    # --- results (issue 15) -------------------------------------------------------------------

    def results(self, request: Request) -> Response:
        profile = self._profile(request)
        weeks = _weeks(request.query_params.get("weeks"))
        report = self.curator.results_report(profile.name, weeks=weeks)
        posts = self.curator.latest_posts(profile.name, limit=RESULTS_POSTS)
        gettext = translations(_language(profile), "web").gettext
        return self.render(
            request,
            "results.html",
            profile,
            {
                "page": "results",
                "report": report,
                "weeks": weeks,
                "posts": posts,
                "counts": COUNTS,
                "circles": FIELDS[len(COUNTS) :],
                "charts": _charts(report, gettext, _week_label(_language(profile))),
            },
        )

    def results_form(self, request: Request) -> Response:
        """One post's results form, rendered only when asked: the page lists the posts with a
        link here, which the script swaps for the form alone (htmx), and which without script
        opens a page holding that form (issue 14: twenty forms were most of the page's cost)."""
        profile = self._profile(request)
        post = self.curator.published_post(profile.name, request.path_params["slot_id"])
        weeks = _weeks(request.query_params.get("weeks"))
        back = f"/p/{quote(profile.name, safe='')}/results?weeks={weeks}"
        context = {
            "page": "results",
            "post": post,
            "slot_id": post.slot_id,
            "weeks": weeks,
            "open": True,
            "next_page": f"{back}#post-{post.slot_id}",
            "back": back,
        }
        partial = request.headers.get("hx-request") == "true"
        template = "_results_form.html" if partial else "results_post.html"
        return self.render(request, template, profile, context)

    def _results_back(self, request: Request, profile: Profile) -> str:
        form = request.state.form
        weeks = _weeks(form.get("weeks") if form is not None else None)
        return f"/p/{quote(profile.name, safe='')}/results?weeks={weeks}"

    def record_results(self, request: Request) -> Response:
        """The counts, note and minutes of a published post: `curator results add`."""
        profile = self._profile(request)
        slot_id = request.path_params["slot_id"]
        if self.curator.get_slot(slot_id).profile != profile.name:
            raise NotFound("slot", slot_id)
        form = request.state.form
        words = self._words(request)
        changes = {name: _count(form, name, words) for name in FIELDS}
        note = form.get("note")
        minutes = _minutes(form, words)
        if all(v is None for v in changes.values()) and not note and minutes is None:
            raise InvalidAction(
                words.gettext("Give at least one count, a note or the minutes it took.")
            )
        post = self.curator.record_results(
            slot_id,
            changes,
            note=note.strip() or None if isinstance(note, str) else None,
            origin="web",
            minutes=minutes,
        )
        back = _safe_next(form.get("next"), self._results_back(request, profile))
        points = post.results.points if post.results is not None else 0
        saved = translations(_language(profile), "web").gettext(
            "Saved: %(post)s, %(points)s results, %(minutes)s min"
        )
        message = saved % {
            "post": post.title or post.slot_id,
            "points": points,
            "minutes": post.minutes,
        }
        return self.done(request, message, back)

    def import_results(self, request: Request) -> Response:
        """A CSV or XLSX of post metrics: `curator results import`, all or nothing."""
        import tempfile

        profile = self._profile(request)
        upload = request.state.form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidAction(
                self._words(request).gettext("Choose a CSV or XLSX file to import.")
            )
        name = Path(upload.filename).name
        with tempfile.TemporaryDirectory(prefix="curator-import-") as folder:
            # the file's own name: the reader picks CSV or XLSX by its suffix, and the
            # results' history names the import by it
            path = Path(folder) / name
            path.write_bytes(upload.file.read())
            report = self.curator.import_results(path, profile=profile.name)
        lines = report.lines(_language(profile), path=name)
        return self.done(request, "\n".join(lines), self._results_back(request, profile))

    def apply_advice(self, request: Request) -> Response:
        """Advice N as the page listed it: `curator results advice --apply N`."""
        profile = self._profile(request)
        weeks = _weeks(request.state.form.get("weeks"))
        message = self.curator.apply_advice(
            profile.name, int(request.path_params["n"]), weeks=weeks
        )
        return self.done(request, message, self._results_back(request, profile))

    def activity(self, request: Request) -> Response:
        """The web queue reports each action; the facade counts the active time since this
        session's previous one (issue 15). The key is derived from the session's CSRF token:
        one per browser session, so a reload or a second tab counts no time twice."""
        profile = self._profile(request)
        csrf = str(request.session.get("csrf", ""))
        key = hashlib.sha256(csrf.encode()).hexdigest()[:32]
        seconds = self.curator.record_activity(profile.name, key)
        return JSONResponse({"counted": seconds})


def _weeks(value: object) -> int:
    """The weeks a Results page shows (1 to 52), RESULTS_WEEKS when not given or not a number."""
    if isinstance(value, str) and value.strip().isdigit():
        return min(max(int(value), 1), 52)
    return RESULTS_WEEKS


def _count(form: Any, name: str, words: gettext.NullTranslations) -> int | None:
    """A count field: None when left empty (unchanged); a clear error when not a whole number."""
    raw = form.get(name)
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if not text.isdigit():
        refusal = words.gettext("%(field)s: a whole number of 0 or more, not %(value)r")
        raise InvalidAction(refusal % {"field": name, "value": text})
    return int(text)


def _minutes(form: Any, words: gettext.NullTranslations) -> int | None:
    raw = form.get("minutes")
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if not text.isdigit() or int(text) <= 0:
        refusal = words.gettext("minutes: a positive whole number of minutes, not %(value)r")
        raise InvalidAction(refusal % {"value": text})
    return int(text)


@functools.cache
def _week_label(language: str) -> Callable[[date], str]:
    """A chart's name for a week ("30 nov."), formatted once per language and Monday: Babel
    parses the pattern and the locale on each call, 52 times per series on a year's page."""
    words = i18n_language(language)

    @functools.lru_cache(maxsize=1024)
    def label(monday: date) -> str:
        return words.format_date(monday, "dd MMM")

    return label


def _charts(
    report: ResultsReport,
    gettext: Callable[[str], str],
    label: Callable[[date], str],
) -> dict[str, dict[str, Any]]:
    """The report's figures as the charts draw them (static/results.js): labels and series,
    nothing computed; the tables beside them show the same figures as text."""

    weeks = report.weeks
    budget = [
        {"label": gettext("Weekly budget"), "data": [wk.budget for wk in weeks], "line": True}
    ]
    return {
        "time": {
            "type": "bar",
            "labels": [label(wk.week) for wk in weeks],
            "series": [
                {"label": gettext("Reported"), "data": [wk.minutes_reported for wk in weeks]},
                {"label": gettext("Measured"), "data": [wk.minutes_measured for wk in weeks]},
                *(budget if any(wk.budget for wk in weeks) else []),
            ],
            "stacked": True,
            "unit": gettext("minutes"),
        },
        "posts": {
            "type": "bar",
            "labels": [label(wk.week) for wk in weeks],
            "series": [
                {"label": gettext("Planned"), "data": [wk.planned for wk in weeks]},
                {"label": gettext("Published"), "data": [wk.published for wk in weeks]},
            ],
            "unit": gettext("posts"),
        },
        "trend": {
            "type": "line",
            "labels": [label(monday) for monday, _ in report.trend],
            "series": [
                {"label": gettext("Results per hour"), "data": [v for _, v in report.trend]}
            ],
            "unit": gettext("results per hour"),
        },
    }
