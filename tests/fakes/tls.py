"""TLS at the network edge: a throwaway CA, an HTTPS server with its certificate, a CONNECT proxy.

A client that keeps its real https URL (MSAL keeps https://login.microsoftonline.com) reaches a
local fake when HTTPS_PROXY names a `TunnelProxy` routing that host to the fake and
REQUESTS_CA_BUNDLE trusts the `TestCA`; the proxy refuses every other host.
"""

from __future__ import annotations

import datetime
import selectors
import socket
import socketserver
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

MAX_HEAD = 16 * 1024


class TestCA:
    """A certificate authority that lives in a temporary directory for one test module."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="test-ca-")
        self.path = Path(self._dir.name)
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Room bot test CA")])
        public = self.key.public_key()
        self.cert = (
            _builder(name, name, public)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.bundle = self.path / "ca.pem"  # what REQUESTS_CA_BUNDLE names
        self.bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, host: str) -> ssl.SSLContext:
        """A server-side TLS context presenting a certificate for `host` signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
        authority = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        cert = (
            _builder(subject, self.cert.subject, key.public_key())
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(authority.value),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        chain, key_file = self.path / f"{host}.pem", self.path / f"{host}.key"
        chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, key_file)
        return context

    def cleanup(self) -> None:
        """Delete the keys and certificates."""
        self._dir.cleanup()


def _builder(
    subject: x509.Name, issuer: x509.Name, public: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
        crl_sign=cert_sign, encipher_only=False, decipher_only=False,
    )  # fmt: skip


class TLSServer(ThreadingHTTPServer):
    """An HTTP server that speaks TLS (the handshake runs in each connection's own thread)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext):
        self.context = context
        super().__init__(("127.0.0.1", 0), handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Wrap the connection in TLS, serve it, close it; a failed handshake is dropped."""
        try:
            secured = self.context.wrap_socket(request, server_side=True)
        except OSError:  # ssl.SSLError included: the client did not trust us, or went away
            request.close()
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            secured.close()


class TunnelProxy:
    """An HTTP CONNECT proxy on 127.0.0.1 tunnelling only its routes ("host:port" → local port)."""

    def __init__(self, routes: dict[str, int]):
        self.routes = {target.lower(): port for target, port in routes.items()}
        self.tunnelled: list[str] = []
        self.refused: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: socketserver.ThreadingTCPServer | None = None

    @property
    def url(self) -> str:
        """What HTTPS_PROXY names."""
        if self._server is None:
            raise RuntimeError("TunnelProxy is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        """Listen on a free port in a daemon thread."""
        handler = type("Handler", (_TunnelHandler,), {"proxy": self})
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(
            target=server.serve_forever, args=(0.05,), name="tunnel-proxy", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stop listening and end the open tunnels."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _note(self, kept: list[str], target: str) -> None:
        with self._lock:
            kept.append(target)


class _TunnelHandler(socketserver.BaseRequestHandler):
    proxy: TunnelProxy

    def handle(self) -> None:
        """Read the CONNECT request, refuse it or open the tunnel and relay both ways."""
        client: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk or len(head) > MAX_HEAD:
                return
            head += chunk
        line = head.partition(b"\r\n")[0].decode("latin-1").split()
        early = head.partition(b"\r\n\r\n")[2]
        method, target = (line[0], line[1]) if len(line) == 3 else ("", "")
        if method != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        port = self.proxy.routes.get(target.lower())
        if port is None:
            self.proxy._note(self.proxy.refused, target)
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection(("127.0.0.1", port), timeout=5) as upstream:
            self.proxy._note(self.proxy.tunnelled, target)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if early:
                upstream.sendall(early)
            self._relay(client, upstream)

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                sock.setblocking(True)
                selector.register(sock, selectors.EVENT_READ)
            while not self.proxy._stopping.is_set():
                for key, _ in selector.select(timeout=0.1):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    peers[source].sendall(data)
