"""Scale-out on loopback: independent gunicorn masters behind a real nginx upstream.

Each node is `python -m bot serve --workers 2` (its own master, workers and in-web scheduler),
all on one PostgreSQL database and one Redis; nginx runs the shipped site
(deploy/nginx/meeting-room.conf) with its upstream pointing at every node, and logs which node
answered each request. The scale-out tests and `bench/scale_out.py` share this.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from storage.engine import make_engine
from storage.migrate import upgrade
from tests.conftest import ROOT, reset
from tests.reliability.served import Served, serve
from tests.reliability.servers import own_port
from tests.workers import create_database

SITE = ROOT / "deploy" / "nginx" / "meeting-room.conf"
LOG_FORMAT = "log_format nodes '$request_method $uri $status $upstream_addr $request_time';"
NGINX_START_S = 15.0


@dataclass
class Nginx:
    """nginx in front of the nodes (one process, no daemon)."""

    process: subprocess.Popen[bytes]
    port: int
    root: Path

    @property
    def access_log(self) -> Path:
        """Where nginx logs `method uri status upstream request_time` per request."""
        return self.root / "access.log"

    def upstreams(self, method: str, uri: str) -> list[str]:
        """The upstream address (host:port) that answered each logged request to uri."""
        lines = self.access_log.read_text().splitlines()
        return [ln.split()[3] for ln in lines if ln.split()[:2] == [method, uri]]

    def stop(self) -> None:
        """Stop nginx."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Cluster:
    """The nodes and the balancer in front of them."""

    nodes: list[Served]
    nginx: Nginx
    killed: list[Served] = field(default_factory=list)

    @property
    def port(self) -> int:
        """The balancer's port (what clients call)."""
        return self.nginx.port

    def live(self) -> list[Served]:
        """The nodes not killed."""
        return [n for n in self.nodes if n not in self.killed]

    def kill(self, node: Served) -> None:
        """SIGKILL a whole node: its master and every worker (no clean shutdown)."""
        pids = [node.process.pid, *node.workers()]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        node.process.wait(timeout=10)
        self.killed.append(node)

    def stop(self) -> None:
        """Stop nginx and every node; a worker that outlived its master is killed too."""
        self.nginx.stop()
        workers = [pid for node in self.live() for pid in node.workers()]
        for node in self.nodes:
            node.begin_stop()
        for node in self.nodes:
            node.stop()
        for pid in workers:
            with contextlib.suppress(OSError):
                if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)


def site_conf(port: int, node_ports: list[int], root: Path) -> str:
    """The shipped site, listening on loopback, its upstream the nodes."""
    site = SITE.read_text()
    servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in node_ports
    )
    site = site.replace("    server 127.0.0.1:8000;\n", servers)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port} backlog=1024;")
    site = site.replace("alias /var/www/meeting-room/static/;", f"alias {root}/;")
    assert all(f":{p} " in site for p in node_ports), "the site's upstream block has changed"
    return site


def start_nginx(binary: str, node_ports: list[int], root: Path) -> Nginx:
    """nginx serving the site on a free port in front of the nodes."""
    port = own_port()
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.conf").write_text(site_conf(port, node_ports, root))
    temp = "".join(
        f"    {kind}_temp_path {root / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = root / "nginx.conf"
    conf.write_text(
        f"daemon off;\nmaster_process off;\npid {root / 'nginx.pid'};\n"
        f"error_log {root / 'error.log'};\nevents {{ worker_connections 4096; }}\n"
        f"http {{\n    {LOG_FORMAT}\n    access_log {root / 'access.log'} nodes;\n{temp}"
        f"    include {root / 'site.conf'};\n}}\n"
    )
    cmd = [binary, "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + NGINX_START_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {process.stderr.read() if process.stderr else ''!r}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return Nginx(process, port, root)
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"nginx did not listen on {port}")
        time.sleep(0.05)


def start_nodes(env: dict[str, str], count: int, root: Path) -> list[Served]:
    """Start `count` independent nodes at once; each has answered /health/live on return."""
    started: dict[int, Served] = {}
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            log_dir = root / f"node{i}"
            log_dir.mkdir(parents=True, exist_ok=True)
            started[i] = serve(env | {"LOG_DIR": str(log_dir)}, log_dir)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        for node in started.values():
            node.stop()
        raise errors[0]
    return [started[i] for i in range(count)]


@contextlib.contextmanager
def cluster(nginx_binary: str, env: dict[str, str], count: int, root: Path) -> Iterator[Cluster]:
    """`count` nodes behind nginx until the block ends."""
    nodes = start_nodes(env, count, root)
    try:
        balancer = start_nginx(nginx_binary, [n.port for n in nodes], root / "nginx")
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    made = Cluster(nodes, balancer)
    try:
        yield made
    finally:
        made.stop()


def fresh_database(server_url: str, name: str) -> str:
    """A new, migrated database `name` with the example rooms on the server of server_url."""
    url = create_database(server_url, name)
    engine = make_engine(url)
    upgrade(engine)
    reset(engine)
    engine.dispose()
    return url
