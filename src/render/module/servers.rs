//! A server process's command line: the program and its arguments for gunicorn, uvicorn,
//! granian, hypercorn, daphne and uWSGI, each with its own flags for the listen address,
//! workers, threads, timeouts, worker recycling, access log, proxy trust and the application.
//!
//! An argument is a value (escaped by the template as a Nix string) or a Nix expression over
//! the module's options and let bindings, written here from fixed text and validated names.
//!
//! May call: `model` (read only), [`crate::nix`].

use serde::Serialize;

use crate::model::{Listen, Model, Process, Server, WorkerClass};
use crate::nix::attr_name;

/// One argument of `ExecStart=`.
#[derive(Debug, Serialize)]
pub(super) struct Arg {
    /// A value, escaped as a Nix string.
    text: Option<String>,
    /// A Nix expression (a string), printed as it is.
    nix: Option<String>,
}

fn text(s: impl Into<String>) -> Arg {
    Arg {
        text: Some(s.into()),
        nix: None,
    }
}

fn nix(s: impl Into<String>) -> Arg {
    Arg {
        text: None,
        nix: Some(s.into()),
    }
}

/// `ExecStart=` of a server: the program (inside a Nix string: `${pythonEnv}/bin/gunicorn`) and
/// its arguments.
pub(super) struct Exec {
    pub(super) program: String,
    pub(super) args: Vec<Arg>,
}

/// The process's options as a Nix expression (`cfg.processes.web`).
fn opt(p: &Process) -> String {
    format!("cfg.processes.{}", attr_name(&p.name))
}

/// The hosts whose `X-Forwarded-*` headers a process trusts: nginx's. A unix socket only admits
/// the app's group (nginx among them), so every peer is trusted there.
fn trusted(p: &Process) -> Arg {
    match p.listen {
        Some(Listen::Unix) => text("*"),
        _ => nix("trustedProxies"),
    }
}

/// The application, and whether it is a factory to call (`module:create_app()` becomes
/// `module:create_app` for servers that take a `--factory` flag).
fn app_and_factory(app: &str) -> (String, bool) {
    match app.strip_suffix("()") {
        Some(f) => (f.to_string(), true),
        None => (app.to_string(), false),
    }
}

/// The server's `ExecStart=` (`None` for a command, which is a script).
pub(super) fn exec(m: &Model, p: &Process) -> Option<Exec> {
    let (program, args) = match &p.server {
        Server::Gunicorn { app, .. } => ("${pythonEnv}/bin/gunicorn", gunicorn(m, p, app)),
        Server::Uvicorn { app } => ("${pythonEnv}/bin/uvicorn", uvicorn(p, app)),
        Server::Granian { app, asgi } => ("${pythonEnv}/bin/granian", granian(p, app, *asgi)),
        Server::Hypercorn { app, asgi } => {
            ("${pythonEnv}/bin/hypercorn", hypercorn(m, p, app, *asgi))
        }
        Server::Daphne { app } => ("${pythonEnv}/bin/daphne", daphne(m, p, app)),
        Server::Uwsgi { app } => ("${lib.getExe uwsgi}", uwsgi(p, app)),
        Server::Command(_) => return None,
    };
    Some(Exec {
        program: program.to_string(),
        args,
    })
}

/// Where the process logs requests: `-` (standard output, the journal) or its file.
fn access_log(m: &Model, p: &Process) -> String {
    if p.access_log_file {
        m.access_log_path(&p.name)
    } else {
        "-".into()
    }
}

fn gunicorn(m: &Model, p: &Process, app: &str) -> Vec<Arg> {
    let o = opt(p);
    let mut a = vec![text("--bind")];
    a.push(match p.listen {
        Some(Listen::Unix) => nix(format!("\"unix:${{{o}.socket}}\"")),
        _ => nix(format!("(hostPort {o})")),
    });
    a.extend([text("--workers"), nix(format!("(toString {o}.workers)"))]);
    let class = p.worker_class.unwrap_or(WorkerClass::Sync);
    if class != WorkerClass::Sync {
        a.extend([text("--worker-class"), text(class.gunicorn_arg())]);
    }
    if let Some(t) = p.threads {
        a.extend([text("--threads"), text(t.to_string())]);
    }
    if let Some(t) = p.timeout {
        a.extend([text("--timeout"), text(t.to_string())]);
    }
    if let Some(n) = p.max_requests {
        a.extend([text("--max-requests"), text(n.to_string())]);
    }
    if let Some(j) = p.max_requests_jitter {
        a.extend([text("--max-requests-jitter"), text(j.to_string())]);
    }
    if let Some(k) = p.keepalive {
        a.extend([text("--keep-alive"), text(k.to_string())]);
    }
    if p.preload == Some(true) {
        a.push(text("--preload"));
    }
    a.extend([text("--forwarded-allow-ips"), trusted(p)]);
    if p.access_log {
        a.extend([text("--access-logfile"), text(access_log(m, p))]);
    }
    a.push(text(app));
    a
}

fn uvicorn(p: &Process, app: &str) -> Vec<Arg> {
    let o = opt(p);
    let mut a = match p.listen {
        Some(Listen::Unix) => vec![text("--uds"), nix(format!("{o}.socket"))],
        _ => vec![
            text("--host"),
            nix(format!("{o}.address")),
            text("--port"),
            nix(format!("(toString {o}.port)")),
        ],
    };
    a.extend([
        text("--workers"),
        nix(format!("(toString {o}.workers)")),
        text("--proxy-headers"),
        text("--forwarded-allow-ips"),
        trusted(p),
    ]);
    if let Some(n) = p.max_requests {
        a.extend([text("--limit-max-requests"), text(n.to_string())]);
    }
    if let Some(k) = p.keepalive {
        a.extend([text("--timeout-keep-alive"), text(k.to_string())]);
    }
    if !p.access_log {
        a.push(text("--no-access-log"));
    }
    let (app, factory) = app_and_factory(app);
    if factory {
        a.push(text("--factory"));
    }
    a.push(text(app));
    a
}

fn granian(p: &Process, app: &str, asgi: bool) -> Vec<Arg> {
    let o = opt(p);
    let mut a = vec![
        text("--interface"),
        text(if asgi { "asgi" } else { "wsgi" }),
    ];
    a.extend(match p.listen {
        Some(Listen::Unix) => vec![text("--uds"), nix(format!("{o}.socket"))],
        _ => vec![
            text("--host"),
            nix(format!("{o}.address")),
            text("--port"),
            nix(format!("(toString {o}.port)")),
        ],
    });
    a.extend([text("--workers"), nix(format!("(toString {o}.workers)"))]);
    if let Some(t) = p.threads {
        a.extend([text("--blocking-threads"), text(t.to_string())]);
    }
    // granian's access log is off unless asked for.
    if p.access_log {
        a.push(text("--access-log"));
    }
    let (app, factory) = app_and_factory(app);
    if factory {
        a.push(text("--factory"));
    }
    a.push(text(app));
    a
}

fn hypercorn(m: &Model, p: &Process, app: &str, asgi: bool) -> Vec<Arg> {
    let o = opt(p);
    let mut a = vec![text("--bind")];
    a.push(match p.listen {
        Some(Listen::Unix) => nix(format!("\"unix:${{{o}.socket}}\"")),
        _ => nix(format!("(hostPort {o})")),
    });
    a.extend([text("--workers"), nix(format!("(toString {o}.workers)"))]);
    if let Some(n) = p.max_requests {
        a.extend([text("--max-requests"), text(n.to_string())]);
    }
    if let Some(j) = p.max_requests_jitter {
        a.extend([text("--max-requests-jitter"), text(j.to_string())]);
    }
    if let Some(k) = p.keepalive {
        a.extend([text("--keep-alive"), text(k.to_string())]);
    }
    // hypercorn logs no requests unless given a target.
    if p.access_log {
        a.extend([text("--access-logfile"), text(access_log(m, p))]);
    }
    // The interface, stated: hypercorn would otherwise guess it from the object.
    a.push(text(format!(
        "{}:{app}",
        if asgi { "asgi" } else { "wsgi" }
    )));
    a
}

fn daphne(m: &Model, p: &Process, app: &str) -> Vec<Arg> {
    let o = opt(p);
    let mut a = match p.listen {
        Some(Listen::Unix) => vec![text("--unix-socket"), nix(format!("{o}.socket"))],
        _ => vec![
            text("--bind"),
            nix(format!("{o}.address")),
            text("--port"),
            nix(format!("(toString {o}.port)")),
        ],
    };
    // daphne has no list of trusted proxies: it takes the headers from whoever connects, which
    // is nginx (loopback, the socket's group, or the edge through the private firewall).
    a.push(text("--proxy-headers"));
    if let Some(t) = p.timeout {
        a.extend([text("--http-timeout"), text(t.to_string())]);
    }
    if !p.access_log {
        // At verbosity 1 (its default) daphne logs requests to standard output.
        a.extend([text("--verbosity"), text("0")]);
    } else if p.access_log_file {
        a.extend([text("--access-log"), text(access_log(m, p))]);
    }
    a.push(text(app));
    a
}

fn uwsgi(p: &Process, app: &str) -> Vec<Arg> {
    let o = opt(p);
    let mut a = vec![
        text("--plugin"),
        text("python3"),
        text("--pyhome"),
        nix("\"${pythonEnv}\""),
        // Unknown options are errors; SIGTERM stops uWSGI (by default it reloads); a module
        // that fails to load stops it.
        text("--strict"),
        text("--master"),
        text("--die-on-term"),
        text("--need-app"),
        text("--http-socket"),
    ];
    match p.listen {
        Some(Listen::Unix) => a.extend([
            nix(format!("{o}.socket")),
            text("--chmod-socket=660"),
            text("--vacuum"),
        ]),
        _ => a.push(nix(format!("(hostPort {o})"))),
    }
    a.extend([
        text("--processes"),
        nix(format!("(toString {o}.workers)")),
        text("--enable-threads"),
    ]);
    if let Some(t) = p.threads {
        a.extend([text("--threads"), text(t.to_string())]);
    }
    if let Some(t) = p.timeout {
        a.extend([text("--harakiri"), text(t.to_string())]);
    }
    if let Some(n) = p.max_requests {
        a.extend([text("--max-requests"), text(n.to_string())]);
    }
    if p.preload == Some(false) {
        a.push(text("--lazy-apps"));
    }
    if !p.access_log {
        a.push(text("--disable-logging"));
    }
    a.extend([text("--module"), text(app)]);
    a
}
