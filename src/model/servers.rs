//! The servers a `wsgi` or `asgi` process runs under: which interface each serves, the Python
//! package it needs, which of the process's options it has, and gunicorn's worker classes.
//!
//! Owns [`WorkerClass`] and the table of servers ([`spec`]); validates `server`, `worker_class`
//! and the options a server lacks, for [`super::processes`]. Also answers which Python packages
//! a process needs ([`packages`]) for the package's environment and the uv lock check, from the
//! description alone (the package is built before the processes).
//!
//! May call [`super::check`].

use super::check::{Checker, shown};
use crate::description::{self as d, Sp};

/// gunicorn's worker classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerClass {
    /// One request at a time per worker; closes every connection.
    Sync,
    /// A thread pool per worker (`threads`).
    Gthread,
    /// gevent greenlets: many concurrent, long-lived requests.
    Gevent,
    /// eventlet green threads (removed from gunicorn 26).
    Eventlet,
    /// uvicorn's worker, for ASGI applications.
    Uvicorn,
}

impl WorkerClass {
    /// The value of `worker_class` in the description.
    pub fn name(self) -> &'static str {
        match self {
            WorkerClass::Sync => "sync",
            WorkerClass::Gthread => "gthread",
            WorkerClass::Gevent => "gevent",
            WorkerClass::Eventlet => "eventlet",
            WorkerClass::Uvicorn => "uvicorn",
        }
    }

    /// The class as gunicorn's `--worker-class` takes it.
    pub fn gunicorn_arg(self) -> &'static str {
        match self {
            WorkerClass::Uvicorn => "uvicorn.workers.UvicornWorker",
            other => other.name(),
        }
    }

    /// The Python package the class needs besides gunicorn.
    pub fn package(self) -> Option<&'static str> {
        match self {
            WorkerClass::Sync | WorkerClass::Gthread => None,
            WorkerClass::Gevent => Some("gevent"),
            WorkerClass::Eventlet => Some("eventlet"),
            WorkerClass::Uvicorn => Some("uvicorn"),
        }
    }

    /// Whether gunicorn's `--timeout` ends a request that runs longer (the worker is killed):
    /// true for the sync and threaded workers, whose heartbeat stops while a request runs. The
    /// cooperative workers keep beating, so their timeout limits no request.
    pub fn kills_slow_requests(self) -> bool {
        matches!(self, WorkerClass::Sync | WorkerClass::Gthread)
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sync" => WorkerClass::Sync,
            "gthread" => WorkerClass::Gthread,
            "gevent" => WorkerClass::Gevent,
            "eventlet" => WorkerClass::Eventlet,
            "uvicorn" => WorkerClass::Uvicorn,
            _ => return None,
        })
    }
}

/// What a server can do.
pub(super) struct Spec {
    /// `server = "…"`.
    pub(super) name: &'static str,
    /// Serves WSGI applications.
    wsgi: bool,
    /// Serves ASGI applications.
    asgi: bool,
    /// The Python package that runs it (uWSGI is nixpkgs' C program with its Python plugin).
    package: Option<&'static str>,
    /// The process options it has (besides `listen`, `env`, `access_log`, `path`).
    options: &'static [&'static str],
    /// Calls an application factory (`module:create_app()`).
    factory: bool,
}

/// The servers, the default of each interface first.
const SERVERS: &[Spec] = &[
    Spec {
        name: "gunicorn",
        wsgi: true,
        asgi: true,
        package: Some("gunicorn"),
        options: &[
            "workers",
            "timeout",
            "max_requests",
            "max_requests_jitter",
            "keepalive",
            "worker_class",
            "threads",
            "preload",
            "access_log_file",
        ],
        factory: true,
    },
    Spec {
        name: "uvicorn",
        wsgi: false,
        asgi: true,
        package: Some("uvicorn"),
        options: &["workers", "max_requests", "keepalive"],
        factory: true,
    },
    Spec {
        name: "granian",
        wsgi: true,
        asgi: true,
        package: Some("granian"),
        options: &["workers", "threads"],
        factory: true,
    },
    Spec {
        name: "hypercorn",
        wsgi: true,
        asgi: true,
        package: Some("hypercorn"),
        options: &[
            "workers",
            "max_requests",
            "max_requests_jitter",
            "keepalive",
            "access_log_file",
        ],
        factory: true,
    },
    Spec {
        name: "daphne",
        wsgi: false,
        asgi: true,
        package: Some("daphne"),
        options: &["timeout", "access_log_file"],
        factory: false,
    },
    Spec {
        name: "uwsgi",
        wsgi: true,
        asgi: false,
        package: None,
        options: &["workers", "timeout", "max_requests", "threads", "preload"],
        factory: false,
    },
];

/// The server named `name`.
pub(super) fn spec(name: &str) -> Option<&'static Spec> {
    SERVERS.iter().find(|s| s.name == name)
}

/// The servers of an interface (`wsgi` or `asgi`), its default first.
fn serving(asgi: bool) -> Vec<&'static str> {
    let mut names: Vec<&str> = SERVERS
        .iter()
        .filter(|s| if asgi { s.asgi } else { s.wsgi })
        .map(|s| s.name)
        .collect();
    // uvicorn is the ASGI default, gunicorn the WSGI one.
    if asgi {
        names.sort_by_key(|n| *n != "uvicorn");
    }
    names
}

/// The server of a `wsgi` / `asgi` process: `server`, or the interface's default (also after an
/// error).
pub(super) fn server_of(c: &mut Checker, p: &d::Process) -> &'static Spec {
    let asgi = p.asgi.is_some();
    let names = serving(asgi);
    let default = spec(names[0]).unwrap_or(&SERVERS[0]);
    if let Some(s) = &p.server
        && let Some(other) = spec(s).filter(|s| !names.contains(&s.name))
    {
        let (kind, key) = if asgi {
            ("ASGI", "asgi")
        } else {
            ("WSGI", "wsgi")
        };
        c.err(
            s.span(),
            format!("{} does not serve {kind} applications", other.name),
            format!("for `{key}`, server is one of {}", quoted_list(&names)),
        );
        return default;
    }
    let name = c.choice(&p.server, "server", &names, default.name);
    spec(&name).unwrap_or(default)
}

/// The name a description's process gives its server, as far as it can be read: for the
/// packages, before the processes are checked (an invalid name is reported there).
fn server_name(p: &d::Process) -> Option<&str> {
    let given = p.server.as_ref().map(|s| s.as_str());
    if p.wsgi.is_some() {
        Some(
            given
                .filter(|s| spec(s).is_some_and(|s| s.wsgi))
                .unwrap_or("gunicorn"),
        )
    } else if p.asgi.is_some() {
        Some(
            given
                .filter(|s| spec(s).is_some_and(|s| s.asgi))
                .unwrap_or("uvicorn"),
        )
    } else {
        None
    }
}

/// The Python packages a process of the description needs in the environment: its server and
/// the worker class's package.
pub(super) fn packages(p: &d::Process) -> Vec<&'static str> {
    let Some(name) = server_name(p) else {
        return Vec::new();
    };
    let mut out: Vec<&'static str> = spec(name).and_then(|s| s.package).into_iter().collect();
    if name == "gunicorn" {
        let class = p
            .worker_class
            .as_ref()
            .and_then(|w| WorkerClass::parse(w))
            .or(p.asgi.as_ref().map(|_| WorkerClass::Uvicorn));
        out.extend(class.and_then(WorkerClass::package));
    }
    out
}

/// gunicorn's worker class: `worker_class`, else `uvicorn` for ASGI, `gthread` with threads,
/// `sync` otherwise. A class of the other interface, or one that ignores `threads`, is refused.
pub(super) fn worker_class(c: &mut Checker, p: &d::Process, threads: Option<u32>) -> WorkerClass {
    let asgi = p.asgi.is_some();
    let Some(w) = &p.worker_class else {
        return match (asgi, threads) {
            (true, _) => WorkerClass::Uvicorn,
            (false, Some(t)) if t > 1 => WorkerClass::Gthread,
            _ => WorkerClass::Sync,
        };
    };
    let choices: &[&str] = if asgi {
        &["uvicorn"]
    } else {
        &["sync", "gthread", "gevent", "eventlet"]
    };
    let other: &[&str] = if asgi {
        &["sync", "gthread", "gevent", "eventlet"]
    } else {
        &["uvicorn"]
    };
    if other.contains(&w.as_str()) {
        let (kind, help) = if asgi {
            (
                "an ASGI application",
                "gunicorn serves ASGI applications with the `uvicorn` worker class: remove `worker_class` (or use `wsgi`)",
            )
        } else {
            (
                "a WSGI application",
                "the uvicorn worker serves ASGI applications: use `asgi = \"…\"`, or a WSGI class (`sync`, `gthread`, `gevent`, `eventlet`)",
            )
        };
        c.err(
            w.span(),
            format!("worker class `{}` cannot serve {kind}", w.as_str()),
            help,
        );
        return if asgi {
            WorkerClass::Uvicorn
        } else {
            WorkerClass::Sync
        };
    }
    let class = WorkerClass::parse(&c.choice(&p.worker_class, "worker_class", choices, choices[0]))
        .unwrap_or(WorkerClass::Sync);
    if class == WorkerClass::Eventlet {
        c.note("worker_class `eventlet`: gunicorn deprecated its eventlet worker in 25.0 and removed it in 26.0; the process starts only with an older gunicorn (nixpkgs' or the lock's): prefer `gevent`".into());
    }
    if let (Some(t), Some(sp)) = (threads, &p.threads)
        && t > 1
        && class != WorkerClass::Gthread
    {
        let why = match class {
            WorkerClass::Sync => "sync workers run one request at a time",
            _ => "cooperative workers run requests concurrently without threads",
        };
        c.err(
            sp.span(),
            format!(
                "`threads` needs gunicorn's `gthread` worker class, not `{}`: {why}",
                class.name()
            ),
            "set `worker_class = \"gthread\"` (or leave `worker_class` out), or remove `threads`",
        );
    }
    class
}

/// Options the process sets that its server lacks, and an application factory a server cannot
/// call.
pub(super) fn unsupported(c: &mut Checker, name: &Sp<String>, p: &d::Process, spec: &Spec) {
    let asgi = p.asgi.is_some();
    let given: [(&str, Option<std::ops::Range<usize>>); 9] = [
        ("workers", p.workers.as_ref().map(Sp::span)),
        ("timeout", p.timeout.as_ref().map(Sp::span)),
        ("max_requests", p.max_requests.as_ref().map(Sp::span)),
        (
            "max_requests_jitter",
            p.max_requests_jitter.as_ref().map(Sp::span),
        ),
        ("keepalive", p.keepalive.as_ref().map(Sp::span)),
        ("worker_class", p.worker_class.as_ref().map(Sp::span)),
        ("threads", p.threads.as_ref().map(Sp::span)),
        ("preload", p.preload.as_ref().map(Sp::span)),
        ("access_log_file", p.access_log_file.then(|| name.span())),
    ];
    for (key, span) in given {
        let Some(span) = span else { continue };
        if spec.options.contains(&key) {
            continue;
        }
        let having: Vec<&str> = SERVERS
            .iter()
            .filter(|s| s.options.contains(&key) && if asgi { s.asgi } else { s.wsgi })
            .map(|s| s.name)
            .collect();
        let help = if having.is_empty() {
            "remove it".to_string()
        } else {
            format!(
                "remove it, or use a server that has it: {}",
                quoted_list(&having)
            )
        };
        c.err(
            span,
            format!(
                "process `{}`: {} has no `{key}`{}",
                name.as_str(),
                spec.name,
                lacking(spec.name, key)
            ),
            help,
        );
    }
    if spec.name == "granian"
        && asgi
        && let Some(t) = &p.threads
    {
        c.err(
            t.span(),
            "granian runs ASGI applications on its event loop: `threads` applies to WSGI only",
            "remove `threads`",
        );
    }
    if !spec.factory
        && let Some(app) = p.wsgi.as_ref().or(p.asgi.as_ref())
        && app.ends_with("()")
    {
        c.err(
            app.span(),
            format!("{} cannot call an application factory (`{}`)", spec.name, shown(app)),
            "name the application object a module creates (e.g. `project.asgi:application`), or use a server that calls factories",
        );
    }
}

/// Why a server lacks an option, where that is not obvious.
fn lacking(server: &str, key: &str) -> &'static str {
    match (server, key) {
        ("uvicorn" | "granian" | "hypercorn", "timeout") => " (no request timeout)",
        ("daphne", "workers") => " (one process; run several processes for more)",
        (_, "access_log_file") => " (it logs to the journal)",
        ("uwsgi", "max_requests_jitter") => {
            " (its `max-requests-delta` staggers workers by number, not at random)"
        }
        (_, "worker_class") => " (worker classes are gunicorn's)",
        _ => "",
    }
}

/// `` `a`, `b` `` .
fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_first() {
        assert_eq!(serving(false)[0], "gunicorn");
        assert_eq!(serving(true)[0], "uvicorn");
        assert!(!serving(true).contains(&"uwsgi"));
        assert!(!serving(false).contains(&"daphne"));
    }
}
