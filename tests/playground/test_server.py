"""The HTTP server: the API over real sockets, status 400 for bad requests, no files outside its table,
concurrent requests, the command line."""

import concurrent.futures
import http.client
import json
import os
import subprocess
import sys
import time

import pytest

from tinygrad_edu.playground import server

pytestmark = pytest.mark.cpu_only


@pytest.fixture(scope="module")
def address():
    httpd = server.start_in_thread(0)
    yield httpd.server_address
    httpd.shutdown()
    httpd.server_close()


def request(address, method, path, body=None, raw=None, headers=None):
    """(status, decoded JSON or bytes) of one request."""
    connection = http.client.HTTPConnection(*address, timeout=30)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    connection.request(method, path, body=data, headers=headers or {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    if response.getheader("Content-Type", "").startswith("application/json"):
        payload = json.loads(payload, parse_constant=lambda name: pytest.fail(f"{name} in a response"))
    return response.status, payload


RUN = {
    "surface": "rosenbrock",
    "start": [-1.2, 1],
    "steps": 50,
    "runs": [{"optimizer": "Adam", "params": {"lr": 0.05}}],
}


def test_page_and_api_are_served(address):
    status, page = request(address, "GET", "/")
    assert status == 200 and b"Optimizer playground" in page and b"/static/playground.js" in page
    assert request(address, "GET", "/static/playground.js")[0] == 200
    assert request(address, "GET", "/static/playground.css")[0] == 200
    if server.plotly_path() is not None:
        status, plotly = request(address, "GET", "/static/plotly.min.js")
        assert status == 200 and len(plotly) > 1_000_000
    status, catalog = request(address, "GET", "/api/catalog")
    assert status == 200 and {"surfaces", "optimizers", "schedules"} <= set(catalog)
    status, answer = request(address, "POST", "/api/run", RUN)
    assert status == 200 and len(answer["runs"][0]["path"]) == 51


def test_non_finite_numbers_are_null_in_responses(address):
    body = {
        "surface": "bowl",
        "start": [1, 1],
        "steps": 500,
        "runs": [{"optimizer": "GD", "params": {"lr": 2}}],
    }
    status, answer = request(address, "POST", "/api/run", body)  # parse_constant fails on NaN/Infinity
    assert status == 200 and answer["runs"][0]["diverged"]


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"{not json", "not JSON"),
        (b'{"surface": NaN}', "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "larger than"),
        (json.dumps({**RUN, "steps": 99999}).encode(), '"steps" must be'),
        (json.dumps({**RUN, "surface": {"expr": "__import__('os').system('x')"}}).encode(), "formula:"),
    ],
)
def test_bad_requests_get_400_with_an_error(address, raw, words):
    status, answer = request(address, "POST", "/api/run", raw=raw)
    assert status == 400 and words in answer["error"]
    assert request(address, "GET", "/api/catalog")[0] == 200  # still up


def test_missing_content_length_is_refused(address):
    connection = http.client.HTTPConnection(*address, timeout=10)
    connection.putrequest("POST", "/api/run")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 400 and "Content-Length" in json.loads(response.read())["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../server.py",
        "/static/..%2fserver.py",
        "/../../etc/passwd",
        "/static/",
        "/static/index.html/..",
        "//etc/passwd",
        "/static/__init__.py",
        "/api/../server.py",
    ],
)
def test_nothing_outside_the_file_table(address, path):
    status, answer = request(address, "GET", path)
    assert status == 404 and "no such page" in answer["error"]


def test_unknown_api_is_404(address):
    assert request(address, "POST", "/api/eval", {"x": 1})[0] == 404


def test_concurrent_requests_are_all_answered(address):
    sweep = {
        "surface": "rosenbrock",
        "start": [-1.2, 1],
        "steps": 100,
        "optimizer": "SGD",
        "axes": [{"name": "lr", "values": [1e-4, 1e-3]}, {"name": "momentum", "values": [0, 0.9]}],
    }
    jobs = [
        ("POST", "/api/run", RUN),
        ("POST", "/api/sweep", sweep),
        ("GET", "/api/catalog", None),
        ("POST", "/api/run", {"bad": 1}),
    ] * 4
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda job: request(address, *job), jobs))
    assert [status for status, _ in answers] == [200, 200, 200, 400] * 4
    paths = [
        answer["runs"][0]["path"]
        for (method, path, _), (_, answer) in zip(jobs, answers)
        if path == "/api/run" and "runs" in answer
    ]
    assert all(p == paths[0] for p in paths)  # same request, same answer, whatever ran beside it


def test_it_listens_on_loopback_only():
    httpd = server.PlaygroundServer(0)
    try:
        assert httpd.server_address[0] == "127.0.0.1"
    finally:
        httpd.server_close()


def test_command_line_serves_and_prints_its_address():
    pytest.importorskip("plotly")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tinygrad_edu",
            "playground",
            "--no-browser",
            "--port",
            "0",
            "--preset",
            "ravine",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        assert "optimizer playground at http://127.0.0.1:" in line and "/#preset=ravine " in line
        port = int(line.split("127.0.0.1:")[1].split("/")[0])
        deadline = time.time() + 10
        while True:
            try:
                assert request(("127.0.0.1", port), "GET", "/api/catalog")[0] == 200
                break
            except ConnectionRefusedError:
                assert time.time() < deadline
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_command_line_refuses_an_unknown_preset():
    pytest.importorskip("plotly")
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "playground", "--no-browser", "--preset", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "unknown preset 'nope'" in done.stderr


def test_a_foreign_host_is_refused(address):
    status, answer = request(address, "GET", "/api/catalog", headers={"Host": "evil.example:80"})
    assert status == 403 and "only answers pages served from" in answer["error"]
    assert request(address, "GET", "/", headers={"Host": f"localhost:{address[1]}"})[0] == 200
