"""The one module where framework/ meets Streamlit: the cached connection, cached reads, the acting user,
session-state keys, write handling with clear messages, and the shared sidebar."""
from __future__ import annotations

import html
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import streamlit as st

from framework.core import addresses, analyst_copy, db, replica
from framework.core.auth import ROLE_WORDS, can, group_for_email, role_for_email
from framework.core.errors import StaleEdit, StoreError, ValidationError, WriteConflict
from framework.core.model import ROLES, User, role_name
from framework.core.safe_text import markdown_text

# Session-state keys, each with its page prefix, all set up in init_state().
SYSTEM = "app.system"
VIEW_AS = "app.view_as"
VIEW_AS_PARAM = "view_as"  # in local mode, the address keeps the 'View as' role, so a reload or a shared link keeps it
VIEW_AS_FROM_LINK = "app.view_as_from_link"
STATE_DEFAULTS: dict[str, Any] = {
    SYSTEM: None,
    VIEW_AS: "editor",
    "framework.vision_version": None,
    "indicators.search": "",
}
READ_TTL_SECONDS = 600
LOCAL_USER_ID = "local"
APP = Path(__file__).resolve().parents[1] / "app.py"


def use_navigation_only() -> None:
    """Make st.navigation the app's only navigation, the one place that works around Streamlit 1.67 here.

    Streamlit treats a folder named pages/ beside app.py as an old-style page list. It decides once per server
    process, when the first visitor connects, and that visitor's first run goes through the old list: a shared
    link such as /framework then opens with a "Page not found" box. `serve()` calls this before the server starts,
    so that never happens. Under a bare `streamlit run app.py`, app.py calls it first thing: on that one first run
    it switches the old list off and, when the visitor asked for a page by its address, sends the browser back to
    the same address, which now opens the page itself."""
    from streamlit.runtime.pages_manager import PagesManager

    old_style_run = bool(PagesManager.uses_pages_directory)
    PagesManager.uses_pages_directory = False
    if not old_style_run:
        return
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    asked_for = ctx.pages_manager.intended_page_name if ctx else None
    if asked_for:
        address = json.dumps(_page_address(asked_for, ctx.query_string)).replace("<", "\\u003c")
        st.html(f"<script>window.location.replace({address})</script>", unsafe_allow_javascript=True)
        st.stop()


def _page_address(url_path: str, query_string: str) -> str:
    """The browser address of a page of this app, with its query string."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    address = "/" + "/".join(part for part in (base, quote(url_path.strip("/"))) if part)
    return address + (f"?{query_string}" if query_string else "")


def serve(args: list[str]) -> int:
    """Start the app server (`python -m framework.streamlit_glue [streamlit options]`)."""
    use_navigation_only()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *args]
    return cli.main()


def text(value: Any) -> str:
    """User text (a name, a definition, a story, a comment) made safe to put inside Markdown, shown exactly as
    written. Use it for user text in st.markdown, st.write, st.caption, titles, alerts, labels and expander titles."""
    return markdown_text(value)


def init_state() -> None:
    """Give every session-state key its default once."""
    for key, value in STATE_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    adopt_view_as_link()


def role_from_link(value: Any) -> str | None:
    """The role a link's ?view_as= names, or None when it names no role."""
    value = value[0] if isinstance(value, list) and value else value
    return value if isinstance(value, str) and value in ROLES else None


def adopt_view_as_link() -> None:
    """In local mode only, once per browser session: take the 'View as' role from the address. With sign-in
    configured the address is never read, so nobody can raise their own role with it."""
    if auth_configured() or st.session_state.get(VIEW_AS_FROM_LINK):
        return
    st.session_state[VIEW_AS_FROM_LINK] = True
    role = role_from_link(st.query_params.get(VIEW_AS_PARAM))
    if role:
        st.session_state[VIEW_AS] = role


def keep_view_as_in_address(role: str) -> None:
    """Put the local 'View as' role in the address (the local editor, the default, needs none)."""
    if role == "editor":
        st.query_params.pop(VIEW_AS_PARAM, None)
    elif st.query_params.get(VIEW_AS_PARAM) != role:
        st.query_params[VIEW_AS_PARAM] = role


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return replica.serve_pages(db.connect(path))


def db_path() -> str:
    """The resolved database path (or PostgreSQL address) this app uses."""
    target = db.default_target()
    return str(target) if db.is_server(target) else str(Path(target).resolve())


def connection():
    """The app's one cached DuckDB connection; stops the page with a clear message when it cannot open."""
    try:
        return _connection(db_path())
    except StoreError as exc:
        st.error(f"The database could not be opened. {exc}")
        st.stop()


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _cached_read(_con, _fn: Callable[..., Any], path: str, fn_key: str, args: tuple, kwargs: tuple) -> Any:
    return _fn(_con, *args, **dict(kwargs))


def read(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a framework read fn(con, *args, **kwargs) through st.cache_data; writes clear the cache.
    The cache is keyed by the function's qualified name, the database path and the arguments."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))
    return _cached_read(connection(), fn, db_path(), f"{fn.__module__}.{fn.__qualname__}", args, frozen)


# Ties each chart to its sentence for screen readers: the keyed box around a chart becomes a figure labelled by the
# visible sentence under it, and Plotly's drawing becomes an image with that sentence as its name (its hover layer is
# hidden from them). Streamlit and Plotly redraw charts, so it runs again after every change to the page.
CHART_WORDS_SCRIPT = """<script>(() => {
  const doc = window.parent.document;
  const tie = () => {
    doc.querySelectorAll("[class*='st-key-chart-']").forEach(box => {
      const key = [...box.classList].find(c => c.startsWith("st-key-chart-"));
      const words = box.querySelector("[data-testid='stCaptionContainer']");
      const plot = box.querySelector(".js-plotly-plot");
      if (!key || !words || !plot) return;
      const id = key.slice("st-key-".length) + "-words";
      if (words.id !== id) words.id = id;
      if (box.getAttribute("aria-labelledby") !== id) {
        box.setAttribute("role", "figure");
        box.setAttribute("aria-labelledby", id);
      }
      plot.querySelectorAll("svg.main-svg").forEach((svg, i) => {
        if (i === 0 && svg.getAttribute("aria-labelledby") !== id) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-labelledby", id);
        } else if (i > 0 && !svg.hasAttribute("aria-hidden")) {
          svg.setAttribute("aria-hidden", "true");
        }
      });
    });
  };
  if (!window.parent.__chartWords) {
    let queued = false;
    window.parent.__chartWords = new MutationObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; tie(); });
    });
    window.parent.__chartWords.observe(doc.body, {childList: true, subtree: true});
  }
  tie();
})();</script>"""


# Styles that Streamlit's theme cannot set, each for a WCAG 2.2 AA criterion.
ACCESSIBLE_STYLES = """<style>
/* 2.5.8 Target size: each part of a date (day, month, year) is at least 24 by 24 pixels to click or tap. */
[data-testid='stDateInputFieldsScroller'] [role='spinbutton'] {
  display: inline-flex; align-items: center; justify-content: center; min-width: 24px; min-height: 24px;
}
/* 1.4.3 Contrast: the label of a field the reader may not change (shown disabled, such as the vision for a viewer)
   reads as clearly as other text; the grey field still shows it cannot be changed. The colour is textColor in
   .streamlit/config.toml. */
[data-testid='stWidgetLabel'] [data-testid='stMarkdownContainer'] p,
.stDateInput span[aria-hidden='true'] [data-testid='stMarkdownContainer'] p { color: #0B1620; }
</style>"""


def accessible_styles() -> None:
    """Add the app's accessibility styles to the page; they take no room on it."""
    st.html(ACCESSIBLE_STYLES)


def title_words(fig) -> str:
    """A chart's title and subtitle as plain words, for a chart that has no sentence of its own yet."""
    title = fig.layout.title.text or ""
    plain = re.sub(r"<br\s*/?>", ". ", title)
    plain = html.unescape(re.sub(r"<[^>]+>", "", plain))
    plain = re.sub(r"\s*\.\s*\.", ".", re.sub(r"\s+", " ", plain)).strip(" .")
    return f"Chart: {plain}." if plain else "Chart."


def chart(fig, sentence: str | None, key: str, **options: Any) -> None:
    """Show a plotly chart with its sentence as a visible caption under it, tied to it so that a screen reader
    announces the sentence as the chart's name. Every chart in the app is shown this way. `sentence` says what the
    chart shows (None falls back to its title in words); `key` is unique on the page; `options` go to
    st.plotly_chart (width defaults to "stretch")."""
    options.setdefault("width", "stretch")
    options.setdefault("config", {"displaylogo": False})
    with st.container(key=f"chart-{key}"):
        st.plotly_chart(fig, key=f"{key}.plot", **options)
        st.caption(text(sentence or title_words(fig)))
        st.html(CHART_WORDS_SCRIPT, unsafe_allow_javascript=True)


def auth_configured() -> bool:
    """Whether OIDC sign-in is configured in secrets.toml."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _secrets_section(name: str) -> dict[str, Any]:
    """A section of secrets.toml as plain dicts, or {} when it is missing."""
    try:
        section = st.secrets.get(name, {})
    except Exception:  # no secrets file at all
        return {}
    return {k: (dict(v) if hasattr(v, "keys") else v) for k, v in dict(section).items()}


def public_url() -> tuple[str | None, str]:
    """The app's public address for links sent outside it, and where it came from: SHARED_MEASURES_PUBLIC_URL,
    else public_url under [app] in secrets.toml, else the address this browser reached the app on. (None, why)
    when none is known."""
    configured = os.environ.get(addresses.PUBLIC_URL_VAR, "").strip()
    if configured:
        base = addresses.public_base(configured)
        return base, (f"from {addresses.PUBLIC_URL_VAR}" if base else
                      f"{addresses.PUBLIC_URL_VAR} is not an http or https address, so links have no address")
    configured = str(_secrets_section("app").get("public_url") or "").strip()
    if configured:
        base = addresses.public_base(configured)
        return base, ("from public_url in secrets.toml" if base else
                      "public_url in secrets.toml is not an http or https address, so links have no address")
    try:
        seen = urlsplit(str(st.context.url or ""))  # the address in the browser, which ends with the page's path
    except Exception:  # no browser request (a script or a test run)
        seen = None
    folder = str(st.get_option("server.baseUrlPath") or "").strip("/")
    base = addresses.public_base(f"{seen.scheme}://{seen.netloc}/{folder}") if seen and seen.netloc else None
    return base, ("from the address you opened the app on; set SHARED_MEASURES_PUBLIC_URL if people reach it at "
                  "another address" if base else "no public address is set: set SHARED_MEASURES_PUBLIC_URL")


def sign_in_provider() -> str | None:
    """The named identity provider under [auth], e.g. [auth.microsoft], or None for a single unnamed one."""
    named = [k for k, v in _secrets_section("auth").items() if isinstance(v, dict)]
    return named[0] if named else None


def signed_in_user(info: Any, roles: dict[str, Any], groups: dict[str, Any]) -> User:
    """The User for an OIDC identity (st.user): the role and stakeholder group mapped from the email."""
    if not info.get("is_logged_in"):
        return User("anonymous", "Visitor (not signed in)", "viewer")
    email = str(info.get("email") or "").strip().lower()
    role = role_for_email(email, roles.get("emails"), roles.get("domains"), roles.get("default", "viewer"))
    group = group_for_email(email, groups.get("emails"), groups.get("domains"))
    return User(email or str(info.get("sub")), str(info.get("name") or email), role, email=email, group_code=group)


def current_user() -> User:
    """The acting user, the only place pages learn who is acting. With [auth] in secrets.toml: the signed-in
    person, their role mapped from [roles]. Without it (local mode): the local editor, previewing as the
    'View as' role."""
    if auth_configured():
        return signed_in_user(st.user, _secrets_section("roles"), _secrets_section("groups"))
    role = st.session_state.get(VIEW_AS, "editor")
    if role not in ROLES:
        role = "viewer"
    return User(LOCAL_USER_ID, "Local user", role)


def write(fn: Callable[..., Any], *args: Any, success: str | None = None, **kwargs: Any) -> tuple[bool, Any]:
    """Run a framework write fn(con, user, ...); show problems in words; clear cached reads on success."""
    try:
        result = fn(connection(), current_user(), *args, **kwargs)
    except ValidationError as exc:
        st.error("Nothing was saved. Please fix:\n" + "\n".join(f"- {text(p)}" for p in exc.problems))
        return False, exc
    except PermissionError as exc:
        st.error(f"Nothing was saved. {text(exc)}")
        return False, exc
    except (StaleEdit, WriteConflict) as exc:
        st.warning(text(exc))
        return False, exc
    except StoreError as exc:  # the disk or the file failed: said in words, nothing was kept
        st.error(text(exc))
        return False, exc
    st.cache_data.clear()
    analyst_copy.after_write(connection(), db_path())  # in the background: the user does not wait for it
    if success:
        st.success(success)
    return True, result


def current_system() -> dict[str, Any] | None:
    """The system the user is looking at, or None when the database has none."""
    from framework.foundation.systems import list_systems

    systems = read(list_systems)
    if systems.empty:
        return None
    codes = list(systems["system_code"])
    if st.session_state.get(SYSTEM) not in codes:
        st.session_state[SYSTEM] = codes[0]
    return systems[systems["system_code"] == st.session_state[SYSTEM]].iloc[0].to_dict()


START_PAGE = "pages/start_system_page.py"


def may_start_system(user: User) -> bool:
    """Whether the Start a new system page is offered: to administrators, and to the local editor in local mode."""
    return user.role == "admin" or (user.role == "editor" and not auth_configured())


def require_system() -> dict[str, Any]:
    """The current system; when there is none, say how to get one and stop the page."""
    system = current_system()
    if system is None:
        st.info(
            "There is no system in this database yet. Start one on your ICB footprint, load the demo with "
            "`python -m framework init --demo`, or import an Excel return."
        )
        if may_start_system(current_user()):
            st.page_link(START_PAGE, label="Start a new system", icon=":material/add_circle:")
        st.stop()
    return system


def page(title: str | Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    """Every page's prelude: the current system (or a way to get one, and stop), the demo banner and the title,
    which may be a function of the system. Returns the system."""
    system = require_system()
    demo_banner(system)
    st.title(title(system) if callable(title) else title)
    return system


def page_as_user(title: str, permission: str | None = None, refused: str = "") -> tuple[str, User]:
    """The prelude of a page that acts for its user: the page prelude, then the system's code and the current user.
    With a permission, a user without it reads `refused` (where {role} names their role) and the page stops."""
    system = page(title)
    user = current_user()
    if permission and not can(user, permission):
        st.info(refused.format(role=role_name(user.role)))
        st.stop()
    return system["system_code"], user


def choose_row(label: str, frame, id_column: str, title_column: str, key: str) -> Any:
    """A select box over a frame's rows, shown by title; it keeps the choice while that row is still there, else it
    starts at the first row. Returns the chosen id."""
    ids = frame[id_column].tolist()
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]
    titles = dict(zip(frame[id_column], frame[title_column]))
    return st.selectbox(label, ids, format_func=titles.get, key=key)


def sidebar(user: User) -> None:
    """The shared sidebar: which system, who you are, and the demo and local-mode banners."""
    from framework.foundation.systems import list_systems

    systems = read(list_systems)
    current_system()  # settles the choice before the widget that holds it is drawn
    with st.sidebar:
        if not systems.empty:
            labels = dict(zip(systems["system_code"], systems["name"]))
            st.selectbox("System", list(labels), format_func=labels.get, key=SYSTEM)
        user_panel(user)


def user_panel(user: User) -> None:
    """Who is acting: sign in and out with OIDC, or in local mode a banner and the 'View as' switch."""
    if auth_configured():
        provider = sign_in_provider()
        if user.user_id == "anonymous":
            st.caption("You are reading the public view. Sign in to propose and rate measures.")
            if st.button("Sign in", key="app.sign_in", icon=":material/login:"):
                st.login(provider) if provider else st.login()
        else:
            st.caption(f"Signed in as **{user.name}** · {ROLE_WORDS[user.role]}")
            if st.button("Sign out", key="app.sign_out", icon=":material/logout:"):
                st.logout()
        return
    st.warning("**Local mode.** No sign-in is configured, so you are the local editor. "
               "Use *View as* to preview the app as another role.", icon=":material/computer:")
    st.selectbox("View as", ROLES, key=VIEW_AS, format_func=lambda r: ROLE_WORDS[r].split(":")[0],
                 help="Preview what each role can see and do. Set up sign-in in .streamlit/secrets.toml.")
    st.caption(f"Acting as **{user.name}** · {ROLE_WORDS[user.role]}")
    keep_view_as_in_address(user.role)


def demo_banner(system: dict[str, Any]) -> None:
    """Say plainly when the figures are from the fictional demo system."""
    if system.get("is_demo"):
        st.info(
            "**Demo data.** This is a fictional Integrated Care System with generated figures, so you can explore "
            "how Shared Measures works. Do not quote these numbers.",
            icon=":material/science:",
        )


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
