"""``build_app``: the whole page (Convert and Live tabs, the ``/convert`` API), and ``launch`` for serving it."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402 - after switching analytics off

from videomatte.web.convert_tab import build_convert_tab  # noqa: E402
from videomatte.web.live_tab import build_live_tab  # noqa: E402
from videomatte.web.settings import ServeSettings  # noqa: E402
from videomatte.web.workspace import Workspaces  # noqa: E402

TITLE = "videomatte"
INTRO = ("Cut the people out of a video, no green screen needed. Upload a clip, choose what you want, "
         "and download the result. Everything runs on this server.")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class Served:
    """A running app: its URL, the Blocks, and the folders it cleans up."""

    url: str
    app: gr.Blocks
    workspaces: Workspaces

    def close(self) -> None:
        """End the live connections, stop the server and delete every session's files."""
        peers = getattr(self.app, "videomatte_peers", None)
        if peers is not None:
            peers.shutdown()
        self.app.close()
        self.workspaces.close()


def build_app(settings: ServeSettings | None = None, workspaces: Workspaces | None = None) -> gr.Blocks:
    """The Gradio app of ``videomatte serve`` (queue set up, not launched), for embedding and tests.

    Args:
        settings: limits, model and queue size (defaults: :class:`ServeSettings`).
        workspaces: where sessions keep their files (default: a fresh temporary folder).
    """
    settings = settings or ServeSettings()
    workspaces = workspaces or Workspaces(settings.workspace, settings.session_ttl_s)
    ttl = int(settings.session_ttl_s)
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(max(60, ttl // 4), ttl)) as app:
        gr.Markdown(f"# {TITLE}\n{INTRO}")
        with gr.Tabs():
            with gr.Tab("Convert", id="convert"):
                build_convert_tab(settings, workspaces)
            with gr.Tab("Live", id="live") as live_tab:
                peers = build_live_tab(settings, live_tab)

        def end_session(request: gr.Request) -> None:
            workspaces.drop(getattr(request, "session_hash", None))

        app.unload(end_session)
    app.queue(default_concurrency_limit=settings.concurrency)
    app.videomatte_workspaces = workspaces  # type: ignore[attr-defined]
    app.videomatte_peers = peers  # type: ignore[attr-defined]
    return app


def bind_warning(host: str) -> str | None:
    """The warning printed when the page is reachable from other machines, or ``None`` for localhost."""
    if host in LOCAL_HOSTS:
        return None
    return (f"videomatte: warning: serving on {host}: anyone who can reach this address can use the page "
            "(it has no authentication unless --auth user:pass is given)")


def _sweeper(workspaces: Workspaces, interval: float) -> None:
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            workspaces.sweep()

    threading.Thread(target=loop, name="videomatte-sweeper", daemon=True).start()


def launch(settings: ServeSettings | None = None, host: str = "127.0.0.1", port: int | None = 7860,
           auth: tuple[str, str] | None = None, block: bool = True) -> Served:
    """Build and serve the app; with ``block`` wait until interrupted.

    Returns:
        The running app (its URL and a ``close``).
    """
    settings = settings or ServeSettings()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's start-up self-checks
    warning = bind_warning(host)
    if warning:
        print(warning, file=sys.stderr)
    app = build_app(settings)
    workspaces: Workspaces = app.videomatte_workspaces  # type: ignore[attr-defined]
    _sweeper(workspaces, max(10.0, settings.session_ttl_s / 4))
    _, url, _ = app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=True,
                           max_file_size=settings.max_upload_bytes, allowed_paths=[str(workspaces.root)],
                           share=False, ssr_mode=False, quiet=True, show_error=False,
                           footer_links=["api"])
    served = Served(url, app, workspaces)
    if block:  # Gradio's own lines (quiet=True) would tell a command-line user to edit launch(share=True)
        print(f"videomatte: serving on {url} (Ctrl-C to stop)", flush=True)
        signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop cleans up like Ctrl-C
        try:
            app.block_thread()
        finally:
            served.close()
    return served


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
