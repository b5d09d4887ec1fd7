"""A WSGI app whose lock holds a package named like a vendor's token prefix (`hf_`)."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
