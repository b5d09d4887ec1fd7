"""The VM test's alert sink: keeps what the failure notifier sends in /var/lib/app2nix-alert-sink.

Webhook POSTs arrive over HTTP on port 8025; mail over SMTP, in plain text on port 2525 (for the
host's sendmail) and over TLS from the start on port 465 (for an SMTP relay; any login is
accepted, and kept). Arguments: the TLS certificate and key.
"""

import base64
import http.server
import itertools
import os
import socketserver
import ssl
import sys
import threading

OUT = "/var/lib/app2nix-alert-sink"
numbers = itertools.count()
lock = threading.Lock()


def keep(kind, text):
    """Write one message, whole, as NNNN.KIND."""
    with lock:
        number = next(numbers)
    path = os.path.join(OUT, "%04d.%s" % (number, kind))
    with open(path + ".part", "w") as f:
        f.write(text)
    os.rename(path + ".part", path)


class Webhook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        keep("webhook", self.path + "\n" + body)
        self.send_response(204)
        self.end_headers()


class Smtp(socketserver.StreamRequestHandler):
    tls = None

    def setup(self):
        if self.tls is not None:
            self.request = self.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def reply(self, *lines):
        for i, line in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            self.wfile.write((line[:3] + sep + line[4:] + "\r\n").encode())
        self.wfile.flush()

    def line(self):
        return self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")

    def login(self, mechanism, initial):
        if mechanism == "PLAIN":
            if not initial:
                self.reply("334 ")
                initial = self.line()
            _, user, password = base64.b64decode(initial).decode().split("\0")
        else:
            self.reply("334 VXNlcm5hbWU6")
            user = base64.b64decode(self.line()).decode()
            self.reply("334 UGFzc3dvcmQ6")
            password = base64.b64decode(self.line()).decode()
        return user + ":" + password

    def handle(self):
        self.reply("220 alerts.test ESMTP")
        login, sender, recipients = "", "", []
        while True:
            line = self.line()
            if not line:
                return
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 alerts.test", "250 AUTH PLAIN LOGIN", "250 8BITMIME")
            elif verb == "AUTH":
                mechanism, _, initial = arg.partition(" ")
                login = self.login(mechanism.upper(), initial)
                self.reply("235 accepted")
            elif verb == "MAIL":
                sender = arg
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(arg)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                body = []
                while True:
                    data = self.line()
                    if data == ".":
                        break
                    body.append(data[1:] if data.startswith(".") else data)
                header = "login %s\nfrom %s\nto %s\n\n" % (login, sender, " ".join(recipients))
                keep("mail", header + "\n".join(body) + "\n")
                sender, recipients = "", []
                self.reply("250 kept")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    os.makedirs(OUT, exist_ok=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[1], sys.argv[2])
    secure = type("SecureSmtp", (Smtp,), {"tls": tls})
    servers = [
        http.server.ThreadingHTTPServer(("", 8025), Webhook),
        Server(("", 2525), Smtp),
        Server(("", 465), secure),
    ]
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


main()
