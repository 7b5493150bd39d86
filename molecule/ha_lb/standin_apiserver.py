"""Stand-in for kube-apiserver in the ha_lb scenario: HTTPS on 6443.

GET /readyz answers 200 "ok", or while /etc/standin-apiserver/unready exists the status code it
holds (500 when empty): 401 is what an API server without anonymous access answers.
Every other request answers 200 with this host's name, so a client sees which backend served it.
"""
import http.server
import os
import socket
import ssl

DIR = "/etc/standin-apiserver"
HOSTNAME = socket.gethostname()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def _answer(self, code, body):
        data = (body + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server API)
        if self.path.startswith("/readyz"):
            unready = os.path.join(DIR, "unready")
            if os.path.exists(unready):
                with open(unready, encoding="utf-8") as handle:
                    code = handle.read().strip()
                self._answer(int(code or 500), "not ready")
            else:
                self._answer(200, "ok")
        else:
            self._answer(200, HOSTNAME)

    def log_message(self, *args):
        pass


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(DIR, "tls.crt"), os.path.join(DIR, "tls.key"))
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 6443), Handler)
    server.daemon_threads = True
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
