"""The Live tab's browser side: the camera sent over WebRTC, the composite shown, rate and latency measured.

``LIVE_HTML`` is the tab's own markup (the camera's preview, the matted ``<video>``, start and stop,
the status lines); ``LIVE_SCRIPT`` runs in the page (``gr.HTML(js_on_load=...)``): it opens the camera
(``getUserMedia``), sends an offer through the tab's server function ``offer`` (``web/live_rtc.py``,
only host candidates: no STUN/TURN), sends the page's settings on a data channel and shows what the
server says on it.

Latency from capture to display, matched frame by frame:

- a sender transform (``RTCRtpScriptTransform``, in a worker) sees each encoded camera frame and
  notes its RTP time and its capture time (the frame's ``captureTime`` when Chromium gives one, else
  the moment it left the encoder, which is later by the encoding time: the latency is then
  understated by that much);
- the server counts a camera frame's time from the first camera frame it received (aiortc's ``pts``),
  stamps each reply with the time it is sent, and announces ``[reply time, camera frame's time]`` on
  the data channel as it hands the frame to the encoder (a shown frame whose announcement is not in
  yet waits for the next one);
- ``requestVideoFrameCallback`` on the matted ``<video>`` gives each shown frame's RTP time; the first
  shown frame is the first reply (a stream starts with a key frame), which fixes the reply stream's
  RTP origin; from there each shown frame's camera frame, and its capture time, is looked up.
  The display time is the frame's ``expectedDisplayTime``. Shown frames whose camera frame is not found
  are counted (``unmatched``), never guessed.

Frames shown per second count the ``<video>``'s presented frames. Both are written under the pictures
and kept in ``window.videomatteLive`` (read by the browser benchmark and test).
"""
from __future__ import annotations

import json

LIVE_HTML = """
<div class="vm-live">
  <div class="vm-row">
    <video id="live-camera" muted playsinline autoplay></video>
    <video id="live-output" muted playsinline autoplay title="Click a person to keep only them"></video>
  </div>
  <div class="vm-row">
    <button id="live-start" class="lg primary">Start the camera</button>
    <button id="live-stop" class="lg secondary" disabled>Stop</button>
    <button id="live-everyone" class="sm secondary">Everyone</button>
  </div>
  <div id="live-fps"></div>
  <div id="live-shown"></div>
  <div id="live-subject"></div>
</div>
"""

LIVE_CSS = """
.vm-row { display: flex; gap: 8px; margin: 6px 0; }
.vm-row video { width: 50%; max-height: 480px; background: #222; object-fit: contain; }
#live-output { cursor: crosshair; }
"""

WORKER = r"""
onrtctransform = (event) => {
  const transformer = event.transformer;
  transformer.readable.pipeThrough(new TransformStream({
    transform(frame, controller) {
      const meta = frame.getMetadata();
      const left = performance.timeOrigin + performance.now();
      const rtp = meta.rtpTimestamp !== undefined ? meta.rtpTimestamp : frame.timestamp;
      const capture = meta.captureTime !== undefined ? performance.timeOrigin + meta.captureTime : null;
      postMessage({rtp, capture, left});
      controller.enqueue(frame);
    }
  })).pipeTo(transformer.writable);
};
"""

# the controls' change events (gr.on(..., js=CONTROLS_JS)) hand their values to the running connection
CONTROLS_JS = """(quality, kind, colour, image, mirror) => {
  const controls = {quality, kind, colour, image: image ? {path: image.path} : null, mirror};
  window.videomatteControls = controls;
  if (window.videomatteLive && window.videomatteLive.send) window.videomatteLive.send({controls});
  return [];
}"""

LIVE_SCRIPT = r"""
const $ = (id) => element.querySelector('#' + id);
const camera = $('live-camera'), output = $('live-output'), start = $('live-start'), stop = $('live-stop');
const live = window.videomatteLive = {shown: [], latencies: [], presented: 0, matched: 0, unmatched: 0,
                                      captureSource: '', send: null, state: 'idle'};
const worker = new Worker(URL.createObjectURL(new Blob([__WORKER__], {type: 'text/javascript'})));
const captured = new Map();  // sender RTP time (uint32) -> capture time (ms since the epoch)
const RATES = {min: 1500, start: 2500, max: 8000};  // the camera's VP8, kbit/s (see withBitrates)
const replies = new Map();  // reply's RTP time from the first reply -> its camera frame's from the first
let firstSent = null, firstReply = null, replyOrigin = null, pc = null, written = 0, waiting = [], late = [];
worker.onmessage = (event) => {
  const {rtp, capture, left} = event.data;
  if (firstSent === null) firstSent = rtp;
  live.captureSource = capture === null ? 'encoder output' : 'capture time';
  captured.set(rtp >>> 0, capture === null ? left : capture);
  if (captured.size > 600) captured.delete(captured.keys().next().value);
};
const bold = (text) => text.replace(/[&<>]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'}[c]))
                           .replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/\n+/g, '<br>');
const say = (line) => { $('live-fps').innerHTML = bold(line); };
function near(map, key) {  // a browser other than Chromium may round RTP times by a tick or two
  for (let off = 0; off <= 8; off = off > 0 ? -off : 1 - off) {
    const value = map.get((key + off) >>> 0);
    if (value !== undefined) return value;
  }
  return undefined;
}
function record(rtp, shownAt, again) {
  const camera = near(replies, (rtp - replyOrigin) >>> 0);
  const capture = camera === undefined || firstSent === null ? undefined : near(captured, firstSent + camera);
  if (camera === undefined && !again && late.length < 100) { late.push([rtp, shownAt]); return; }
  live.shown.push(shownAt);
  if (capture === undefined) { live.unmatched += 1; live.latencies.push(NaN); }
  else { live.matched += 1; live.latencies.push(shownAt - capture); }
  if (live.shown.length > 20000) { live.shown.splice(0, 10000); live.latencies.splice(0, 10000); }
}
function onShown(now, meta) {
  output.requestVideoFrameCallback(onShown);
  const shownAt = performance.timeOrigin + (meta.expectedDisplayTime || now);
  live.presented = meta.presentedFrames;
  if (replyOrigin === null) {  // the first reply's pts has not come on the data channel yet
    waiting.push([meta.rtpTimestamp, shownAt]);
    if (firstReply === null) return;
    replyOrigin = (waiting[0][0] - firstReply) >>> 0;  // the first frame shown is the first reply
    waiting.splice(0).forEach(([rtp, at]) => record(rtp, at));
  } else record(meta.rtpTimestamp, shownAt);
  if (shownAt - written < 500) return;
  written = shownAt;
  const recent = live.shown.filter((t) => t > shownAt - 3000);
  const fps = recent.length > 1 ? (recent.length - 1) * 1000 / (recent[recent.length - 1] - recent[0]) : 0;
  const last = live.latencies.slice(-recent.length).filter((v) => !isNaN(v)).sort((a, b) => a - b);
  const pick = (q) => last[Math.min(last.length - 1, Math.floor(q * last.length))];
  $('live-shown').innerText = `shown ${fps.toFixed(1)} fps · ` + (last.length ?
    `capture to display ${pick(0.5).toFixed(0)} ms (p95 ${pick(0.95).toFixed(0)} ms)` : 'latency not measured');
}
function onMessage(event) {
  const message = JSON.parse(event.data);
  for (const [reply, camera] of message.sent || []) {
    if (firstReply === null) firstReply = reply;
    replies.set(reply >>> 0, camera);
    if (replies.size > 600) replies.delete(replies.keys().next().value);
  }
  if (replyOrigin !== null && message.sent) late.splice(0).forEach(([rtp, at]) => record(rtp, at, true));
  if (message.report) say(message.report);
  if (message.subject) $('live-subject').innerText = message.subject;
}
function withBitrates(sdp) {
  // the server's bandwidth estimate starts low; Chromium then sends a 720p camera at a few frames a second
  // (or, told to keep the rate, at 320x180): floor and start its VP8 rate where a local network is
  const vp8 = /a=rtpmap:(\d+) VP8\/90000/.exec(sdp);
  if (!vp8) return sdp;
  const rates = 'x-google-min-bitrate=' + RATES.min + ';x-google-start-bitrate=' + RATES.start +
    ';x-google-max-bitrate=' + RATES.max;
  const fmtp = new RegExp('a=fmtp:' + vp8[1] + ' (.*)');
  if (fmtp.test(sdp)) return sdp.replace(fmtp, (line, params) => 'a=fmtp:' + vp8[1] + ' ' + params + ';' + rates);
  return sdp.replace(vp8[0], vp8[0] + '\r\na=fmtp:' + vp8[1] + ' ' + rates);
}
function gathered(connection) {
  return new Promise((resolve) => {
    if (connection.iceGatheringState === 'complete') return resolve();
    connection.addEventListener('icegatheringstatechange', () => {
      if (connection.iceGatheringState === 'complete') resolve();
    });
    setTimeout(resolve, 2000);
  });
}
async function connect() {
  start.disabled = true;
  say('Opening the camera');
  const stream = await navigator.mediaDevices.getUserMedia({video: true, audio: false});
  camera.srcObject = stream;
  pc = new RTCPeerConnection({iceServers: []});
  const channel = pc.createDataChannel('videomatte');
  channel.onmessage = onMessage;
  live.send = (message) => { if (channel.readyState === 'open') channel.send(JSON.stringify(message)); };
  channel.onopen = () => live.send({controls: window.videomatteControls || {}});
  const sender = pc.addTransceiver(stream.getVideoTracks()[0], {direction: 'sendrecv'}).sender;
  if (window.RTCRtpScriptTransform) sender.transform = new RTCRtpScriptTransform(worker, {});
  const parameters = sender.getParameters();  // the camera's size as it is: no scaling down to save bits
  parameters.degradationPreference = 'maintain-resolution';
  await sender.setParameters(parameters).catch(() => {});
  pc.ontrack = (event) => {
    event.receiver.jitterBufferTarget = 0;
    output.srcObject = new MediaStream([event.track]);
    output.requestVideoFrameCallback(onShown);
  };
  pc.onconnectionstatechange = () => {
    live.state = pc.connectionState;
    if (pc.connectionState === 'failed') say('videomatte: error: the WebRTC connection failed');
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  say('Preparing the network (the first time at a size exports its graphs: seconds)');
  const answer = await server.offer({sdp: pc.localDescription.sdp, controls: window.videomatteControls || {}});
  if (answer.error) { say(answer.error); disconnect(); return; }
  await pc.setRemoteDescription({type: answer.type, sdp: withBitrates(answer.sdp)});
  stop.disabled = false;
}
function disconnect() {
  if (pc) pc.close();
  pc = null; live.send = null; live.state = 'closed';
  for (const video of [camera, output]) {
    if (video.srcObject) video.srcObject.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  }
  captured.clear(); replies.clear(); firstSent = firstReply = replyOrigin = null; waiting = []; late = [];
  start.disabled = false; stop.disabled = true;
}
start.addEventListener('click', () => connect().catch((err) => { say('videomatte: error: ' + err); disconnect(); }));
stop.addEventListener('click', disconnect);
$('live-everyone').addEventListener('click', () => live.send && live.send({everyone: true}));
output.addEventListener('click', (event) => {
  if (!live.send || !output.videoWidth) return;
  const box = output.getBoundingClientRect();
  const scale = Math.min(box.width / output.videoWidth, box.height / output.videoHeight);
  const x = (event.clientX - box.left - (box.width - output.videoWidth * scale) / 2) / scale;
  const y = (event.clientY - box.top - (box.height - output.videoHeight * scale) / 2) / scale;
  if (x < 0 || y < 0 || x >= output.videoWidth || y >= output.videoHeight) return;
  live.send({pick: [Math.floor(x), Math.floor(y)]});
});
""".replace("__WORKER__", json.dumps(WORKER))
