"""Test stand-in for an ingress controller: health endpoint and an HTTP answer naming the host."""
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEALTH_PORT, HTTP_PORT, HEALTH_PATH = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
NAME = socket.gethostname()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        port = self.server.server_address[1]
        if port == HEALTH_PORT and self.path != HEALTH_PATH:
            self.send_error(404)
            return
        body = ("OK" if port == HEALTH_PORT else NAME).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


servers = [ThreadingHTTPServer(("0.0.0.0", p), Handler) for p in (HEALTH_PORT, HTTP_PORT)]
threading.Thread(target=servers[0].serve_forever, daemon=True).start()
servers[1].serve_forever()
