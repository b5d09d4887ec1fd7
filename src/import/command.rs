//! What a server command line becomes: gunicorn and uvicorn options map to a process's keys
//! (listen address, workers, timeouts, environment), any other command runs as it is written,
//! and a command that holds a secret is not copied. Units (`ExecStart=`), Compose services
//! (`command:`) and `init`'s Procfile lines all come here.
//!
//! It may call [`crate::secrets`], the importer's variable classification
//! ([`super::variables`]) and the gunicorn configuration mapper ([`super::gunicorn`], which
//! finds the file a gunicorn command reads); it reads no file itself.

use super::gunicorn::Overrides;
use super::{Importer, Options, file_name};
use std::collections::BTreeMap;

use crate::draft::{Outcome, Process, ProcessKind, Report};
use crate::secrets;

/// Why a command that holds a secret is not copied.
pub(crate) const SECRET_IN_COMMAND: &str = "the command holds a secret, which a description never copies: declare it under [secrets] and let the command read it from the environment (`$NAME`)";

/// The process a server command line describes (gunicorn, uvicorn or any command), with its
/// findings added to `report` and the secrets it passes (`--env SECRET_KEY=…`, declared by name
/// only) added to `secrets`; used by `init` for Procfile lines.
pub fn server_from_command(
    args: &[String],
    file: &str,
    line: usize,
    report: &mut Report,
    secrets: &mut BTreeMap<String, String>,
) -> Option<Process> {
    let mut im = Importer::new(&Options::default());
    let p = im.server(file, line, args);
    report.findings.append(&mut im.report.findings);
    // A regression: the secrets were reported as declared but stayed in this scratch draft.
    secrets.append(&mut im.draft.secrets);
    p
}

/// A command line being read: where it was found, its words and the word being read.
struct Words<'a> {
    file: &'a str,
    line: usize,
    args: &'a [String],
    i: usize,
}

impl Words<'_> {
    /// The value of option `a`: after its `=`, else the next word (which is then consumed).
    fn value(&mut self, a: &str) -> Option<String> {
        if let Some((_, v)) = a.split_once('=') {
            Some(v.to_string())
        } else {
            self.i += 1;
            self.args.get(self.i).cloned()
        }
    }

    /// The number an option's value holds, if it is one.
    fn number<T: std::str::FromStr>(&mut self, a: &str) -> Option<T> {
        self.value(a).and_then(|v| v.parse().ok())
    }
}

/// The configuration-file setting a gunicorn command-line option sets (`--keep-alive` →
/// `keepalive`): the command line wins over the file.
fn gunicorn_setting_of(flag: &str) -> Option<&'static str> {
    Some(match flag {
        "-w" | "--workers" => "workers",
        "-b" | "--bind" => "bind",
        "-t" | "--timeout" => "timeout",
        "--keep-alive" => "keepalive",
        "-e" | "--env" => "raw_env",
        "--max-requests" => "max_requests",
        "--max-requests-jitter" => "max_requests_jitter",
        "--threads" => "threads",
        "--preload" => "preload_app",
        "-k" | "--worker-class" => "worker_class",
        "--access-logfile" => "accesslog",
        "--error-logfile" => "errorlog",
        "--log-level" => "loglevel",
        "--capture-output" => "capture_output",
        _ => return None,
    })
}

/// `host:port` (IPv6 hosts in brackets) from a server's separate host and port options, with
/// the servers' usual defaults.
fn host_port(host: Option<String>, port: Option<String>) -> String {
    let host = host.unwrap_or_else(|| "127.0.0.1".into());
    let port = port.unwrap_or_else(|| "8000".into());
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `python -m gunicorn …`, `uv run gunicorn …`: the command without its wrappers.
fn unwrapped(args: &[String]) -> Vec<String> {
    let mut args: Vec<String> = args.to_vec();
    while let Some(first) = args.first() {
        let base = file_name(first);
        let wrapper = (base.starts_with("python") && args.get(1).is_some_and(|a| a == "-m"))
            || (base == "uv" && args.get(1).is_some_and(|a| a == "run"));
        if wrapper {
            args.drain(..2);
        } else {
            break;
        }
    }
    args
}

/// The short options of `server` that take a value (`-w 4`), which may also be written attached
/// (`-w4`, `-b0.0.0.0:5000`, `-kgevent`); uvicorn and granian have none.
fn short_options_with_value(server: &str) -> &'static [&'static str] {
    match server {
        "gunicorn" => &[
            "-b", "-c", "-e", "-g", "-k", "-m", "-n", "-p", "-t", "-u", "-w",
        ],
        "hypercorn" => &["-b", "-c", "-k", "-w"],
        "daphne" => &["-b", "-p", "-t", "-u"],
        "uwsgi" => &["-p", "-w"],
        _ => &[],
    }
}

/// `-w4` → `-w 4` for the short options of `server` that take a value, so that an attached
/// value is read as the option's, not as an unknown option that swallows the next word.
fn detached(server: &str, args: Vec<String>) -> Vec<String> {
    let shorts = short_options_with_value(server);
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        match a.get(..2) {
            Some(flag) if a.len() > 2 && !a.starts_with("--") && shorts.contains(&flag) => {
                out.push(flag.to_string());
                out.push(a[2..].to_string());
            }
            _ => out.push(a),
        }
    }
    out
}

impl Importer {
    /// [`Self::server`] for `init`: a server command line found in a project, its findings in
    /// this importer's report and the secrets it passes in its draft.
    pub(crate) fn server_process(
        &mut self,
        file: &str,
        line: usize,
        args: &[String],
    ) -> Option<Process> {
        self.server(file, line, args)
    }

    /// A server command line: a process, or `None` when it is not a server app2nix knows.
    pub(super) fn server(&mut self, file: &str, line: usize, args: &[String]) -> Option<Process> {
        // `python -m gunicorn` / `uv run gunicorn` / a venv path.
        let args = unwrapped(args);
        let prog = args.first().map(|p| file_name(p))?;
        let args = detached(&prog, args);
        let mut words = Words {
            file,
            line,
            args: &args,
            i: 1,
        };
        let mut p = match prog.as_str() {
            "gunicorn" => self.gunicorn(&mut words)?,
            "uvicorn" => self.uvicorn(&mut words)?,
            "granian" | "hypercorn" | "daphne" | "uwsgi" => {
                match self.other_server(&mut words, &prog) {
                    Some(p) => p,
                    None => Process {
                        kind: ProcessKind::Command(args.clone()),
                        ..Process::default()
                    },
                }
            }
            _ => {
                if secrets::command_secret(&args).is_some() {
                    self.add(
                        file,
                        line,
                        "command",
                        Outcome::Unmapped(SECRET_IN_COMMAND.into()),
                    );
                    return None;
                }
                Process {
                    kind: ProcessKind::Command(args.clone()),
                    ..Process::default()
                }
            }
        };
        self.port_from_environment(file, line, &mut p);
        // Behind nginx, a server listens on loopback.
        if let Some(l) = p.listen.clone()
            && let Some((h, port)) = l.rsplit_once(':')
            && (h == "0.0.0.0" || h == "[::]" || h.is_empty())
        {
            self.add(file, line, format!("listen on {l}"), Outcome::Decided(format!("127.0.0.1:{port}: nginx is the public entry point (set `expose = true` to open the port)")));
            p.listen = Some(format!("127.0.0.1:{port}"));
        }
        Some(p)
    }

    /// `$PORT` (a Procfile's, a platform's): the port is app2nix's to choose.
    fn port_from_environment(&mut self, file: &str, line: usize, p: &mut Process) {
        if let Some(l) = p.listen.clone()
            && let Some((h, port)) = l.rsplit_once(':')
            && port.starts_with('$')
        {
            let chosen = port
                .split_once(":-")
                .map(|(_, d)| d.trim_end_matches('}'))
                .filter(|d| d.parse::<u16>().is_ok_and(|n| n > 0))
                .unwrap_or("8000");
            self.add(file, line, format!("listen on {l}"), Outcome::Decided(format!(
                "port {chosen}: the port comes from the environment there; app2nix sets it (PORT is not needed)"
            )));
            p.listen = Some(format!("{h}:{chosen}"));
        }
    }

    /// gunicorn's options, its configuration file (`-c FILE`, else `gunicorn.conf.py` when it is
    /// among the inputs or in the `--src` directory; the command line's options win over the
    /// file's, as in gunicorn) and its application; `None` without an application.
    fn gunicorn(&mut self, w: &mut Words) -> Option<Process> {
        let mut p = Process::default();
        let mut app = None;
        let mut asgi_worker = false;
        let mut config = None;
        let mut set = Vec::new();
        while w.i < w.args.len() {
            let a = w.args[w.i].clone();
            let flag = a.split('=').next().unwrap_or("").to_string();
            set.extend(gunicorn_setting_of(&flag));
            match flag.as_str() {
                "-c" | "--config" => config = w.value(&a).map(|c| (flag.clone(), c)),
                "-w" | "--workers" => p.workers = w.number(&a),
                "-b" | "--bind" => {
                    if let Some(b) = w.value(&a) {
                        if let Some(path) = b.strip_prefix("unix:") {
                            self.add(w.file, w.line, format!("--bind {b}"), Outcome::Decided(format!("a unix socket: app2nix puts it at /run/<app>-<process>/<process>.sock, not {path}")));
                            p.listen = Some("unix".into());
                        } else {
                            p.listen = Some(b);
                        }
                    }
                }
                "-t" | "--timeout" => p.timeout = w.number(&a),
                "--keep-alive" => p.keepalive = w.number(&a),
                "-e" | "--env" => {
                    if let Some((k, v)) = w.value(&a).as_deref().and_then(|kv| kv.split_once('=')) {
                        let what = format!("--env {k}=…");
                        self.process_variable(
                            w.file,
                            w.line,
                            what,
                            (k, v),
                            &mut p,
                            "the process's env",
                        );
                    }
                }
                "--max-requests" => p.max_requests = w.number(&a),
                "--max-requests-jitter" => p.max_requests_jitter = w.number(&a),
                "--threads" => p.threads = w.number(&a),
                "--preload" => p.preload = Some(true),
                "-k" | "--worker-class" => {
                    let k = w.value(&a).unwrap_or_default();
                    asgi_worker |= self.worker_class(
                        w.file,
                        w.line,
                        &format!("--worker-class {k}"),
                        &k,
                        &mut p,
                    );
                }
                _ => self.gunicorn_other(w, &a, &flag, &mut app),
            }
            w.i += 1;
        }
        if app.is_some() {
            set.push("wsgi_app");
        }
        let found = match &config {
            Some((flag, c)) => self.gunicorn_config_for(w.file, w.line, Some(flag), c),
            None => self.gunicorn_config_for(
                w.file,
                w.line,
                None,
                super::gunicorn::USUAL_CONFIG_NAMES[0],
            ),
        };
        if let Some((file, settings)) = found {
            let over = Overrides {
                set,
                by: "the command line",
            };
            let decided =
                self.gunicorn_settings(&file, &settings, &mut p, &over, "the process's env");
            app = app.or(decided.app);
            asgi_worker |= decided.asgi;
        }
        let app = app?;
        p.kind = if asgi_worker {
            // gunicorn managing uvicorn workers, as written.
            p.server = Some("gunicorn".into());
            ProcessKind::Asgi(app)
        } else {
            ProcessKind::Wsgi(app)
        };
        Some(p)
    }

    /// gunicorn's worker class `k` onto `p` (`what` names it in the report): whether it is a
    /// uvicorn worker (an ASGI application).
    pub(super) fn worker_class(
        &mut self,
        file: &str,
        line: usize,
        what: &str,
        k: &str,
        p: &mut Process,
    ) -> bool {
        match k {
            k if k.contains("UvicornWorker") => {
                self.add(
                    file,
                    line,
                    what,
                    Outcome::Mapped("an ASGI application (uvicorn workers under gunicorn)".into()),
                );
                return true;
            }
            "sync" | "gunicorn.workers.sync.SyncWorker" => {
                self.add(file, line, what, Outcome::Covered("the default".into()));
            }
            "gthread" | "gevent" | "eventlet" => {
                p.worker_class = Some(k.to_string());
                self.add(file, line, what, Outcome::Mapped("worker_class".into()));
            }
            _ => self.add(
                file,
                line,
                what,
                Outcome::Unmapped(
                    "app2nix.toml's worker classes are sync, gthread, gevent, eventlet and uvicorn"
                        .into(),
                ),
            ),
        }
        false
    }

    /// A gunicorn word without a description key: logging (the journal has the logs), another
    /// option (not mapped, with its value), or the application.
    fn gunicorn_other(&mut self, w: &mut Words, a: &str, flag: &str, app: &mut Option<String>) {
        match flag {
            "--access-logfile" | "--error-logfile" | "--log-level" | "--capture-output" => {
                if !a.contains('=') && flag != "--capture-output" {
                    w.i += 1;
                }
                self.add(
                    w.file,
                    w.line,
                    a,
                    Outcome::Covered("logs go to the journal".into()),
                );
            }
            f if f.starts_with('-') => {
                let (i, args) = (w.i, w.args);
                // The option's value is the next word, unless that is the application (the last
                // word, `module:variable`).
                if !a.contains('=')
                    && args.get(i + 1).is_some_and(|n| !n.starts_with('-'))
                    && !args
                        .get(i + 1)
                        .is_some_and(|n| n.contains(':') && i + 2 == args.len())
                {
                    w.i += 1;
                }
                self.add(
                    w.file,
                    w.line,
                    a,
                    Outcome::Unmapped(
                        "gunicorn option without an equivalent in app2nix.toml".into(),
                    ),
                );
            }
            _ => *app = Some(a.to_string()),
        }
    }

    /// uvicorn's options and its application; `None` without an application.
    fn uvicorn(&mut self, w: &mut Words) -> Option<Process> {
        let mut p = Process::default();
        let mut app = None;
        let mut host = None;
        let mut port = None;
        while w.i < w.args.len() {
            let a = w.args[w.i].clone();
            let flag = a.split('=').next().unwrap_or("").to_string();
            match flag.as_str() {
                "--host" => host = w.value(&a),
                "--port" => port = w.value(&a),
                "--workers" => p.workers = w.number(&a),
                "--timeout-keep-alive" => p.keepalive = w.number(&a),
                "--limit-max-requests" => p.max_requests = w.number(&a),
                "--uds" => {
                    let _ = w.value(&a);
                    p.listen = Some("unix".into());
                }
                _ => self.uvicorn_other(w, &a, &flag, &mut app),
            }
            w.i += 1;
        }
        p.kind = ProcessKind::Asgi(app?);
        if p.listen.is_none() {
            p.listen = Some(host_port(host, port));
        }
        Some(p)
    }

    /// granian, hypercorn, daphne or uWSGI (`server`): the listen address, workers, threads,
    /// timeouts and recycling each has, and its application; `None` without one (the command is
    /// kept as written), or for what app2nix.toml cannot serve (granian's RSGI, a uWSGI ini).
    fn other_server(&mut self, w: &mut Words, server: &str) -> Option<Process> {
        let mut p = Process {
            server: Some(server.to_string()),
            ..Process::default()
        };
        let (mut app, mut host, mut port) = (None, None, None);
        let mut interface = None;
        let mut factory = false;
        while w.i < w.args.len() {
            let a = w.args[w.i].clone();
            let flag = a.split('=').next().unwrap_or("").to_string();
            match (server, flag.as_str()) {
                ("granian", "--host") | ("daphne", "-b" | "--bind") => host = w.value(&a),
                ("granian", "--port") | ("daphne", "-p" | "--port") => port = w.value(&a),
                ("granian", "--uds") | ("daphne", "-u" | "--unix-socket") => {
                    let _ = w.value(&a);
                    p.listen = Some("unix".into());
                }
                ("hypercorn", "-b" | "--bind") | ("uwsgi", "--http" | "--http-socket") => {
                    p.listen = w.value(&a).map(|b| match b.strip_prefix("unix:") {
                        Some(_) => "unix".to_string(),
                        None if b.starts_with('/') => "unix".to_string(),
                        None if b.starts_with(':') => format!("127.0.0.1{b}"),
                        None => b,
                    });
                }
                ("granian", "--interface") => interface = w.value(&a),
                ("granian" | "hypercorn", "--workers" | "-w")
                | ("uwsgi", "--processes" | "-p" | "--workers") => p.workers = w.number(&a),
                ("granian", "--blocking-threads") | ("uwsgi", "--threads") => {
                    p.threads = w.number(&a)
                }
                ("hypercorn" | "uwsgi", "--max-requests") => p.max_requests = w.number(&a),
                ("hypercorn", "--max-requests-jitter") => p.max_requests_jitter = w.number(&a),
                ("hypercorn", "--keep-alive") => p.keepalive = w.number(&a),
                ("daphne", "-t" | "--http-timeout") | ("uwsgi", "--harakiri") => {
                    p.timeout = w.number(&a)
                }
                ("granian", "--factory") => factory = true,
                ("uwsgi", "--lazy-apps") => p.preload = Some(false),
                ("uwsgi", "--module" | "-w") => app = w.value(&a),
                ("hypercorn", "--access-logfile" | "--error-logfile")
                | ("daphne", "--access-log") => {
                    let _ = w.value(&a);
                    self.add(
                        w.file,
                        w.line,
                        &a,
                        Outcome::Covered("logs go to the journal".into()),
                    );
                }
                ("granian", "--access-log" | "--no-access-log")
                | ("daphne", "--proxy-headers")
                | (
                    "uwsgi",
                    "--master" | "--die-on-term" | "--strict" | "--need-app" | "--enable-threads"
                    | "--vacuum",
                ) => {
                    self.add(
                        w.file,
                        w.line,
                        &a,
                        Outcome::Covered(format!(
                            "app2nix runs {server} with its own logging, proxy and process settings"
                        )),
                    );
                }
                (_, f) if f.starts_with('-') => {
                    if !a.contains('=')
                        && w.args
                            .get(w.i + 1)
                            .is_some_and(|n| !n.starts_with('-') && !n.contains(':'))
                    {
                        w.i += 1;
                    }
                    self.add(
                        w.file,
                        w.line,
                        &a,
                        Outcome::Unmapped(format!(
                            "{server} option without an equivalent in app2nix.toml"
                        )),
                    );
                }
                ("uwsgi", _) => {
                    self.add(w.file, w.line, &a, Outcome::Unmapped("a uWSGI configuration file: write its settings (module, http-socket, processes, …) as the process's keys".into()));
                    return None;
                }
                _ => app = Some(a.clone()),
            }
            w.i += 1;
        }
        p.kind = self.server_app(w, server, app?, interface.as_deref())?;
        if factory && let ProcessKind::Wsgi(a) | ProcessKind::Asgi(a) = &mut p.kind {
            a.push_str("()");
        }
        if p.listen.is_none() {
            p.listen = Some(host_port(host, port));
        }
        Some(p)
    }

    /// What `server` serves: `app`, a WSGI or an ASGI application (granian's `--interface`,
    /// hypercorn's `wsgi:` / `asgi:` prefix); `None` for granian's RSGI.
    fn server_app(
        &mut self,
        w: &Words,
        server: &str,
        app: String,
        interface: Option<&str>,
    ) -> Option<ProcessKind> {
        Some(match (server, interface) {
            ("granian", Some("wsgi")) => ProcessKind::Wsgi(app),
            ("granian", Some("asgi" | "asginl")) => ProcessKind::Asgi(app),
            ("granian", _) => {
                self.add(w.file, w.line, "granian --interface rsgi", Outcome::Unmapped("RSGI (granian's default interface) has no key in app2nix.toml: give `--interface asgi` or `wsgi`".into()));
                return None;
            }
            ("uwsgi", _) => ProcessKind::Wsgi(app),
            ("daphne", _) => ProcessKind::Asgi(app),
            _ => match app.split_once(':') {
                Some(("wsgi", rest)) if rest.contains(':') => ProcessKind::Wsgi(rest.to_string()),
                Some(("asgi", rest)) if rest.contains(':') => ProcessKind::Asgi(rest.to_string()),
                _ => {
                    self.add(w.file, w.line, format!("hypercorn {app}"), Outcome::Decided("an ASGI application (hypercorn tells WSGI from ASGI itself): write `wsgi` if it is one".into()));
                    ProcessKind::Asgi(app)
                }
            },
        })
    }

    /// A uvicorn word without a description key: proxy headers (app2nix sets them),
    /// `--reload`, another option (not mapped, with its value), or the application.
    fn uvicorn_other(&mut self, w: &mut Words, a: &str, flag: &str, app: &mut Option<String>) {
        match flag {
            "--proxy-headers" | "--forwarded-allow-ips" => {
                if flag == "--forwarded-allow-ips" && !a.contains('=') {
                    w.i += 1;
                }
                self.add(
                    w.file,
                    w.line,
                    a,
                    Outcome::Covered(
                        "app2nix runs uvicorn with --proxy-headers behind nginx".into(),
                    ),
                );
            }
            "--reload" => self.add(
                w.file,
                w.line,
                a,
                Outcome::Unmapped("development option, not for production".into()),
            ),
            f if f.starts_with('-') => {
                if !a.contains('=')
                    && w.args
                        .get(w.i + 1)
                        .is_some_and(|n| !n.starts_with('-') && !n.contains(':'))
                {
                    w.i += 1;
                }
                self.add(
                    w.file,
                    w.line,
                    a,
                    Outcome::Unmapped(
                        "uvicorn option without an equivalent in app2nix.toml".into(),
                    ),
                );
            }
            _ => *app = Some(a.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::import::testing::imported;

    /// gunicorn's worker class, threads, preload and jitter are description keys; uvicorn
    /// workers keep gunicorn as the server.
    #[test]
    fn gunicorn_worker_options_are_mapped() {
        let unit = "[Service]\nExecStart=/srv/venv/bin/gunicorn --bind 127.0.0.1:8001 -k gthread --threads 3 --preload --max-requests 5000 --max-requests-jitter 500 inventory.wsgi:application\n";
        let (t, report) = imported(&[("inventory.service", unit)]);
        let web = &t["processes"]["web"];
        assert_eq!(web["worker_class"].as_str(), Some("gthread"), "{t:?}");
        assert_eq!(web["threads"].as_integer(), Some(3));
        assert_eq!(web["preload"].as_bool(), Some(true));
        assert_eq!(web["max_requests_jitter"].as_integer(), Some(500));
        assert!(!report.contains("not mapped"), "{report}");
        let unit = "[Service]\nExecStart=gunicorn -k uvicorn.workers.UvicornWorker -b 127.0.0.1:8000 main:app\n";
        let (t, _) = imported(&[("api.service", unit)]);
        assert_eq!(
            t["processes"]["web"]["server"].as_str(),
            Some("gunicorn"),
            "{t:?}"
        );
        assert_eq!(t["processes"]["web"]["asgi"].as_str(), Some("main:app"));
    }

    /// granian, hypercorn, daphne and uWSGI commands become processes with `server`.
    #[test]
    fn other_servers_are_mapped() {
        let units = [
            (
                "demo-a.service",
                "[Service]\nExecStart=granian --interface asgi --host 0.0.0.0 --port 9000 --workers 4 --factory app.main:create_app\n",
            ),
            (
                "demo-b.service",
                "[Service]\nExecStart=hypercorn -b unix:/run/b.sock --workers 2 wsgi:app.wsgi:app\n",
            ),
            (
                "demo-c.service",
                "[Service]\nExecStart=daphne -b 127.0.0.1 -p 8001 --http-timeout 60 project.asgi:application\n",
            ),
            (
                "demo-d.service",
                "[Service]\nExecStart=uwsgi --http-socket :8002 --module pulse.wsgi:application --processes 4 --harakiri 10 --master\n",
            ),
        ];
        let (t, report) = imported(&units);
        let p = &t["processes"];
        assert_eq!(p["web"]["server"].as_str(), Some("granian"), "{t:?}");
        assert_eq!(p["web"]["asgi"].as_str(), Some("app.main:create_app()"));
        assert_eq!(p["web"]["workers"].as_integer(), Some(4));
        assert_eq!(p["demo-b"]["wsgi"].as_str(), Some("app.wsgi:app"));
        assert_eq!(p["demo-b"]["listen"].as_str(), Some("unix"));
        assert_eq!(p["demo-c"]["timeout"].as_integer(), Some(60));
        assert_eq!(p["demo-c"]["listen"].as_str(), Some("127.0.0.1:8001"));
        assert_eq!(p["demo-d"]["wsgi"].as_str(), Some("pulse.wsgi:application"));
        assert_eq!(p["demo-d"]["listen"].as_str(), Some("127.0.0.1:8002"));
        assert_eq!(p["demo-d"]["timeout"].as_integer(), Some(10));
        assert!(!report.contains("not mapped"), "{report}");
    }

    /// gunicorn's `--keep-alive` and `--max-requests` have description keys.
    #[test]
    fn gunicorn_keepalive_and_max_requests_are_mapped() {
        let (t, report) = imported(&[("app.service", crate::import::testing::UNIT)]);
        let web = &t["processes"]["web"];
        assert_eq!(web["keepalive"].as_integer(), Some(5));
        assert_eq!(web["max_requests"].as_integer(), Some(1000));
        assert!(!report.contains("--keep-alive: not mapped"), "{report}");
    }
}
