"""The page in a real browser: headless Chromium (Debian's package) driven by Playwright.

Uploads a real clip, converts, waits for the previews and downloads the result; matte the fake camera
(a shared clip played by Chromium as a webcam) in the Live tab. Screenshots of both tabs are written to
``$VIDEOMATTE_SCREENSHOTS`` (default: a temporary folder, printed).
"""
from __future__ import annotations

import base64
import io
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from web_media import decode

pytest.importorskip("gradio", reason="the web extra (gradio) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python package) is not installed")

from web_media import CLIP_FRAMES, GROUP_FRAMES, GROUP_SIZE  # noqa: E402

CHROMIUM = shutil.which("chromium")
pytestmark = [pytest.mark.slow,  # a real browser and server
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")]
TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("VIDEOMATTE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


@pytest.fixture(scope="module")
def browser(camera_y4m: Path):
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_y4m}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.url)
    page.wait_for_selector("#uploads")
    yield page
    context.close()


def _text_of(page, selector: str, needle: str) -> str:
    page.wait_for_function("([s, n]) => document.querySelector(s) && document.querySelector(s).innerText.includes(n)",
                           arg=[selector, needle])
    return page.locator(selector).inner_text()


def test_upload_convert_preview_download_then_close(page, server, short_clip: Path, screenshots: Path,
                                                   tmp_path: Path) -> None:
    before = set(server.workspaces.root.iterdir())
    page.locator("#uploads input[type=file]").set_input_files(str(short_clip))
    info = _text_of(page, "#upload-info", "frames")
    assert "person.mp4: 360x640, 24 fps, 8 frames, 0.33 s, no audio; automatic downsample ratio 0.80" in info
    page.click("#convert-button")
    status = _text_of(page, "#status", "frames in")
    assert status.startswith(f"person.mp4: {CLIP_FRAMES} frames in")
    for preview in ("#composite-preview video", "#checker-preview video"):
        page.wait_for_function("s => document.querySelector(s) && document.querySelector(s).readyState >= 2",
                               arg=preview)
    page.screenshot(path=str(screenshots / "convert.png"), full_page=True)
    links = page.locator("#downloads a[download]")
    assert links.count() == 2
    with page.expect_download() as caught:
        links.first.click()
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    assert saved.name == "person.mov"
    rgba, _ = decode(saved, alpha=True)
    assert len(rgba) == CLIP_FRAMES and rgba[0].shape[-1] == 4
    (mine,) = set(server.workspaces.root.iterdir()) - before  # this session's folder
    assert list(mine.glob("job-*/person.mov"))
    page.context.close()  # the tab closes: the session ends and its files go
    deadline = time.monotonic() + 30
    while mine.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not mine.exists()


def test_a_file_that_is_not_a_video_gets_one_line_in_the_page(page, tmp_path: Path) -> None:
    upload = tmp_path / "notes.mp4"
    upload.write_text("not a video\n" * 20)
    page.locator("#uploads input[type=file]").set_input_files(str(upload))
    assert "videomatte: error: notes.mp4: not a readable video" in _text_of(page, "#upload-info", "error")
    page.click("#convert-button")
    status = _text_of(page, "#status", "error")
    assert status.startswith("videomatte: error: notes.mp4: not a readable video")
    assert "Traceback" not in page.content()


def _picture(page, selector: str) -> np.ndarray:
    source = page.locator(selector).get_attribute("src")
    body = page.request.get(source).body()
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


def _video_picture(page, selector: str) -> np.ndarray:
    """The frame a ``<video>`` shows now, read from the page."""
    url = page.wait_for_function("""(s) => { const v = document.querySelector(s);
        if (!v || v.readyState < 2 || !v.videoWidth) return false;
        const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
        c.getContext('2d').drawImage(v, 0, 0); return c.toDataURL('image/png'); }""", arg=selector).json_value()
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


def _green(picture: np.ndarray) -> np.ndarray:
    return (picture[..., 1] > 190) & (picture[..., 0] < 90) & (picture[..., 2] < 90)


def test_the_live_tab_mattes_the_webcam_over_webrtc(page, screenshots: Path) -> None:
    page.get_by_role("tab", name="Live").click()
    page.locator("#live-quality").get_by_text("fast", exact=True).click()  # one graph to export, not three
    page.click("#live-start")
    page.wait_for_function("() => /· ([5-9]|\\d\\d+) frames/.test(document.querySelector('#live-fps').innerText)")
    report = page.locator("#live-fps").inner_text()
    assert "quality fast: fast, ratio 0.4 · matted" in report and "fps" in report and "360x640" in report
    shown = _text_of(page, "#live-shown", "capture to display")  # the page's own clock, frames matched by RTP time
    assert re.fullmatch(r"shown \d+\.\d fps · capture to display \d+ ms \(p95 \d+ ms\)", shown.strip()), shown
    live = page.evaluate("() => window.videomatteLive")
    assert live["matched"] >= 3 and live["unmatched"] <= 1 and live["state"] == "connected"
    matted = _video_picture(page, "#live-output")
    assert matted.shape == (640, 360, 3)
    assert _green(matted)[:, :40].mean() > 0.9  # the workshop on the left became the green background
    assert 0.03 < 1 - _green(matted).mean() < 0.6  # and the person is kept
    page.screenshot(path=str(screenshots / "live.png"), full_page=True)
    _choose_on_the_live_picture(page)  # the same connection
    page.click("#live-stop")
    page.wait_for_function("() => window.videomatteLive.state === 'closed'")


def _click_at(page, selector: str, fx: float, fy: float) -> None:
    """Click the picture at a fraction of its shown width and height."""
    picture = page.locator(selector)
    box = picture.bounding_box()
    picture.click(position={"x": fx * box["width"], "y": fy * box["height"]})


def _click_live(page, fx: float, fy: float) -> None:
    """Click the matted video at a fraction of its picture (the element letterboxes it)."""
    box = page.locator("#live-output").bounding_box()
    width, height = page.evaluate("() => { const v = document.querySelector('#live-output'); "
                                  "return [v.videoWidth, v.videoHeight]; }")
    scale = min(box["width"] / width, box["height"] / height)
    left, top = box["x"] + (box["width"] - width * scale) / 2, box["y"] + (box["height"] - height * scale) / 2
    page.mouse.click(left + fx * width * scale, top + fy * height * scale)


def _points(page) -> list[tuple[int, int]]:
    line = _text_of(page, "#subject-points", "Keeping only")
    return [(int(x), int(y)) for x, y in re.findall(r"\((\d+), (\d+)\)", line)]


def test_click_the_person_to_keep_on_the_first_frame(page, group_clip: Path, screenshots: Path,
                                                    tmp_path: Path) -> None:
    page.locator("#uploads input[type=file]").set_input_files(str(group_clip))
    page.wait_for_selector("#subject-frame img")
    assert "every person is kept" in page.locator("#subject-points").inner_text()
    _click_at(page, "#subject-frame img", 0.97, 0.03)  # the wall above the right person's head: nobody
    (wall,) = _points(page)
    page.click("#convert-button")
    status = _text_of(page, "#status", "error")
    assert re.fullmatch(rf"videomatte: error: frame 0: the subject point \({wall[0]}, {wall[1]}\) hits no person; "
                        r"the nearest person is around \(\d+, \d+\), \d+ px away", status.strip()), status
    assert "Traceback" not in page.content()
    page.click("#clear-points")
    _text_of(page, "#subject-points", "every person is kept")
    _click_at(page, "#subject-frame img", 0.54, 0.55)  # the middle one of the three
    (point,) = _points(page)
    width, height = GROUP_SIZE
    assert abs(point[0] - 0.54 * width) <= 3 and abs(point[1] - 0.55 * height) <= 3
    marked = _picture(page, "#subject-frame img")  # the point is drawn where it was clicked
    scale = marked.shape[1] / width
    red = marked[round(point[1] * scale), round(point[0] * scale)]
    assert red[0] > 200 and red[1] < 90 and red[2] < 90
    page.click("#convert-button")
    assert _text_of(page, "#status", "frames in").startswith(f"group.mp4: {GROUP_FRAMES} frames in")
    page.wait_for_function("s => document.querySelector(s) && document.querySelector(s).readyState >= 2",
                           arg="#checker-preview video")
    page.screenshot(path=str(screenshots / "subject.png"), full_page=True)
    with page.expect_download() as caught:
        page.locator("#downloads a[download]").nth(1).click()
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    assert saved.name == "group_alpha.mp4"
    pictures, _ = decode(saved)
    alpha = np.stack(pictures)[..., 0].astype(np.float32) / 255
    assert alpha.shape == (GROUP_FRAMES, height, width)
    bands = {"left": alpha[:, :, 60:130], "middle": alpha[:, :, 160:260], "right": alpha[:, :, 300:]}
    assert bands["middle"].mean() > 0.4  # the one clicked is kept...
    assert bands["left"].max() < 0.05 and bands["right"].max() < 0.05  # ...and nobody beside him
    pictures, _ = decode(group_clip)  # not even the right one's yellow vest, which his sleeve overlaps
    rgb = np.stack(pictures).astype(np.int32)
    vest = (rgb[..., 0] > 140) & (rgb[..., 1] > 120) & (rgb[..., 2] < 90) & (rgb[..., 0] - rgb[..., 2] > 80)
    assert vest.sum() > 2000 and (vest & (alpha > 0.5)).sum() < 0.02 * vest.sum()


def _choose_on_the_live_picture(page) -> None:
    """A click on nobody: one line, everyone matted again; a click on the person: kept; Everyone."""
    _click_live(page, 0.05, 0.05)  # the workshop: nobody there
    line = _text_of(page, "#live-subject", "Keeping only")
    x, y = map(int, re.search(r"\((\d+), (\d+)\)", line).groups())
    assert abs(x - 0.05 * 360) <= 2 and abs(y - 0.05 * 640) <= 2
    error = _text_of(page, "#live-fps", "hits no person")
    assert re.search(rf"videomatte: error: frame 0: the subject point \({x}, {y}\) hits no person; the nearest "
                     r"person is around \(\d+, \d+\)", error) and "Traceback" not in page.content()
    for attempt in range(3):  # the video plays on: a click on a frame the person has since left is tried again
        matted = _video_picture(page, "#live-output")
        person = ~_green(matted)
        assert 0.03 < person.mean() < 0.6  # everyone is matted again: the person is still there
        depth = ndimage.distance_transform_edt(person)  # the pixel deepest inside the person (the torso)
        row, col = np.unravel_index(int(np.argmax(depth)), depth.shape)
        _click_live(page, col / matted.shape[1], row / matted.shape[0])
        try:
            page.wait_for_function("() => !document.querySelector('#live-fps').innerText.includes('hits no person')",
                                   timeout=10000)
            break
        except sync_api.TimeoutError:
            if attempt == 2:
                raise
    assert "Keeping only the person under" in page.locator("#live-subject").inner_text()
    page.wait_for_timeout(500)
    kept = _video_picture(page, "#live-output")
    assert 0.03 < 1 - _green(kept).mean() < 0.6
    assert "error" not in page.locator("#live-fps").inner_text()
    page.click("#live-everyone")
    _text_of(page, "#live-subject", "Every person is matted")
