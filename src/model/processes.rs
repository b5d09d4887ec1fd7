//! Processes: the long-running units, what they run, where they listen, and the health
//! endpoint one of them serves.
//!
//! Owns [`Process`], [`Server`], [`Command`] (shared with tasks), [`Listen`] and [`Health`];
//! validates `[processes.*]` and `[health]`, and commands wherever they appear ([`command`],
//! [`command_needs`], which tasks call too).
//!
//! May call [`super::check`] and read [`super::package::Package`] (what a command may use from
//! the package source); `crate::commands`, `crate::secrets` and `crate::shell` judge commands.

use std::collections::BTreeMap;

use super::check::{Checker, Places, shown};
use super::package::Package;
use super::servers::{self, WorkerClass};
use crate::commands::Missing;
use crate::description::{self as d, Sp};
use crate::diagnostic::did_you_mean;
use crate::placeholders::Text;
use crate::secrets;

/// What a process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// gunicorn (WSGI, or ASGI with uvicorn workers); its worker class is the process's.
    Gunicorn {
        /// `module:variable`.
        app: String,
        /// Use `uvicorn.workers.UvicornWorker`.
        asgi: bool,
    },
    /// uvicorn (ASGI).
    Uvicorn {
        /// `module:variable`.
        app: String,
    },
    /// granian (WSGI or ASGI).
    Granian {
        /// `module:variable`.
        app: String,
        /// ASGI rather than WSGI.
        asgi: bool,
    },
    /// hypercorn (WSGI or ASGI).
    Hypercorn {
        /// `module:variable`.
        app: String,
        /// ASGI rather than WSGI.
        asgi: bool,
    },
    /// daphne (ASGI, one process).
    Daphne {
        /// `module:variable`.
        app: String,
    },
    /// uWSGI (WSGI), nixpkgs' build with its Python plugin.
    Uwsgi {
        /// `module:variable`.
        app: String,
    },
    /// Any command.
    Command(Command),
}

impl Server {
    /// `gunicorn`, `uvicorn`, `granian`, `hypercorn`, `daphne`, `uwsgi` or `command`.
    pub fn name(&self) -> &'static str {
        match self {
            Server::Gunicorn { .. } => "gunicorn",
            Server::Uvicorn { .. } => "uvicorn",
            Server::Granian { .. } => "granian",
            Server::Hypercorn { .. } => "hypercorn",
            Server::Daphne { .. } => "daphne",
            Server::Uwsgi { .. } => "uwsgi",
            Server::Command(_) => "command",
        }
    }

    /// The application a server serves (`None` for a command).
    pub fn app(&self) -> Option<&str> {
        match self {
            Server::Gunicorn { app, .. }
            | Server::Uvicorn { app }
            | Server::Granian { app, .. }
            | Server::Hypercorn { app, .. }
            | Server::Daphne { app }
            | Server::Uwsgi { app } => Some(app),
            Server::Command(_) => None,
        }
    }

    /// Whether it serves an ASGI application.
    pub fn asgi(&self) -> bool {
        match self {
            Server::Gunicorn { asgi, .. }
            | Server::Granian { asgi, .. }
            | Server::Hypercorn { asgi, .. } => *asgi,
            Server::Uvicorn { .. } | Server::Daphne { .. } => true,
            Server::Uwsgi { .. } | Server::Command(_) => false,
        }
    }
}

/// A command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run by bash.
    Shell(String),
    /// Argument vector.
    Args(Vec<String>),
}

/// Where a process listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// TCP.
    Tcp {
        /// Address without brackets (`127.0.0.1`, `::1`, `0.0.0.0`).
        host: String,
        /// Port.
        port: u16,
    },
    /// A unix socket at `/run/<app>/<process>.sock`.
    Unix,
}

/// A long-running process.
#[derive(Debug, Clone)]
pub struct Process {
    /// Name; the unit is `<app>-<name>.service`.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// What runs.
    pub server: Server,
    /// Where it listens, if it does.
    pub listen: Option<Listen>,
    /// Worker count (servers only).
    pub workers: u32,
    /// Request timeout (gunicorn).
    pub timeout: Option<u32>,
    /// Worker recycling (gunicorn `--max-requests`, uvicorn `--limit-max-requests`).
    pub max_requests: Option<u32>,
    /// Keep-alive seconds.
    pub keepalive: Option<u32>,
    /// Port opened in the firewall.
    pub expose: bool,
    /// Access log to a file in the logs directory.
    pub access_log_file: bool,
    /// Requests are logged (`access_log = false` turns it off).
    pub access_log: bool,
    /// gunicorn's worker class (`None` for other servers).
    pub worker_class: Option<WorkerClass>,
    /// Threads per worker.
    pub threads: Option<u32>,
    /// Load the app before forking (`Some(true)`, gunicorn) or in each worker (`Some(false)`,
    /// uWSGI); `None`: the server's default.
    pub preload: Option<bool>,
    /// Random extra requests before a worker restarts.
    pub max_requests_jitter: Option<u32>,
    /// Identical units of a worker (1: a single unit named after the process).
    pub instances: u32,
    /// nixpkgs attributes on the unit's `PATH`.
    pub path: Vec<String>,
    /// Environment for this process only.
    pub env: BTreeMap<String, Text>,
}

impl Process {
    /// The Python packages its server needs in the environment: the server's and its worker
    /// class's (uWSGI is nixpkgs' C program, a command brings its own).
    pub fn server_packages(&self) -> Vec<&'static str> {
        let server = match &self.server {
            Server::Uwsgi { .. } | Server::Command(_) => None,
            other => Some(other.name()),
        };
        server
            .into_iter()
            .chain(self.worker_class.and_then(WorkerClass::package))
            .collect()
    }

    /// How long nginx may keep an idle connection to this process for reuse (upstream
    /// keepalive): a second less than the server keeps it, so nginx never sends a request on a
    /// connection the server is closing. `None` when the server closes every connection
    /// (gunicorn's sync workers) or keeps them too briefly.
    pub fn upstream_keepalive_timeout(&self) -> Option<u32> {
        // The servers' own defaults: uvicorn's --timeout-keep-alive 5 s, gunicorn's --keep-alive
        // 2 s; an arbitrary command is assumed to keep connections at least 5 s.
        // hypercorn's --keep-alive 5 s. granian, daphne and uWSGI's HTTP socket are left
        // without: their idle timeouts are not a documented setting to stay under.
        let idle = match &self.server {
            Server::Gunicorn { .. } if self.worker_class == Some(WorkerClass::Sync) => return None,
            Server::Gunicorn { .. } => self.keepalive.unwrap_or(2),
            Server::Uvicorn { .. } | Server::Hypercorn { .. } => self.keepalive.unwrap_or(5),
            Server::Granian { .. } | Server::Daphne { .. } | Server::Uwsgi { .. } => return None,
            Server::Command(_) => 5,
        };
        idle.checked_sub(1).filter(|t| *t > 0)
    }
}

/// Health endpoint.
#[derive(Debug, Clone)]
pub struct Health {
    /// URL path.
    pub path: String,
    /// Process serving it.
    pub process: String,
}

/// The description of a process or task unit that sets none: the app's and the unit's names.
/// The generated module's unit helpers write the same default, so only other descriptions are
/// written out.
pub fn default_unit_description(app: &str, name: &str) -> String {
    format!("{app} {name}")
}

/// Ports taken so far: process, port, host.
type Ports = Vec<(String, u16, String)>;

/// `[processes.*]`, sorted by name.
pub(super) fn processes(
    c: &mut Checker,
    desc: &d::Description,
    package: &Package,
    app: &str,
) -> Vec<Process> {
    let mut out = Vec::new();
    let mut ports = Ports::new();
    // Source order, so a clash is reported at the second occurrence.
    let mut in_order: Vec<_> = desc.processes.iter().collect();
    in_order.sort_by_key(|(name, _)| name.span().start);
    for (name, p) in in_order {
        if let Some(process) = process(c, desc, package, app, name, p, &mut ports) {
            out.push(process);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    instance_names(c, desc);
    out
}

/// The units of a process with `instances` are `<app>-<name>-<number>`: no other process or
/// task may be named `<name>-<number>`.
fn instance_names(c: &mut Checker, desc: &d::Description) {
    let with_instances: Vec<&str> = desc
        .processes
        .iter()
        .filter(|(_, p)| p.instances.as_ref().is_some_and(|n| **n > 1))
        .map(|(n, _)| n.as_str())
        .collect();
    let names = desc.processes.keys().chain(desc.tasks.keys());
    for other in names {
        let clash = with_instances.iter().find(|base| {
            other
                .strip_prefix(**base)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        if let Some(base) = clash {
            c.err(
                other.span(),
                format!(
                    "`{}` is the name of one of the units of process `{base}` (`instances`)",
                    other.as_str()
                ),
                format!(
                    "rename it: the units of `{base}` are `<app>-{base}-1`, `<app>-{base}-2`, …"
                ),
            );
        }
    }
}

/// One process; `None` when what it runs is invalid.
fn process(
    c: &mut Checker,
    desc: &d::Description,
    package: &Package,
    app: &str,
    name: &Sp<String>,
    p: &d::Process,
    ports: &mut Ports,
) -> Option<Process> {
    c.name(name, "process name");
    if desc.tasks.contains_key(name.as_str()) {
        c.err(
            name.span(),
            format!("`{}` names both a process and a task", name.as_str()),
            "rename one: both would be the unit `<app>-<name>.service`",
        );
    }
    let server = server(c, name, p, package)?;
    let listen = listen(c, name, p, &server, ports);
    server_options(c, desc, name, p, &server);
    let threads = c.positive(&p.threads, "threads", 1024);
    let worker_class =
        matches!(server, Server::Gunicorn { .. }).then(|| servers::worker_class(c, p, threads));
    let instances = instances(c, name, p, &listen);
    if matches!(server, Server::Command(_)) {
        wired_variables(c, name, &listen, instances > 1, &p.env);
    }
    let description = match &p.description {
        Some(s) => {
            c.unit_text(s, "description");
            s.to_string()
        }
        None => default_unit_description(app, name.as_str()),
    };
    let places = Places {
        process: Some((
            name.to_string(),
            listen.as_ref().map(|l| matches!(l, Listen::Tcp { .. })),
        )),
        ..Places::of(desc)
    };
    let env = c.env_map(&p.env, &BTreeMap::new(), &places);
    Some(Process {
        name: name.to_string(),
        description,
        server,
        listen,
        workers: c.positive(&p.workers, "workers", 1024).unwrap_or(2),
        timeout: c.positive(&p.timeout, "timeout", 86_400),
        max_requests: c.positive(&p.max_requests, "max_requests", 10_000_000),
        keepalive: c.positive(&p.keepalive, "keepalive", 3600),
        expose: p.expose,
        access_log_file: p.access_log_file,
        access_log: p.access_log.as_ref().is_none_or(|a| **a),
        worker_class,
        threads,
        preload: p.preload.as_ref().map(|b| **b),
        max_requests_jitter: jitter(c, p),
        instances,
        path: super::tools::path(c, &p.path),
        env,
    })
}

/// `max_requests_jitter`: a number, and only beside `max_requests`.
fn jitter(c: &mut Checker, p: &d::Process) -> Option<u32> {
    let j = c.positive(&p.max_requests_jitter, "max_requests_jitter", 10_000_000)?;
    if p.max_requests.is_none()
        && let Some(sp) = &p.max_requests_jitter
    {
        c.err(
            sp.span(),
            "`max_requests_jitter` without `max_requests`",
            "add `max_requests` (workers restart after that many requests, plus up to the jitter), or remove the jitter",
        );
    }
    Some(j)
}

/// `instances`: identical units of a process that does not listen (units cannot share a port).
fn instances(c: &mut Checker, name: &Sp<String>, p: &d::Process, listen: &Option<Listen>) -> u32 {
    let Some(n) = c.positive(&p.instances, "instances", 64) else {
        return 1;
    };
    if p.listen.is_some()
        && let Some(sp) = &p.instances
    {
        let why = match listen {
            Some(Listen::Unix) => "one socket",
            _ => "one port",
        };
        c.err(
            sp.span(),
            format!("process `{}` listens, so it cannot run as several units: they would share {why}", name.as_str()),
            "raise `workers` for a server; `instances` is for workers that do not listen (queues, schedulers)",
        );
    }
    n
}

/// What a process runs: exactly one of `wsgi`, `asgi` or `command`.
fn server(c: &mut Checker, name: &Sp<String>, p: &d::Process, package: &Package) -> Option<Server> {
    let kinds = [p.wsgi.is_some(), p.asgi.is_some(), p.command.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if kinds != 1 {
        c.err(name.span(), format!("process `{}` must have exactly one of `wsgi`, `asgi` or `command`", name.as_str()), "`wsgi = \"pkg.wsgi:app\"` for gunicorn, `asgi = \"main:app\"` for uvicorn, or `command = \"...\"`");
        return None;
    }
    if let Some(app_ref) = p.wsgi.as_ref().or(p.asgi.as_ref()) {
        return Some(python_server(c, name, p, app_ref, package));
    }
    for (key, span) in [
        ("server", p.server.as_ref().map(Sp::span)),
        ("access_log", p.access_log.as_ref().map(Sp::span)),
        ("worker_class", p.worker_class.as_ref().map(Sp::span)),
        ("threads", p.threads.as_ref().map(Sp::span)),
        ("preload", p.preload.as_ref().map(Sp::span)),
        (
            "max_requests_jitter",
            p.max_requests_jitter.as_ref().map(Sp::span),
        ),
    ] {
        if let Some(span) = span {
            c.err(
                span,
                format!("`{key}` applies to `wsgi` and `asgi` processes only"),
                "remove it (pass the setting in the command instead)",
            );
        }
    }
    let cmd = p
        .command
        .as_ref()
        .and_then(|cmd| command(c, cmd, "command"))?;
    if let Some(sp) = &p.command {
        command_needs(c, sp, &cmd, package);
    }
    Some(Server::Command(cmd))
}

/// The server (gunicorn, uvicorn, granian, hypercorn, daphne or uWSGI) serving the application
/// `app_ref` names.
fn python_server(
    c: &mut Checker,
    name: &Sp<String>,
    p: &d::Process,
    app_ref: &Sp<String>,
    package: &Package,
) -> Server {
    let python = matches!(package, Package::Python(_));
    let kind = if p.wsgi.is_some() { "wsgi" } else { "asgi" };
    if !is_app_ref(app_ref) {
        c.err(
            app_ref.span(),
            format!("`{}` is not a Python application reference", shown(app_ref)),
            "write `module.path:variable` (or `module:factory()`), e.g. `backend.wsgi:app`",
        );
    }
    if !python {
        c.err(
            app_ref.span(),
            format!("`{kind}` processes need [package.python]"),
            "for a nixpkgs or flake package, run its server with `command`",
        );
    }
    let spec = servers::server_of(c, p);
    servers::unsupported(c, name, p, spec);
    if spec.name == "uwsgi"
        && let (Package::Python(py), Some(s)) = (package, &p.server)
        && py.uv.is_some()
    {
        c.err(
            s.span(),
            "uWSGI is nixpkgs' build for its own interpreter, which a uv.lock environment does not use",
            "serve the application with gunicorn or granian from the lock (or set `lock = false` to use nixpkgs' packages)",
        );
    }
    let (app, asgi) = (app_ref.to_string(), p.asgi.is_some());
    match spec.name {
        "gunicorn" => Server::Gunicorn { app, asgi },
        "granian" => Server::Granian { app, asgi },
        "hypercorn" => Server::Hypercorn { app, asgi },
        "daphne" => Server::Daphne { app },
        "uwsgi" => Server::Uwsgi { app },
        _ => Server::Uvicorn { app },
    }
}

/// Where a process listens: servers must, a TCP port is one process's, and an exposed process
/// listens beyond loopback.
fn listen(
    c: &mut Checker,
    name: &Sp<String>,
    p: &d::Process,
    server: &Server,
    ports: &mut Ports,
) -> Option<Listen> {
    let is_server = !matches!(server, Server::Command(_));
    let listen = match &p.listen {
        Some(l) => parse_listen(c, l),
        None if is_server => {
            c.err(
                name.span(),
                format!(
                    "process `{}` serves HTTP but has no `listen`",
                    name.as_str()
                ),
                "add e.g. `listen = \"127.0.0.1:8000\"` (or `listen = \"unix\"`)",
            );
            None
        }
        None => None,
    };
    if let (Some(Listen::Tcp { host, port }), Some(l)) = (&listen, &p.listen) {
        if let Some((other, _, _)) = ports
            .iter()
            .find(|(_, pt, h)| pt == port && (h == host || is_wildcard(h) || is_wildcard(host)))
        {
            c.err(
                l.span(),
                format!("port {port} is already used by process `{other}`"),
                "give each process its own port",
            );
        }
        ports.push((name.to_string(), *port, host.clone()));
        if p.expose && is_loopback(host) {
            c.err(
                l.span(),
                format!(
                    "process `{}` is exposed but listens on loopback only ({host})",
                    name.as_str()
                ),
                "listen on `0.0.0.0:PORT` (or `[::]:PORT`), or drop `expose`",
            );
        }
    }
    if p.expose && !matches!(listen, Some(Listen::Tcp { .. })) {
        c.err(
            name.span(),
            format!("process `{}` is exposed but has no TCP port", name.as_str()),
            "give it `listen = \"0.0.0.0:PORT\"`, or drop `expose`",
        );
    }
    listen
}

/// Settings that apply to some servers only, and the access log file.
fn server_options(
    c: &mut Checker,
    desc: &d::Description,
    name: &Sp<String>,
    p: &d::Process,
    server: &Server,
) {
    let is_server = !matches!(server, Server::Command(_));
    if !is_server {
        for (v, what) in [
            (&p.workers, "workers"),
            (&p.timeout, "timeout"),
            (&p.max_requests, "max_requests"),
            (&p.keepalive, "keepalive"),
        ] {
            if let Some(v) = v {
                c.err(
                    v.span(),
                    format!("`{what}` applies to `wsgi` and `asgi` processes only"),
                    "pass the setting in the command instead",
                );
            }
        }
    }
    if p.access_log_file && p.access_log.as_ref().is_some_and(|a| !**a) {
        c.err(
            name.span(),
            format!(
                "process `{}` writes its access log to a file, but `access_log = false` turns it off",
                name.as_str()
            ),
            "remove one of them",
        );
    }
    if p.access_log_file && !desc.state.logs {
        c.err(
            name.span(),
            format!(
                "process `{}` writes its access log to a file, but [state] has no logs directory",
                name.as_str()
            ),
            "set `logs = true` under [state]",
        );
    }
}

/// A command process learns where to listen from `HOST` and `PORT` (TCP) or `SOCKET` (unix),
/// which the module sets from the process's options: the description may not set them too.
fn wired_variables(
    c: &mut Checker,
    process: &Sp<String>,
    listen: &Option<Listen>,
    instances: bool,
    env: &BTreeMap<Sp<String>, Sp<d::EnvValue>>,
) {
    let wired: &[&str] = match (listen, instances) {
        (Some(Listen::Tcp { .. }), _) => &["HOST", "PORT"],
        (Some(Listen::Unix), _) => &["SOCKET"],
        (None, true) => &["INSTANCE"],
        (None, false) => &[],
    };
    for k in env.keys().filter(|k| wired.contains(&k.as_str())) {
        c.err(
            k.span(),
            format!(
                "`{}` of process `{}` is set by the module from `{}`",
                k.as_str(),
                process.as_str(),
                if k.as_str() == "INSTANCE" { "instances" } else { "listen" }
            ),
            if k.as_str() == "INSTANCE" {
                "remove it: each unit of a process with `instances` gets its number there"
            } else {
                "remove it: change `listen` (or, on the host, the process's `address` and `port` options) instead"
            },
        );
    }
}

/// `HOST:PORT` (IPv6 hosts in brackets) or `unix`.
fn parse_listen(c: &mut Checker, l: &Sp<String>) -> Option<Listen> {
    if l.as_str() == "unix" {
        return Some(Listen::Unix);
    }
    let bad = |c: &mut Checker, why: &str| {
        c.err(
            l.span(),
            format!("invalid listen address `{}`: {why}", shown(l)),
            "write `HOST:PORT` (`127.0.0.1:8000`, `[::1]:8000`, `0.0.0.0:8000`) or `unix`",
        );
        None
    };
    let Some((host, port)) = l.rsplit_once(':') else {
        return bad(c, "no port");
    };
    let host = if let Some(h) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        if h.parse::<std::net::Ipv6Addr>().is_err() {
            return bad(c, "not an IPv6 address in brackets");
        }
        h.to_string()
    } else if host.parse::<std::net::Ipv4Addr>().is_ok() || host == "localhost" {
        host.to_string()
    } else if host.contains(':') {
        return bad(c, "IPv6 addresses go in brackets");
    } else {
        return bad(c, "the host must be an IP address or `localhost`");
    };
    match port.parse::<u64>() {
        Ok(p) if (1..=65535).contains(&p) => Some(Listen::Tcp {
            host,
            port: p as u16,
        }),
        Ok(p) => {
            c.err(
                l.span(),
                format!("port {p} is out of range"),
                "ports go from 1 to 65535",
            );
            None
        }
        Err(_) => bad(c, "the port is not a number"),
    }
}

/// A command of a process or task (`what` names the field): not empty, without a secret, and,
/// as an argument list, without variables only a shell would expand.
pub(super) fn command(c: &mut Checker, sp: &Sp<d::Command>, what: &str) -> Option<Command> {
    let args: Vec<String> = match &**sp {
        d::Command::Shell(s) => crate::shell::words(s),
        d::Command::Args(a) => a.clone(),
    };
    if let Some(why) = secrets::command_secret(&args) {
        c.err_redacted(
            sp.span(),
            format!("the {what} holds a secret ({why})"),
            "declare it under [secrets] (`NAME = \"env\"`) and write the command as a string that reads it, e.g. `app --password \"$NAME\"`, so its value stays out of the Nix store",
        );
        return None;
    }
    match &**sp {
        d::Command::Shell(s) => {
            if s.trim().is_empty() || s.contains('\0') {
                c.err(
                    sp.span(),
                    format!("{what} is empty or contains NUL"),
                    "write the command to run, e.g. `flask db upgrade`",
                );
                return None;
            }
            Some(Command::Shell(s.clone()))
        }
        d::Command::Args(a) => {
            if a.is_empty() || a[0].trim().is_empty() || a.iter().any(|x| x.contains('\0')) {
                c.err(sp.span(), format!("{what} is empty or contains NUL"), "write the program and its arguments, e.g. `[\"python\", \"manage.py\", \"migrate\"]`");
                return None;
            }
            if let Some(var) = a.iter().find_map(|x| variable_in_argument(x)) {
                c.err(
                    sp.span(),
                    format!("`${var}` in an argument list reaches the program as written: a list runs without a shell"),
                    format!("write the {what} as a string, e.g. `{what} = \"{}\"`, so the shell expands `${var}`", a.join(" ")),
                );
                return None;
            }
            Some(Command::Args(a.clone()))
        }
    }
}

/// What a command of an app built from source needs from its source tree (where the units
/// run) and its dependencies: see [`crate::commands`].
pub(super) fn command_needs(
    c: &mut Checker,
    sp: &Sp<d::Command>,
    cmd: &Command,
    package: &Package,
) {
    let Package::Python(py) = package else {
        return;
    };
    if !py.src_valid {
        return;
    }
    let argv = match cmd {
        Command::Shell(s) => crate::shell::words(s),
        Command::Args(a) => a.clone(),
    };
    let source = c.project_dir().join(&py.src);
    let deps: Vec<String> = py.dependencies.iter().cloned().collect();
    // The description's own directory is `.` to the user.
    let src = if py.src.is_empty() {
        "."
    } else {
        py.src.as_str()
    };
    for m in crate::commands::missing(&argv, &source, &deps) {
        let (message, help) = match m {
            Missing::File(f) => (
                format!("`{}` is not in the package source `{src}`", shown(&f)),
                format!(
                    "tasks and processes run in the source directory, so relative paths in commands start there: fix the path, or add the file to `{src}`"
                ),
            ),
            Missing::ToolFile { tool, file } => (
                format!(
                    "{tool} reads `{file}` from its working directory, the package source `{src}`, which has none"
                ),
                format!(
                    "add `{file}` to `{src}`, or give the tool its location (e.g. `alembic -c path/to/alembic.ini`)"
                ),
            ),
            Missing::Program { program, package } => (
                format!(
                    "`{program}` comes from the Python package `{package}`, which is not among the dependencies"
                ),
                format!("add \"{package}\" to `dependencies` under [package.python]"),
            ),
        };
        c.err(sp.span(), message, help);
    }
}

/// `$NAME` / `${NAME}` (an upper-case variable) in a one-word argument: written to be expanded,
/// which an argument list never does. Arguments with spaces are left alone: they are scripts for
/// another shell (`["sh", "-c", "echo $HOME"]`).
fn variable_in_argument(arg: &str) -> Option<String> {
    if arg.contains(char::is_whitespace) {
        return None;
    }
    arg.match_indices('$').find_map(|(i, _)| {
        let rest = arg[i + 1..].trim_start_matches('{');
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        name.starts_with(|c: char| c.is_ascii_uppercase())
            .then_some(name)
    })
}

/// `[health]`: a path served by a listening process (the first one unless named).
pub(super) fn health(
    c: &mut Checker,
    desc: &d::Description,
    processes: &[Process],
) -> Option<Health> {
    let h = desc.health.as_ref()?;
    if !c.one_line(&h.path, "health path") {
        return None;
    }
    if !h.path.starts_with('/') || h.path.contains(char::is_whitespace) {
        c.err(
            h.path.span(),
            format!(
                "health path `{}` must start with `/` and have no spaces",
                shown(&h.path)
            ),
            "e.g. `/healthz`",
        );
        return None;
    }
    let listening: Vec<&Process> = processes.iter().filter(|p| p.listen.is_some()).collect();
    let process = match &h.process {
        Some(p) => {
            if !listening.iter().any(|l| l.name == **p) {
                let help = match did_you_mean(p, listening.iter().map(|l| l.name.as_str())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "name a process that has `listen`".to_string(),
                };
                c.err(
                    p.span(),
                    format!(
                        "health check names `{}`, which is not a listening process",
                        shown(p)
                    ),
                    help,
                );
                return None;
            }
            p.to_string()
        }
        None => match listening.first() {
            Some(l) => l.name.clone(),
            None => {
                c.err(
                    h.path.span(),
                    "a health path needs a process that listens",
                    "add `listen` to a process",
                );
                return None;
            }
        },
    };
    Some(Health {
        path: h.path.to_string(),
        process,
    })
}

/// `pkg.module:attr`, `pkg.module:factory()`, `module:create_app(\"x\")` is not accepted: gunicorn
/// factory arguments would need shell and systemd quoting.
fn is_app_ref(s: &str) -> bool {
    let Some((module, attr)) = s.split_once(':') else {
        return false;
    };
    let dotted = |x: &str| {
        !x.is_empty()
            && x.split('.').all(|p| {
                !p.is_empty()
                    && !p.as_bytes()[0].is_ascii_digit()
                    && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
    };
    dotted(module) && (dotted(attr) || attr.strip_suffix("()").is_some_and(dotted))
}

fn is_wildcard(h: &str) -> bool {
    h == "0.0.0.0" || h == "::"
}

fn is_loopback(h: &str) -> bool {
    h == "localhost" || h == "::1" || h.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_refs() {
        assert!(is_app_ref("backend.wsgi:app"));
        assert!(is_app_ref("app:create_app()"));
        assert!(!is_app_ref("backend.wsgi"));
        assert!(!is_app_ref("a:b;rm -rf /"));
        assert!(!is_app_ref("a:$(x)"));
    }
}
