"""Render an app's configuration files (app2nix `[files.*]`).

Usage: render-files MANIFEST OUTDIR [--build SOURCE SECRET]

MANIFEST (JSON) holds the deployment's values and, per file, its name, format, template (a file,
or its text) and the secrets it names. Each `{{name}}` of a template becomes the value written
in the file's format: python (repr), json, toml and yaml literals (lists as lists), or text as
it is. Secrets are read from systemd's credentials directory, trailing newlines removed as the
shell's `$(< file)` does; an optional secret the host does not provide is empty.
With --build, a file that has a `path` is written to SOURCE/path, and every secret is SECRET.
Files are created with mode 0400.
"""

import json
import os
import re
import sys

NAMES = ("domain", "domains", "url", "origins", "state_dir", "logs_dir", "runtime_dir", "source")
SECRET = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def fail(message):
    sys.stderr.write("render-files: " + message + "\n")
    sys.exit(1)


def toml_string(s):
    out = []
    for c in s:
        if c in "\"\\":
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\u%04X" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def yaml_string(s):
    out = []
    for c in s:
        o = ord(c)
        if c in "\"\\":
            out.append("\\" + c)
        elif 0x20 <= o < 0x7F:
            out.append(c)
        elif o <= 0xFF:
            out.append("\\x%02X" % o)
        elif o <= 0xFFFF:
            out.append("\\u%04X" % o)
        else:
            out.append("\\U%08X" % o)
    return '"' + "".join(out) + '"'


def written(value, fmt):
    """`value` (a string or a list of strings) as the file's format writes it."""
    if fmt == "python":
        return repr(value)
    if fmt == "json":
        return json.dumps(value)
    one = {"toml": toml_string, "yaml": yaml_string}.get(fmt)
    if one is not None:
        if isinstance(value, list):
            return "[" + ", ".join(one(v) for v in value) + "]"
        return one(value)
    return ",".join(value) if isinstance(value, list) else value


def next_open(text, start):
    """Where the next placeholder opens: the last two of a run of `{`."""
    i = text.find("{{", start)
    if i < 0:
        return -1
    while text.startswith("{", i + 2):
        i += 1
    return i


def render(text, fmt, values, secret, where):
    out = []
    pos = 0
    while True:
        start = next_open(text, pos)
        if start < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:start])
        rest = text[start + 2 :]
        line = re.split(r"[\n\r]", rest, maxsplit=1)[0]
        close = line.find("}}")
        line_no = text.count("\n", 0, start) + 1
        if close < 0:
            fail("%s:%d: `{{` is not closed on its line" % (where, line_no))
        inner = line[:close].strip(" \t")
        if inner == '"{{"':
            out.append("{{")
        elif inner in NAMES:
            if inner not in values:
                fail("%s:%d: no value for {{%s}}" % (where, line_no, inner))
            out.append(written(values[inner], fmt))
        elif inner.startswith("secret.") and SECRET.match(inner[7:]):
            out.append(written(secret(inner[7:]), fmt))
        else:
            fail("%s:%d: unknown placeholder {{%s}}" % (where, line_no, inner))
        pos = start + 2 + close + 2


def credential(name):
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if directory is None:
        fail("no credentials directory (run by systemd, with LoadCredential)")
    try:
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return ""
    try:
        return data.decode("utf-8").rstrip("\n")
    except UnicodeDecodeError:
        fail("secret %s is not UTF-8 text" % name)


def write(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if os.path.lexists(path):
        os.remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def main(argv):
    if len(argv) not in (3, 6) or (len(argv) == 6 and argv[3] != "--build"):
        fail("usage: render-files MANIFEST OUTDIR [--build SOURCE SECRET]")
    with open(argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    build = argv[4:] if len(argv) == 6 else None
    for spec in manifest["files"]:
        if "text" in spec:
            text, where = spec["text"], spec["name"]
        else:
            with open(spec["template"], encoding="utf-8", newline="") as f:
                text, where = f.read(), spec["template"]
        optional = spec.get("optional", [])

        def secret(name):
            if name not in spec["secrets"]:
                fail("%s: {{secret.%s}} is not a secret of this file" % (where, name))
            if build is not None:
                return "" if name in optional else build[1]
            return credential(name)

        rendered = render(text, spec["format"], manifest["values"], secret, where)
        if build is not None and spec.get("path"):
            target = os.path.join(build[0], spec["path"])
        else:
            target = os.path.join(argv[2], spec["name"])
        write(target, rendered)


if __name__ == "__main__":
    main(sys.argv)
