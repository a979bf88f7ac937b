#!/usr/bin/python3
"""A "foreign" speech-to-speech voice agent for callbench's tests, in Python's asyncio style.

Written the way Twilio's Python Realtime sample is (a media-stream handler that connects to
OpenAI Realtime, then runs "receive from Twilio" and "send to Twilio" side by side), but without
its bugs: the OpenAI socket is closed when the caller hangs up, the greeting waits for Twilio's
`start`, marks are named and matched, barge-in sends Twilio `clear`, a
`conversation.item.truncate` at what the caller actually heard, and `response.cancel`, and
late deltas of a cancelled response are dropped.

Debian's python3 (3.11) with python3-websockets 10.4 only: that websockets cannot answer a POST,
so the voice webhook is served by http.server on PORT and the media stream by websockets.serve on
a second free port, named in the TwiML's Stream URL.

It is an outsider on purpose: nothing from callbench, and no `x-callbench-call` header. See
test/agents/README.md for the environment it reads and its knob (AGENT_LEAK=realtime).
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.sax.saxutils import quoteattr

import websockets

NAME = "realtime_agent.py"
STREAM_PATH = "/media-stream"
WEBHOOK_PATHS = ("/incoming-call", "/twiml")
MODEL = "gpt-realtime"
VOICE = "alloy"
# Silence that ends the caller's turn (server VAD).
SILENCE_MS = 500
INSTRUCTIONS = "You are a friendly phone assistant. Answer in one to three short spoken sentences."
GREETING_INSTRUCTIONS = 'Say exactly: "Hello, how can I help?"'
# G.711 mu-law at 8 kHz: 8 bytes of audio per ms.
MULAW_BYTES_PER_MS = 8
# Caller audio held until the session has its formats (20 ms frames: 5 s).
MAX_PENDING_APPENDS = 250


def log(call_id, message):
    print(f"[{NAME}] {call_id}: {message}", flush=True)


def now_ms():
    return time.monotonic() * 1000.0


class Config:
    def __init__(self, env):
        missing = [name for name in ("OPENAI_REALTIME_URL", "OPENAI_API_KEY") if not env.get(name)]
        if missing:
            raise ValueError(f"missing environment variable(s): {', '.join(missing)}")
        self.leak = env.get("AGENT_LEAK", "")
        if self.leak not in ("", "realtime"):
            raise ValueError(f"AGENT_LEAK must be realtime for this agent, got '{self.leak}'")
        parts = urlsplit(env["OPENAI_REALTIME_URL"])
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "model"] + [("model", MODEL)]
        self.realtime_url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
        self.openai_key = env["OPENAI_API_KEY"]
        self.host = env.get("HOST", "127.0.0.1")
        self.port = int(env.get("PORT", "5050"))
        self.auth_token = env.get("TWILIO_AUTH_TOKEN", "")


def signature_matches(auth_token, header, url, params):
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by the sorted parameters."""
    if not auth_token:
        return True  # nothing to check against: accept, as an unconfigured app does
    if not header:
        return False
    data = url + "".join(key + params[key] for key in sorted(params))
    expected = base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(expected, header)


def host_without_port(host):
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


class PlaybackLedger:
    """What the caller has heard of each assistant item, from the marks that follow every delta.

    Twilio plays queued audio in order and echoes a mark once the audio before it has played, so
    an echo at time t means the caller heard the item up to that mark's offset at t and then
    kept hearing the next delta. Items belong to one response and are never carried over.
    """

    def __init__(self):
        self.pending = {}  # mark name -> (item_id, end_ms), in the order sent
        self.items = {}  # item_id -> {"received_ms": float, "anchor": (ms, at) or None}
        self.count = 0

    @property
    def playing(self):
        return bool(self.pending)

    def delta(self, item_id, nbytes, at):
        item = self.items.get(item_id)
        if item is None:
            # With nothing queued ahead of it, the item starts playing as soon as its first delta arrives.
            item = {"received_ms": 0.0, "anchor": None if self.playing else (0.0, at)}
            self.items[item_id] = item
        item["received_ms"] += nbytes / MULAW_BYTES_PER_MS
        self.count += 1
        name = f"{item_id}:{self.count}"
        self.pending[name] = (item_id, item["received_ms"])
        return name

    def echo(self, name, at):
        mark = self.pending.get(name)
        if mark is None:
            return  # an echo of a mark a `clear` already dropped
        # Echoes come in the order sent: everything up to this one has played.
        for key in list(self.pending):
            del self.pending[key]
            if key == name:
                break
        item_id, end_ms = mark
        if item_id in self.items:
            self.items[item_id]["anchor"] = (end_ms, at)
        following = next(iter(self.pending.values()), None)
        if following is not None and following[0] != item_id:
            queued = self.items.get(following[0])
            if queued is not None and queued["anchor"] is None:
                queued["anchor"] = (0.0, at)

    def heard(self, at):
        """(item_id, audio_end_ms) of the item playing at `at`, or None when nothing plays."""
        first = next(iter(self.pending.values()), None)
        if first is None:
            return None
        item_id, next_mark_ms = first
        item = self.items.get(item_id)
        if item is None:
            return None
        anchor = item["anchor"]
        elapsed = 0.0 if anchor is None else anchor[0] + (at - anchor[1])
        # Never past the next mark still to be echoed, nor past what was received for the item.
        return item_id, int(max(0.0, min(elapsed, next_mark_ms, item["received_ms"])))

    def clear(self):
        self.pending.clear()


# Realtime sockets left open on purpose by AGENT_LEAK=realtime (kept referenced so nothing closes them).
leaked_sockets = []
active_calls = set()


class MediaStreamCall:
    """One Twilio media stream and the Realtime session it opened."""

    def __init__(self, config, twilio_ws):
        self.config = config
        self.twilio_ws = twilio_ws
        self.openai_ws = None
        self.call_id = "stream"
        self.stream_sid = None
        self.ready = False  # session.updated confirmed the formats
        self.greeted = False
        self.pending_appends = []
        self.ledger = PlaybackLedger()
        self.active_response = None
        self.cancelled = set()

    async def send_openai(self, event):
        if self.openai_ws is not None and self.openai_ws.open:
            await self.openai_ws.send(json.dumps(event))

    async def send_twilio(self, message):
        if self.twilio_ws.open:
            await self.twilio_ws.send(json.dumps(message))

    async def run(self):
        try:
            self.openai_ws = await websockets.connect(
                self.config.realtime_url,
                extra_headers={"Authorization": f"Bearer {self.config.openai_key}"},
                max_size=None,
            )
        except Exception as error:  # refused upgrade, connection refused, ...
            log(self.call_id, f"could not connect to OpenAI Realtime: {error}")
            await self.twilio_ws.close()
            return
        await self.initialize_session()
        receiver = asyncio.ensure_future(self.receive_from_twilio())
        sender = asyncio.ensure_future(self.send_to_twilio())
        try:
            done, _ = await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is not None:
                    log(self.call_id, f"error: {task.exception()!r}")
        finally:
            # Whichever side ended first, the other one ends with it: nothing outlives the call.
            for task in (receiver, sender):
                task.cancel()
            await asyncio.gather(receiver, sender, return_exceptions=True)
            await self.close()

    async def close(self):
        if self.config.leak == "realtime":
            log(self.call_id, "AGENT_LEAK=realtime: leaving the Realtime socket open")
            leaked_sockets.append(self.openai_ws)
        elif self.openai_ws is not None:
            await self.openai_ws.close()
        if self.twilio_ws.open:
            await self.twilio_ws.close()
        log(self.call_id, "call ended")

    async def initialize_session(self):
        await self.send_openai({
            "type": "session.update",
            "session": {
                "type": "realtime",
                "model": MODEL,
                "output_modalities": ["audio"],
                "instructions": INSTRUCTIONS,
                "audio": {
                    # The agent decides barge-in itself (it sends response.cancel), so the server must not. 500 ms of
                    # silence ends a turn: with the 200 ms the service defaults to, the pause after a comma ends the turn.
                    "input": {
                        "format": {"type": "audio/pcmu"},
                        "turn_detection": {"type": "server_vad", "silence_duration_ms": SILENCE_MS, "interrupt_response": False},
                    },
                    "output": {"format": {"type": "audio/pcmu"}, "voice": VOICE},
                },
            },
        })

    async def maybe_greet(self):
        """The greeting needs both the stream (its streamSid) and the session formats."""
        if self.greeted or not self.ready or self.stream_sid is None:
            return
        self.greeted = True
        await self.send_openai({"type": "response.create", "response": {"instructions": GREETING_INSTRUCTIONS}})

    async def receive_from_twilio(self):
        async for raw in self.twilio_ws:
            if isinstance(raw, bytes):
                log(self.call_id, "ignoring a binary frame from Twilio")
                continue
            try:
                message = json.loads(raw)
            except ValueError:
                log(self.call_id, "ignoring a Twilio message that is not JSON")
                continue
            event = message.get("event")
            if event == "media":
                media = message.get("media") or {}
                if media.get("track", "inbound") != "inbound":
                    continue
                # Twilio's payload is already base64 mu-law, the session's input format: forwarded as it is.
                append = {"type": "input_audio_buffer.append", "audio": media.get("payload", "")}
                if self.ready:
                    await self.send_openai(append)
                elif len(self.pending_appends) < MAX_PENDING_APPENDS:
                    self.pending_appends.append(append)
            elif event == "start":
                start = message.get("start") or {}
                self.stream_sid = start.get("streamSid") or message.get("streamSid")
                self.call_id = start.get("callSid") or self.call_id
                log(self.call_id, f"stream {self.stream_sid} started")
                await self.maybe_greet()
            elif event == "mark":
                self.ledger.echo((message.get("mark") or {}).get("name"), now_ms())
            elif event == "stop":
                log(self.call_id, "Twilio sent stop")
                return
            elif event == "dtmf":
                log(self.call_id, f"DTMF {(message.get('dtmf') or {}).get('digit')}")
            elif event != "connected":
                log(self.call_id, f"ignoring Twilio event '{event}'")
        log(self.call_id, "the Twilio stream closed")

    async def send_to_twilio(self):
        async for raw in self.openai_ws:
            if isinstance(raw, bytes):
                continue
            event = json.loads(raw)
            kind = event.get("type")
            if kind == "response.output_audio.delta":
                await self.on_audio_delta(event)
            elif kind == "input_audio_buffer.speech_started":
                await self.on_speech_started()
            elif kind == "response.created":
                self.active_response = (event.get("response") or {}).get("id")
            elif kind == "response.done":
                response_id = (event.get("response") or {}).get("id")
                if self.active_response == response_id:
                    self.active_response = None
                self.cancelled.discard(response_id)
            elif kind == "session.updated" and not self.ready:
                self.ready = True
                for append in self.pending_appends:
                    await self.send_openai(append)
                self.pending_appends = []
                await self.maybe_greet()
            elif kind == "error":
                error = event.get("error") or {}
                log(self.call_id, f"Realtime error event: {error.get('code') or error.get('type')}: {error.get('message')}")
                # A refused session.update leaves the formats wrong for the whole call: nothing to save.
                if not self.ready and str(error.get("param") or "").startswith("session"):
                    log(self.call_id, "the session settings were refused")
                    return
        log(self.call_id, f"the Realtime socket closed (code {self.openai_ws.close_code})")

    async def on_audio_delta(self, event):
        if event.get("response_id") in self.cancelled or self.stream_sid is None:
            return
        delta = event.get("delta", "")
        await self.send_twilio({"event": "media", "streamSid": self.stream_sid, "media": {"payload": delta}})
        name = self.ledger.delta(event.get("item_id"), len(base64.b64decode(delta)), now_ms())
        await self.send_twilio({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    async def on_speech_started(self):
        """The caller started speaking: stop what plays at what was heard, and what is still being generated."""
        heard = self.ledger.heard(now_ms())
        if heard is not None:
            item_id, audio_end_ms = heard
            log(self.call_id, f"barge-in: truncating {item_id} at {audio_end_ms} ms")
            await self.send_twilio({"event": "clear", "streamSid": self.stream_sid})
            self.ledger.clear()
            await self.send_openai({"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": audio_end_ms})
        if self.active_response is not None:
            await self.send_openai({"type": "response.cancel", "response_id": self.active_response})
            self.cancelled.add(self.active_response)
            self.active_response = None


def make_webhook_handler(config, ws_port):
    class VoiceWebhook(BaseHTTPRequestHandler):
        def do_POST(self):
            path = urlsplit(self.path).path
            if path not in WEBHOOK_PATHS:
                self.send_error(404)
                return
            length = int(self.headers.get("Content-Length") or 0)
            params = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
            host = self.headers.get("Host") or f"{config.host}:{config.port}"
            if not signature_matches(config.auth_token, self.headers.get("X-Twilio-Signature"), f"http://{host}{self.path}", params):
                log(params.get("CallSid", "-"), "webhook signature does not match: 403")
                self.send_error(403, "Twilio Request Validation Failed.")
                return
            log(params.get("CallSid", "-"), f"incoming call from {params.get('From', 'unknown')}")
            stream_url = f"wss://{host_without_port(host)}:{ws_port}{STREAM_PATH}"
            body = f'<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url={quoteattr(stream_url)}/></Connect></Response>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 (the base class's name)
            pass  # the call log above says what matters

    return VoiceWebhook


async def main():
    try:
        config = Config(os.environ)
    except ValueError as error:
        print(f"[{NAME}] {error}", file=sys.stderr, flush=True)
        sys.exit(2)

    async def check_upgrade(path, headers):
        if urlsplit(path).path != STREAM_PATH:
            return (404, [], b"not found\n")
        # Twilio signs the upgrade over the wss:// URL of the TwiML, with no parameters.
        if not signature_matches(config.auth_token, headers.get("x-twilio-signature"), f"wss://{headers.get('Host')}{path}", {}):
            log("-", "media-stream upgrade signature does not match: 403")
            return (403, [], b"forbidden\n")
        return None

    async def handle_media_stream(twilio_ws):
        call = MediaStreamCall(config, twilio_ws)
        active_calls.add(call)
        try:
            await call.run()
        except Exception as error:  # a fault ends this call, never the process
            log(call.call_id, f"error: {error!r}")
        finally:
            active_calls.discard(call)

    # The media-stream server first, on a free port: the webhook names it, and PORT answering means ready.
    ws_server = await websockets.serve(handle_media_stream, config.host, 0, process_request=check_upgrade, max_size=None)
    ws_port = ws_server.sockets[0].getsockname()[1]
    httpd = ThreadingHTTPServer((config.host, config.port), make_webhook_handler(config, ws_port))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, name="webhook", daemon=True).start()
    log("-", f"listening on http://{config.host}:{config.port} (webhook /incoming-call or /twiml), media stream on ws port {ws_port}")

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    log("-", f"stopping: closing {len(active_calls)} call(s)")
    httpd.shutdown()
    ws_server.close()
    for call in list(active_calls):
        await call.twilio_ws.close()
    await ws_server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
