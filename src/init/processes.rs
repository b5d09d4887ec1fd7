//! What runs: the web process (the server command the project runs in production, else the
//! application its sources declare), background workers and schedulers, long-running
//! management commands, the release tasks and their order, the build steps, and the health
//! check. Every command found is classified ([`super::commands`]); commands several sources
//! name (a Procfile and a supervisor program) are one; what is not deployed (waits for the
//! database, development servers, administrators' tools, installation steps) is reported.
//!
//! It may call import's server mapper and gunicorn configuration mapper (through
//! [`Init::importing`]), the web step's application finder ([`super::web`]) and the draft.

use std::collections::BTreeMap;

use super::Init;
use super::commands::{Role, ServerKind, app_target, classify, subcommand, unwrap};
use super::evidence::{Command, Origin};
use crate::draft::{Outcome, Process, ProcessKind, Source, Task};

/// Absolute directories of container layouts: paths under them are never the host's.
const CONTAINER_DIRS: &[&str] = &[
    "/app",
    "/opt",
    "/home",
    "/srv",
    "/code",
    "/usr/src",
    "/src",
    "/var/www",
    "/var/app",
    "/data",
    "/workspace",
    "/project",
];

/// Options of servers and workers that name a file the process writes (a pid file, a
/// schedule): such a file belongs in the state directory.
const WRITTEN_FILES: &[&str] = &[
    "--schedule",
    "-s",
    "--pidfile",
    "--pid",
    "--logfile",
    "-f",
    "--statedb",
    "--worker-tmp-dir",
];

/// Options whose file the module provides or replaces: dropped with their value.
const DROPPED_OPTIONS: &[&str] = &[
    "--pythonpath",
    "--chdir",
    "--config",
    "-c",
    "--pid",
    "--pidfile",
    "--worker-tmp-dir",
    "--user",
    "-u",
    "--group",
    "-g",
    "--daemon",
    "-D",
    "--log-file",
    "--error-logfile",
    "--access-logfile",
];

/// Whether a path is a container layout's.
pub(super) fn container_path(w: &str) -> bool {
    CONTAINER_DIRS
        .iter()
        .any(|d| w == *d || w.starts_with(&format!("{d}/")))
}

/// Signature of a command: what it runs, whatever its wrappers, paths and options' order (a
/// server: the application it serves).
fn signature(argv: &[String]) -> String {
    if let Role::Server(kind) = classify(argv, &[])
        && let Some(t) = app_target(&kind, argv)
    {
        return format!("server {t}");
    }
    let w = unwrap(argv);
    let mut words: Vec<String> = w
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
        .collect();
    words.truncate(4);
    words.join(" ")
}

impl Init<'_> {
    /// Every command with its role, in the order found.
    fn roles(&self) -> Vec<(Command, Role)> {
        self.ev
            .commands
            .iter()
            .map(|c| (c.clone(), classify(&c.argv, &self.scripts)))
            .collect()
    }

    /// The web process and the other long-running processes.
    pub(super) fn processes(&mut self) {
        let roles = self.roles();
        let web = roles
            .iter()
            .filter(|(c, r)| matches!(r, Role::Server(_)) && (c.origin.long_running() || c.origin == Origin::ContainerMain))
            .filter(|(c, _)| !matches!(&c.origin, Origin::ComposeService(s) if s.ends_with("(development)")))
            .max_by_key(|(c, _)| (c.origin.rank(), std::cmp::Reverse(c.source.line)));
        let mut process = None;
        if let Some((cmd, Role::Server(kind))) = web {
            process = self.server(cmd, kind);
            // Another file running the same application may say how many workers it needs
            // (a supervisor program beside a container's command).
            if let Some(p) = process.as_mut().filter(|p| p.workers.is_none()) {
                let sig = signature(&cmd.argv);
                p.workers = roles
                    .iter()
                    .filter(|(c, r)| matches!(r, Role::Server(_)) && signature(&c.argv) == sig)
                    .find_map(|(c, _)| {
                        option_value(&c.argv, &["-w", "--workers", "--processes"])
                            .and_then(|w| w.parse().ok())
                    });
            }
        }
        if process.is_none() {
            let (p, framework) = self.application();
            self.framework = framework;
            process = p;
        } else {
            self.framework = self.framework_of_sources();
        }
        self.web_process(process);
        let mut taken: Vec<String> = web.map(|(c, _)| signature(&c.argv)).into_iter().collect();
        for (cmd, role) in &roles {
            if !cmd.origin.long_running()
                || matches!(&cmd.origin, Origin::ComposeService(s) if s.ends_with("(development)"))
            {
                continue;
            }
            let name = match role {
                Role::Worker(q) => {
                    if *q == "celery" || *q == "rq" {
                        "worker".to_string()
                    } else {
                        crate::model::suggest_name(q)
                    }
                }
                Role::Scheduler(q) => {
                    if *q == "celery" {
                        "beat".into()
                    } else {
                        "scheduler".into()
                    }
                }
                Role::Management(m) => crate::model::suggest_name(m),
                Role::Server(kind) => {
                    let from_ini =
                        matches!(&cmd.origin, Origin::Unit(u) if u.starts_with("uwsgi "));
                    let sig = signature(&cmd.argv);
                    if !from_ini && !taken.contains(&sig) && app_target(kind, &cmd.argv).is_some() {
                        // Another application served beside the web process (a second
                        // service of the same code base): a process of its own.
                        taken.push(sig);
                        self.second_server(cmd, kind);
                    }
                    continue;
                }
                Role::Dev => {
                    self.report.add(
                        cmd.source.clone(),
                        cmd.argv.join(" "),
                        Outcome::Covered("a development server: not deployed".into()),
                    );
                    continue;
                }
                Role::Admin | Role::Wait | Role::Install | Role::Plumbing => continue,
                Role::Migrate | Role::Build | Role::Script(_) | Role::Other => continue,
            };
            let sig = signature(&cmd.argv);
            if taken.contains(&sig) {
                continue;
            }
            taken.push(sig);
            let name = match &cmd.origin {
                Origin::Procfile(k) if k != "web" => crate::model::suggest_name(k),
                _ => name,
            };
            let mut name = name;
            let mut n = 2;
            while self.draft.processes.contains_key(&name) {
                name = format!(
                    "{}-{n}",
                    name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-')
                );
                n += 1;
            }
            let line = self.command_line(cmd, role);
            let what = cmd.argv.join(" ");
            let kind = if line.contains('$') {
                ProcessKind::Shell(line.clone())
            } else {
                ProcessKind::Command(crate::shell::words(&line))
            };
            self.report.add(
                cmd.source.clone(),
                what,
                Outcome::Mapped(format!("[processes.{name}] `{line}`")),
            );
            self.draft.processes.insert(
                name,
                Process {
                    kind,
                    ..Process::default()
                },
            );
        }
    }

    /// A server of another application of the project (a Procfile's second server): its own
    /// process, on its own loopback port.
    fn second_server(&mut self, cmd: &Command, kind: &ServerKind) {
        let Some(mut p) = self.server(cmd, kind) else {
            return;
        };
        let name = match &cmd.origin {
            Origin::Procfile(k)
            | Origin::Supervisor(k)
            | Origin::Unit(k)
            | Origin::ComposeService(k) => crate::model::suggest_name(k),
            _ => "web-2".into(),
        };
        let taken: Vec<u16> = self
            .draft
            .processes
            .values()
            .filter_map(|p| p.listen.as_deref()?.rsplit_once(':')?.1.parse().ok())
            .collect();
        let wanted = p
            .listen
            .as_deref()
            .and_then(|l| l.rsplit_once(':'))
            .and_then(|(_, port)| port.parse::<u16>().ok());
        let port = match wanted {
            Some(w) if !taken.contains(&w) => w,
            _ => (8001..).find(|p| !taken.contains(p)).unwrap_or(8001),
        };
        p.listen = Some(format!("127.0.0.1:{port}"));
        self.draft.processes.insert(name, p);
    }

    /// A server command as the web process: its app, listen address and options.
    fn server(&mut self, cmd: &Command, kind: &ServerKind) -> Option<Process> {
        let mut argv = self.clean_args(&cmd.argv);
        let what = cmd.argv.join(" ");
        let raw = app_target(kind, &argv);
        let target = raw.as_ref().map(|t| self.rebase_module(t, &cmd.cwd));
        let p = match kind {
            ServerKind::Gunicorn
            | ServerKind::Uvicorn
            | ServerKind::Granian
            | ServerKind::Hypercorn
            | ServerKind::Daphne => {
                // The word that names the app (`inventory.wsgi` is gunicorn's `inventory.wsgi:application`)
                // becomes the target for the package source.
                if let (Some(raw), Some(t)) = (&raw, &target)
                    && let Some(slot) = argv
                        .iter_mut()
                        .find(|a| *a == raw || format!("{a}:application") == *raw)
                {
                    *slot = t.clone();
                }
                let source = cmd.source.clone();
                let config = if *kind == ServerKind::Gunicorn {
                    self.gunicorn_config(&cmd.argv)
                } else {
                    None
                };
                let mut p =
                    self.importing(|im| im.server_process(&source.file, source.line, &argv))?;
                if let Some((file, settings)) = config {
                    let over = crate::import::gunicorn::Overrides {
                        set: vec!["wsgi_app", "bind"],
                        by: "the command line",
                    };
                    self.importing(|im| {
                        im.gunicorn_settings(
                            &file,
                            &settings,
                            &mut p,
                            &over,
                            "the web process's env",
                        )
                    });
                }
                p
            }
            ServerKind::Uwsgi => self.uwsgi(cmd, &argv)?,
            _ => {
                let app = match (kind, target) {
                    (_, Some(t)) => t,
                    (ServerKind::FastapiRun, None) => self.fastapi_entrypoint(&cmd.cwd)?,
                    _ => {
                        self.report.add(
                            cmd.source.clone(),
                            what,
                            Outcome::Unmapped(
                                "a server whose application could not be read".into(),
                            ),
                        );
                        return None;
                    }
                };
                let asgi =
                    !matches!(kind, ServerKind::Waitress) && !argv.iter().any(|a| a == "wsgi");
                let workers =
                    option_value(&argv, &["--workers", "-w"]).and_then(|w| w.parse().ok());
                Process {
                    kind: if asgi {
                        ProcessKind::Asgi(app)
                    } else {
                        ProcessKind::Wsgi(app)
                    },
                    workers,
                    ..Process::default()
                }
            }
        };
        let served = match (&p.kind, p.server.as_deref()) {
            (ProcessKind::Wsgi(a) | ProcessKind::Asgi(a), Some(server)) => {
                format!("{server} `{a}`")
            }
            (ProcessKind::Wsgi(a), None) => format!("gunicorn `{a}`"),
            (ProcessKind::Asgi(a), None) => format!("uvicorn `{a}`"),
            (ProcessKind::Command(_) | ProcessKind::Shell(_), _) => "as written".into(),
        };
        let through = match kind {
            ServerKind::Gunicorn
            | ServerKind::Uvicorn
            | ServerKind::Granian
            | ServerKind::Hypercorn
            | ServerKind::Daphne => String::new(),
            other => format!(" (the project runs {other:?}; app2nix runs its drop-in)")
                .to_ascii_lowercase(),
        };
        self.report.add(
            cmd.source.clone(),
            what,
            Outcome::Mapped(format!("[processes.web] {served}{through}")),
        );
        Some(p)
    }

    /// The gunicorn configuration a command reads (`-c FILE`, `--config FILE`), found in the
    /// project by its path through the image or its name (`contrib/gunicorn.py`).
    fn gunicorn_config(
        &self,
        argv: &[String],
    ) -> Option<(String, Vec<crate::import::gunicorn::Setting>)> {
        let file = option_value(argv, &["-c", "--config"])?;
        let file = file
            .strip_prefix("python:")
            .map_or(file.clone(), |m| format!("{}.py", m.replace('.', "/")));
        let base = file.rsplit('/').next().unwrap_or(&file);
        let rel = self.project.named(base).into_iter().next()?.clone();
        let text = self.project.read(&rel)?;
        Some((rel, crate::import::gunicorn::settings(&text)))
    }

    /// uWSGI: the ini file it runs (its `module`, `processes`).
    fn uwsgi(&mut self, cmd: &Command, argv: &[String]) -> Option<Process> {
        let ini = argv
            .iter()
            .find(|a| a.ends_with(".ini"))
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_string());
        let from_ini = self.ev.commands.iter().find(|c| {
            matches!(&c.origin, Origin::Unit(u) if u.starts_with("uwsgi "))
                && ini
                    .as_ref()
                    .is_none_or(|i| c.source.file.ends_with(i.as_str()))
        });
        let words = match from_ini {
            Some(c) => c.argv.clone(),
            None => argv.to_vec(),
        };
        let module = app_target(&ServerKind::Uwsgi, &words).or_else(|| {
            let f = option_value(&words, &["--wsgi-file"])?;
            Some(format!(
                "{}:{}",
                f.trim_end_matches(".py").replace('/', "."),
                option_value(&words, &["--callable"]).unwrap_or_else(|| "application".into())
            ))
        });
        let Some(module) = module else {
            self.report.add(
                cmd.source.clone(),
                argv.join(" "),
                Outcome::Unmapped("a uWSGI server whose application could not be read".into()),
            );
            return None;
        };
        let workers =
            option_value(&words, &["--processes", "--workers"]).and_then(|w| w.parse().ok());
        let timeout = option_value(&words, &["--harakiri"]).and_then(|w| w.parse().ok());
        if let Some(c) = from_ini {
            self.report.add(
                c.source.clone(),
                "uWSGI application",
                Outcome::Mapped(format!(
                    "gunicorn `{module}`, a drop-in for uWSGI behind nginx"
                )),
            );
        }
        Some(Process {
            kind: ProcessKind::Wsgi(module),
            workers,
            timeout,
            ..Process::default()
        })
    }

    /// `fastapi run`'s application: `[tool.fastapi] entrypoint` of the pyproject in the
    /// directory it runs in (or the package source).
    fn fastapi_entrypoint(&self, cwd: &str) -> Option<String> {
        for dir in [cwd, self.src.as_str()] {
            let p = if dir.is_empty() {
                "pyproject.toml".to_string()
            } else {
                format!("{dir}/pyproject.toml")
            };
            let Some(t) = self
                .project
                .read(&p)
                .and_then(|t| t.parse::<toml::Table>().ok())
            else {
                continue;
            };
            if let Some(e) = t
                .get("tool")
                .and_then(|x| x.get("fastapi"))
                .and_then(|x| x.get("entrypoint"))
                .and_then(|x| x.as_str())
            {
                return Some(e.to_string());
            }
        }
        // fastapi-cli's own search: `main.py` / `app/main.py` with an `app`.
        self.found
            .apps
            .iter()
            .find(|a| a.4 == "FastAPI")
            .map(|a| format!("{}:{}", self.relative_module(&a.0), a.1))
    }

    /// A module path (`backend.app.main`) relative to the package source (`app.main` when the
    /// source is `backend`).
    pub(super) fn relative_module(&self, module: &str) -> String {
        if self.src.is_empty() {
            return module.to_string();
        }
        let prefix = format!("{}.", self.src.replace('/', "."));
        module.strip_prefix(&prefix).unwrap_or(module).to_string()
    }

    /// An application target written for the directory a command runs in, for the package
    /// source (`backend.app.main:app` run from the root is `app.main:app` in `backend`).
    fn rebase_module(&self, target: &str, cwd: &str) -> String {
        let (module, var) = target.split_once(':').unwrap_or((target, ""));
        // Already a module of the package source (`inventory.wsgi` with `--pythonpath` at it).
        let path = module.replace('.', "/");
        let in_src = |p: &str| {
            self.in_source_file(&format!("{p}.py")).is_some()
                || self.in_source_file(&format!("{p}/__init__.py")).is_some()
        };
        if cwd == self.src || in_src(&path) {
            return target.to_string();
        }
        let full = if cwd.is_empty() {
            module.to_string()
        } else {
            format!("{}.{module}", cwd.replace('/', "."))
        };
        let rel = self.relative_module(&full);
        if var.is_empty() {
            rel
        } else {
            format!("{rel}:{var}")
        }
    }

    /// The framework of the app the sources declare (`Django`, `Flask`, `FastAPI`), for the
    /// default migration.
    fn framework_of_sources(&self) -> &'static str {
        if !self.found.django.is_empty() || !self.ev.django.is_empty() {
            "Django"
        } else if let Some(a) = self.found.apps.first() {
            a.4
        } else if !self.found.factories.is_empty() {
            "Flask"
        } else {
            ""
        }
    }

    /// A command's words made right for the host: container paths of files the process writes
    /// moved to the state directory, options whose files the module provides dropped, paths
    /// of the project made relative to the package source.
    fn clean_args(&self, argv: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(a) = argv.get(i) {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with('-') => (f.to_string(), Some(v.to_string())),
                _ => (a.clone(), None),
            };
            if DROPPED_OPTIONS.contains(&flag.as_str())
                && (flag != "-c" || !argv.first().is_some_and(|p| p.ends_with("sh")))
            {
                i += if inline.is_some() { 1 } else { 2 };
                continue;
            }
            out.push(self.project_word(a));
            i += 1;
        }
        out
    }

    /// One word: a container path of the project becomes relative to the source.
    fn project_word(&self, w: &str) -> String {
        if container_path(w) {
            let base = w.rsplit('/').next().unwrap_or(w);
            if let Some(f) = self.project.named(base).into_iter().next()
                && let Some(rel) = self.in_source(f)
                && !rel.is_empty()
            {
                return rel;
            }
        }
        // `inventory/manage.py` run from the root, with the source `inventory`; `app/x.py` already
        // relative to the source stays.
        if (w.ends_with(".py") || w.ends_with(".sh")) && !w.starts_with('/') {
            let clean = w.trim_start_matches("./");
            if self.in_source_file(clean).is_some() {
                return clean.to_string();
            }
            if let Some(rel) = self.in_source(clean)
                && self.project.has(clean)
            {
                return rel;
            }
        }
        w.to_string()
    }

    /// A worker's, scheduler's or management command's line for its unit: cleaned, a file it
    /// writes in a container directory moved to the state directory, an rq worker given the
    /// app's Redis URL.
    fn command_line(&self, cmd: &Command, role: &Role) -> String {
        let mut words: Vec<String> = Vec::new();
        let argv = unwrap(&cmd.argv);
        let mut i = 0;
        let mut wrote_schedule = false;
        while let Some(a) = argv.get(i) {
            if WRITTEN_FILES.contains(&a.as_str())
                && argv.get(i + 1).is_some_and(|v| v.starts_with('/'))
            {
                let file = argv[i + 1].rsplit('/').next().unwrap_or("").to_string();
                words.push(a.clone());
                words.push(format!(
                    "\"$STATE_DIRECTORY\"/{}",
                    crate::shell::quote(&file)
                ));
                wrote_schedule |= a == "--schedule" || a == "-s";
                i += 2;
                continue;
            }
            if DROPPED_OPTIONS.contains(&a.as_str()) && !matches!(a.as_str(), "-c" | "-u" | "-g") {
                i += 2;
                continue;
            }
            // A knob of the container's start script (`$QUEUES`, from supervisor's
            // `%(ENV_QUEUES)s`): the value the deployment gives it, nothing when it gives none.
            if let Some(knob) = self.knob(a) {
                words.extend(knob.iter().map(|w| crate::shell::quote(w)));
                i += 1;
                continue;
            }
            words.push(crate::shell::quote(&self.project_word(a)));
            i += 1;
        }
        // celery beat keeps its schedule in the working directory: the source is read-only.
        if *role == Role::Scheduler("celery") && !wrote_schedule {
            words.push("--schedule".into());
            words.push("\"$STATE_DIRECTORY\"/celerybeat-schedule".into());
        }
        if *role == Role::Worker("rq")
            && argv.first().is_some_and(|p| p == "rq")
            && !argv.iter().any(|a| a == "--url" || a == "-u")
        {
            words.insert(2.min(words.len()), "--url \"$REDIS_URL\"".into());
        }
        // A script run by the interpreter (`python app/initial_data.py`, `./manage.py`) is run
        // by the environment's Python: the store has no executable bits to rely on.
        if argv.first().is_some_and(|p| p.ends_with(".py")) && !words.is_empty() {
            words[0] = format!("python {}", words[0]);
        }
        words.join(" ")
    }

    /// A Celery application whose broker is the local Redis, and no deployment file runs its
    /// worker (a guide describes the unit in prose): queued tasks would wait forever, so a
    /// worker runs it (`celery -A proj.celery_app worker`).
    pub(super) fn celery_worker(&mut self) {
        if !self.draft.redis {
            return;
        }
        let runs_worker = self.draft.processes.values().any(|p| match &p.kind {
            ProcessKind::Command(words) => classify(words, &self.scripts) == Role::Worker("celery"),
            ProcessKind::Shell(line) => line.contains("celery") && line.contains("worker"),
            _ => false,
        });
        if runs_worker {
            return;
        }
        let src = self.src.clone();
        let Some((module, _, file, line)) = self
            .found
            .celery
            .iter()
            .find(|(_, _, f, _)| src.is_empty() || f.starts_with(&format!("{src}/")))
            .cloned()
        else {
            return;
        };
        let mut name = "worker".to_string();
        let mut n = 2;
        while self.draft.processes.contains_key(&name) || self.draft.tasks.contains_key(&name) {
            name = format!("worker-{n}");
            n += 1;
        }
        let argv: Vec<String> = vec![
            "celery".into(),
            "-A".into(),
            self.relative_module(&module),
            "worker".into(),
        ];
        self.report.add(
            Source::new(&file, line),
            "Celery application",
            Outcome::Decided(format!(
                "[processes.{name}] `{}`: its broker is the local Redis and no deployment file runs a worker",
                argv.join(" ")
            )),
        );
        self.draft.processes.insert(
            name,
            Process {
                kind: ProcessKind::Command(argv),
                ..Process::default()
            },
        );
    }

    /// The words a lone `$NAME` / `${NAME}` stands for when NAME is a variable of the
    /// container's start script the app does not read: its value there, split into words.
    fn knob(&self, word: &str) -> Option<Vec<String>> {
        let name = word.strip_prefix('$')?;
        let name = name
            .strip_prefix('{')
            .and_then(|n| n.strip_suffix('}'))
            .unwrap_or(name);
        if !self.ev.script_vars.iter().any(|v| v == name) || self.ev.is_read(name) {
            return None;
        }
        let value = self
            .ev
            .env_values
            .iter()
            .rev()
            .find(|v| v.name == name && !v.example)
            .map(|v| v.value.clone())
            .unwrap_or_default();
        Some(crate::shell::words(&value))
    }

    /// The release tasks, in the order the project runs them; the migration first.
    pub(super) fn tasks(&mut self) {
        let roles = self.roles();
        let mut order: Vec<String> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (cmd, role) in &roles {
            if !cmd.origin.release() {
                continue;
            }
            let what = cmd.argv.join(" ");
            let name = match role {
                Role::Migrate => "migrate".to_string(),
                Role::Management(m) => crate::model::suggest_name(m),
                Role::Script(s) => crate::model::suggest_name(
                    s.rsplit('/').next().unwrap_or(s).trim_end_matches(".py"),
                ),
                Role::Wait => {
                    self.report.add(cmd.source.clone(), what, Outcome::Covered("a wait for the database: the units are ordered after it, and wait for it without a time limit".into()));
                    continue;
                }
                Role::Install
                | Role::Plumbing
                | Role::Build
                | Role::Server(_)
                | Role::Worker(_)
                | Role::Scheduler(_) => continue,
                Role::Dev | Role::Admin => {
                    self.report.add(cmd.source.clone(), what, Outcome::Covered("not a step of a deployment (a development server or an administrator's tool)".into()));
                    continue;
                }
                Role::Other => continue,
            };
            if let Some(cond) = &cmd.conditional
                && cond.contains('$')
                && *role != Role::Migrate
            {
                self.report.add(
                    cmd.source.clone(),
                    what,
                    Outcome::Unmapped(format!(
                        "runs only when `{cond}`: opt-in, not added (add a task if you want it)"
                    )),
                );
                continue;
            }
            let sig = signature(&cmd.argv);
            if seen.contains(&sig)
                || (name == "migrate" && self.draft.tasks.contains_key("migrate"))
            {
                continue;
            }
            seen.push(sig);
            if let Some(s) = crate::secrets::command_secret(&cmd.argv) {
                let _ = s;
                self.report.add(
                    cmd.source.clone(),
                    "command",
                    Outcome::Unmapped(crate::import::SECRET_IN_COMMAND.into()),
                );
                continue;
            }
            let mut name = name;
            let mut n = 2;
            // A task and a process would both be the unit `<app>-<name>`.
            while self.draft.tasks.contains_key(&name) || self.draft.processes.contains_key(&name) {
                name = format!("{}-{n}", name);
                n += 1;
            }
            let line = self.command_line(cmd, role);
            self.report.add(
                cmd.source.clone(),
                what,
                Outcome::Mapped(format!("[tasks.{name}] `{line}`, before the processes")),
            );
            self.draft.tasks.insert(
                name.clone(),
                Task {
                    command: Some(line),
                    ..Task::default()
                },
            );
            order.push(name);
        }
        if !self.draft.tasks.contains_key("migrate") {
            self.default_migration();
            if self.draft.tasks.contains_key("migrate") {
                order.insert(0, "migrate".into());
            }
        }
        // Each task after the one the project runs before it (migrations first).
        if let Some(i) = order.iter().position(|t| t == "migrate") {
            let m = order.remove(i);
            order.insert(0, m);
        }
        for pair in order.windows(2) {
            self.plan
                .after
                .insert(pair[1].clone(), vec![pair[0].clone()]);
        }
    }

    /// The framework's migration when no deployment file runs one: Django's `migrate`,
    /// Alembic's `upgrade head` or Flask-Migrate's `flask db upgrade`.
    fn default_migration(&mut self) {
        let flask_migrate = self.python_packages.iter().any(|d| d == "flask-migrate");
        let manage = self.in_source_file("manage.py");
        let (file, what, cmd) = if self.framework == "Django" {
            let cmd = if manage.is_some() {
                "python manage.py migrate --noinput"
            } else {
                "python -m django migrate --noinput"
            };
            (
                manage.clone().unwrap_or_else(|| "manage.py".into()),
                "Django",
                cmd.to_string(),
            )
        } else if let Some(ini) = self.in_source_file("alembic.ini") {
            (
                ini,
                "Alembic",
                if flask_migrate {
                    "flask db upgrade".to_string()
                } else {
                    "alembic upgrade head".to_string()
                },
            )
        } else if flask_migrate && let Some(env) = self.flask_migrations() {
            // `flask db upgrade` reads `migrations/` in its working directory, the package
            // source; one inside the app's package (`app/migrations`) is named.
            let dir = env.trim_end_matches("/env.py");
            let rel = if self.src.is_empty() {
                dir.to_string()
            } else {
                dir.strip_prefix(&format!("{}/", self.src))
                    .unwrap_or(dir)
                    .to_string()
            };
            let cmd = if rel == "migrations" {
                "flask db upgrade".to_string()
            } else {
                format!("flask db upgrade --directory {}", crate::shell::quote(&rel))
            };
            (env, "Flask-Migrate", cmd)
        } else {
            return;
        };
        self.draft.tasks.insert(
            "migrate".into(),
            Task {
                command: Some(cmd.clone()),
                ..Task::default()
            },
        );
        self.report.add(
            Source::new(&file, 0),
            what,
            Outcome::Mapped(format!("[tasks.migrate] `{cmd}` before the processes")),
        );
    }

    /// Flask-Migrate's `migrations/env.py` in the package source, the shallowest first.
    fn flask_migrations(&self) -> Option<String> {
        let prefix = if self.src.is_empty() {
            String::new()
        } else {
            format!("{}/", self.src)
        };
        self.project
            .names
            .iter()
            .filter(|n| {
                n.starts_with(&prefix)
                    && (*n == "migrations/env.py" || n.ends_with("/migrations/env.py"))
            })
            .min_by_key(|n| n.matches('/').count())
            .cloned()
    }

    /// A file at the package source's root, as a project path.
    fn in_source_file(&self, name: &str) -> Option<String> {
        let p = if self.src.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.src)
        };
        self.project.has(&p).then_some(p)
    }

    /// Build steps: what the image builds into the app (static files, compressed assets,
    /// compiled translations), and what the framework needs built when no file says so.
    pub(super) fn build_steps(&mut self) {
        let roles = self.roles();
        let mut steps: BTreeMap<String, (String, Source)> = BTreeMap::new(); // signature → line
        let mut order: Vec<String> = Vec::new();
        for (cmd, role) in &roles {
            if *role != Role::Build {
                continue;
            }
            let what = cmd.argv.join(" ");
            let prog = unwrap(&cmd.argv).first().cloned().unwrap_or_default();
            if ["npm", "yarn", "pnpm", "bun", "npx", "node", "sass"].contains(&prog.as_str()) {
                self.report.add(
                    cmd.source.clone(),
                    what,
                    Outcome::Covered("a frontend build: see [assets.*]".into()),
                );
                continue;
            }
            for (k, v) in &cmd.env {
                if !crate::secrets::is_secret_name(k) && !self.plan.build_env.contains_key(k) {
                    self.plan.build_env.insert(k.clone(), v.clone());
                }
            }
            let sig = build_signature(&cmd.argv);
            if steps.contains_key(&sig) {
                continue;
            }
            let line = self.command_line(cmd, role);
            self.report.add(
                cmd.source.clone(),
                what,
                Outcome::Mapped(format!(
                    "[build] step `{line}`: at build time, into the package"
                )),
            );
            steps.insert(sig.clone(), (line, cmd.source.clone()));
            order.push(sig);
        }
        self.implied_build_steps(&mut steps, &mut order);
        // Django's order: translations, then static files, then their compression.
        let rank = |s: &str| match s {
            x if x.contains("compilemessages")
                || x.contains("compile") && !x.contains("compress") =>
            {
                0
            }
            x if x.contains("collectstatic") => 1,
            x if x.contains("compress") => 2,
            _ => 3,
        };
        order.sort_by_key(|s| rank(s));
        // Static files collected into a directory of the source: nginx serves them from the
        // store (the path Django's STATIC_URL gives them, `/static/` by default).
        if order.iter().any(|s| s.contains("collectstatic"))
            && let Some((dir, s)) = self.ev.static_root.clone()
            && !dir.is_empty()
        {
            let url = self
                .ev
                .setting("STATIC_URL")
                .and_then(|(_, v, _)| {
                    let v = v.trim().trim_matches(['"', '\'']);
                    (v.starts_with('/') && v.ends_with('/') && !v.contains(['{', ' ']))
                        .then(|| v.to_string())
                })
                .unwrap_or_else(|| "/static/".into());
            self.report.add(s, format!("STATIC_ROOT {dir}"), Outcome::Mapped(format!("[sites.main] route {url:?} = {{ source = {dir:?} }}: collected at build time, served by nginx from the store")));
            self.plan.source_routes.insert(url, dir);
        }
        for sig in order {
            if let Some((line, _)) = steps.get(&sig) {
                self.plan.build_steps.push(line.clone());
                if line.contains("compilemessages")
                    && !self.plan.build_packages.iter().any(|p| p == "gettext")
                {
                    self.plan.build_packages.push("gettext".into());
                }
            }
        }
    }

    /// Steps a framework needs whether or not a file runs them: Django's `collectstatic` when
    /// it has static files, `compress` for offline compression, compiled translations when the
    /// tree has `.po` files and no `.mo` beside them.
    fn implied_build_steps(
        &mut self,
        steps: &mut BTreeMap<String, (String, Source)>,
        order: &mut Vec<String>,
    ) {
        let django = self.framework == "Django";
        let mut add = |sig: &str,
                       line: String,
                       source: Source,
                       why: &str,
                       report: &mut crate::draft::Report| {
            // A deployment file may run the same command (`pybabel compile -d DIR`).
            if steps.contains_key(sig) || steps.values().any(|(l, _)| *l == line) {
                return;
            }
            report.add(
                source.clone(),
                why.to_string(),
                Outcome::Decided(format!(
                    "[build] step `{line}`: at build time, into the package"
                )),
            );
            steps.insert(sig.to_string(), (line, source));
            order.push(sig.to_string());
        };
        let manage = if self.in_source_file("manage.py").is_some() {
            "python manage.py"
        } else {
            "python -m django"
        };
        if django
            && let Some((_, apps, s)) = self.ev.setting("INSTALLED_APPS").cloned()
            && apps.contains("django.contrib.staticfiles")
        {
            add(
                "collectstatic",
                format!("{manage} collectstatic --noinput"),
                s.clone(),
                "django.contrib.staticfiles",
                &mut self.report,
            );
            if apps.contains("compressor")
                && self
                    .ev
                    .setting("COMPRESS_OFFLINE")
                    .is_some_and(|(_, v, _)| v.trim() == "True")
            {
                add(
                    "compress",
                    format!("{manage} compress"),
                    s,
                    "COMPRESS_OFFLINE = True",
                    &mut self.report,
                );
            }
        }
        // Translations: `.po` files without their `.mo`.
        let po: Vec<&String> = self
            .project
            .names
            .iter()
            .filter(|n| n.ends_with(".po") && n.contains("LC_MESSAGES"))
            .collect();
        let missing_mo = po.iter().any(|p| {
            !self
                .project
                .has(&format!("{}.mo", p.trim_end_matches(".po")))
        });
        if missing_mo && let Some(first) = po.first() {
            let source = Source::new(first, 0);
            if django {
                add(
                    "compilemessages",
                    format!("{manage} compilemessages"),
                    source,
                    "translations without compiled .mo files",
                    &mut self.report,
                );
            } else if self
                .python_packages
                .iter()
                .any(|p| p == "flask-babel" || p == "babel")
            {
                // The translations directory: the parent of the language directories.
                let dir = first
                    .split("/LC_MESSAGES")
                    .next()
                    .unwrap_or("")
                    .rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .unwrap_or_default();
                if let Some(rel) = self.in_source(&dir) {
                    add(
                        "pybabel compile",
                        format!("pybabel compile -d {}", crate::shell::quote(&rel)),
                        source,
                        "translations without compiled .mo files",
                        &mut self.report,
                    );
                }
            }
        }
    }

    /// `[health] path`: a container's or Compose's health check first, then a health route of
    /// the sources.
    pub(super) fn health(&mut self) {
        let from_deploy = self.ev.health.first().cloned();
        let found = from_deploy.or_else(|| {
            self.found
                .health
                .first()
                .map(|(p, f, l)| (p.clone(), Source::new(f, *l)))
        });
        if let Some((p, s)) = found
            && self.draft.processes.contains_key("web")
        {
            self.report.add(
                s,
                format!("health check {p}"),
                Outcome::Mapped(format!("[health] path = {p:?}")),
            );
            self.draft.health = Some((p, None));
        }
    }
}

/// Build steps are one when they run the same framework command.
fn build_signature(argv: &[String]) -> String {
    let w = unwrap(argv);
    if let Some((_, cmd, _)) = subcommand(&w) {
        return cmd.replace("translate compile", "pybabel compile");
    }
    signature(argv)
}

/// The value of the first of `names` among `argv` (`--workers 4`, `--workers=4`).
fn option_value(argv: &[String], names: &[&str]) -> Option<String> {
    for (i, a) in argv.iter().enumerate() {
        for n in names {
            if a == n {
                return argv.get(i + 1).cloned();
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                return Some(v.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_ignore_wrappers_and_paths() {
        let a = crate::shell::words("/home/u/venv/bin/rq worker blog-tasks");
        let b = crate::shell::words("rq worker blog-tasks");
        assert_eq!(signature(&a), signature(&b));
        assert_eq!(
            build_signature(&crate::shell::words(
                "python3 manage.py collectstatic --no-input"
            )),
            "collectstatic"
        );
    }
}
