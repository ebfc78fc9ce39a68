"""The playground's web server: the standard library's threaded ``http.server`` on 127.0.0.1 only.

It answers the JSON API of ``api.py`` and serves a fixed table of files, built once at start-up:
the page in ``static/`` and Plotly.js from the ``plotly`` Python package. A request's path is only
ever looked up in that table — it never becomes a file name — so nothing outside it can be read, and
nothing is ever written.

A request must name this server as its Host (127.0.0.1 or localhost with the right port), so a page
elsewhere cannot reach it through DNS rebinding. Every bad request gets HTTP 400 with
``{"error": MESSAGE}``; an unexpected failure inside a handler gets HTTP 500 with the same shape, and
the server keeps serving.
"""

import http.server
import importlib.util
import json
import pathlib
import threading

from . import api

STATIC = pathlib.Path(__file__).with_name("static")
MAX_BODY = 64 * 1024  # bytes: a run request is a few hundred
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
GET_ROUTES = {"/api/catalog": api.catalog}
POST_ROUTES = {
    "/api/run": api.run,
    "/api/sweep": api.sweep,
    "/api/surface": api.surface_grid,
    "/api/script": api.script,
}


def plotly_path():
    """The path of ``plotly.min.js`` inside the installed ``plotly`` package, or None without it."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = pathlib.Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def static_files():
    """URL path → (bytes, content type): the files the server may send, read once."""
    files = {}
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.suffix in TYPES:
            files[f"/static/{path.name}"] = (path.read_bytes(), TYPES[path.suffix])
    files["/"] = files["/static/index.html"]
    plotly = plotly_path()
    if plotly is not None:
        files["/static/plotly.min.js"] = (plotly.read_bytes(), TYPES[".js"])
    return files


def _json_bytes(payload):
    """Standard JSON: ``allow_nan=False`` proves that no NaN or Infinity literal slipped through."""
    return json.dumps(payload, allow_nan=False, separators=(",", ":")).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    """One request: a file from the table, or an API call."""

    server_version = "tinygrad-edu-playground"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request

    def do_GET(self):
        if not self._from_this_machine():
            return None
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path in GET_ROUTES:
            return self._answer(lambda: GET_ROUTES[path]())
        found = self.server.files.get(path)
        if found is None:
            return self._send(404, _json_bytes({"error": f"no such page: {path[:80]}"}), "application/json")
        return self._send(200, found[0], found[1], cache=path.endswith(".min.js"))

    def do_POST(self):
        if not self._from_this_machine():
            return None
        path = self.path.split("?", 1)[0]
        if path not in POST_ROUTES:
            return self._send(404, _json_bytes({"error": f"no such API: {path[:80]}"}), "application/json")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._error(400, "the request needs a Content-Length header with the body's size")
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            return self._error(400, f"the request body is larger than {MAX_BODY} bytes")
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError, RecursionError) as error:
            return self._error(400, f"the request body is not JSON: {str(error)[:120]}")
        return self._answer(lambda: POST_ROUTES[path](body))

    def _from_this_machine(self):
        """Refuse (403) a request whose Host is not this server's own address: a web page elsewhere that
        renamed itself to 127.0.0.1 (DNS rebinding) must not read the answers."""
        port = self.server.server_address[1]
        if self.headers.get("Host", "") in (f"127.0.0.1:{port}", f"localhost:{port}"):
            return True
        self._error(403, f"this server only answers pages served from http://127.0.0.1:{port}/")
        return False

    def _answer(self, handler):
        try:
            payload = handler()
        except api.ApiError as error:
            return self._send(400, _json_bytes(error.as_json()), "application/json")
        except Exception as error:  # a bug: report it and keep serving
            self.log_error("internal error: %r", error)
            return self._error(500, f"internal error: {type(error).__name__}: {str(error)[:200]}")
        return self._send(200, _json_bytes(payload), "application/json")

    def _error(self, status, message):
        return self._send(status, _json_bytes({"error": message}), "application/json")

    def _send(self, status, data, content_type, cache=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)


def _refuse_constant(name):
    raise ValueError(f"{name} is not standard JSON")


class PlaygroundServer(http.server.ThreadingHTTPServer):
    """A thread per request (a long sweep does not block the page's other requests)."""

    daemon_threads = True

    def __init__(self, port=0, verbose=False):
        super().__init__(("127.0.0.1", port), Handler)
        self.files = static_files()
        self.verbose = verbose

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/"


def start_in_thread(port=0):
    """A running server in a background thread (for tests and notebooks); ``server.shutdown()`` stops it."""
    server = PlaygroundServer(port)
    threading.Thread(target=server.serve_forever, daemon=True, name="playground").start()
    return server
