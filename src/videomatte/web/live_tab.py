"""The Live tab: the browser's camera, matted in real time by the engine of ``videomatte live``.

The transport is WebRTC (``web/live_rtc.py`` and ``web/live_peers.py``, aiortc on the server, ``web/live_client.py`` in the
page): the camera goes to the server as a video track, each frame into the connection's ``LiveFeed``
(``web/live_feed.py``: quality mode, overlapped halves, newest frame wins, the matte composited with
its own frame), and the newest composite comes back as a video track. It replaced Gradio's streaming
image input, measured against it (``docs/web.md``). The settings below the pictures are Gradio
components whose changes the page hands to the connection (``CONTROLS_JS``); a click on the matted
picture keeps only the person under it from the next frame on.
"""
from __future__ import annotations

import gradio as gr

from videomatte.live.quality import QUALITIES
from videomatte.web.choices import DEFAULT_COLOUR
from videomatte.web.live_client import CONTROLS_JS, LIVE_CSS, LIVE_HTML, LIVE_SCRIPT
from videomatte.web.live_peers import RtcPeers
from videomatte.web.settings import ServeSettings

LIVE_BACKGROUNDS = [("colour", "colour"), ("blur", "blur"), ("image", "image")]


def build_live_tab(settings: ServeSettings, tab: gr.Tab) -> RtcPeers:
    """The Live tab's layout and its WebRTC offer (inside a ``gr.Blocks``); returns the server's
    connections (closed with the app)."""
    peers = RtcPeers(settings)

    async def offer(request: dict) -> dict:
        """The page's WebRTC offer, ``{"sdp", "controls"}``: the answer (``{"sdp", "type"}`` or ``{"error"}``)."""
        if not isinstance(request, dict) or not isinstance(request.get("sdp"), str):
            return {"error": "videomatte: error: a WebRTC offer must be {sdp, controls}"}
        return await peers.offer(request["sdp"], request.get("controls") or {})

    gr.HTML(LIVE_HTML, html_template="${value}", css_template=LIVE_CSS, js_on_load=LIVE_SCRIPT,
            server_functions=[offer], elem_id="live-rtc", padding=False)
    with gr.Row():
        quality = gr.Radio(list(QUALITIES), value="auto", label="Quality", elem_id="live-quality",
                           info="auto: the best mode that holds the camera's rate (as videomatte live --quality)")
        kind = gr.Radio(LIVE_BACKGROUNDS, value="colour", label="Background", elem_id="live-kind")
        colour = gr.ColorPicker(value=DEFAULT_COLOUR, label="Colour", elem_id="live-colour")
        image = gr.Image(type="filepath", sources=["upload"], label="Background image", height=120)
        mirror = gr.Checkbox(value=False, label="Mirror", elem_id="live-mirror")
    gr.on([tab.select, quality.change, kind.change, colour.change, image.change, mirror.change], None,
          [quality, kind, colour, image, mirror], None, js=CONTROLS_JS, queue=False, show_progress="hidden")
    return peers
