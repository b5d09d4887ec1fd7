//! A description being assembled by `init` or `import`, and its text: a commented
//! `app2nix.toml` in the order a person would write it. Every value is written as a TOML string
//! through the `toml` crate, so nothing read from a project or a deployment file can change the
//! description's structure.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::secrets::mask;

/// Where a decision came from, for the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Source {
    /// File, as given on the command line or relative to the project.
    pub file: String,
    /// 1-based line, 0 when the decision concerns the whole file.
    pub line: usize,
}

impl Source {
    /// `file:line`.
    pub fn new(file: &str, line: usize) -> Self {
        Source {
            file: file.to_string(),
            line,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// What happened to one thing found in the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Became part of the description.
    Mapped(String),
    /// Covered by what app2nix generates anyway (nothing to write).
    Covered(String),
    /// A choice made without certainty: check it.
    Decided(String),
    /// Could not be expressed: listed so nothing is dropped silently (`--strict` fails on it).
    Unmapped(String),
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Where.
    pub source: Source,
    /// What was found (`ExecStart=…`, `server_name …`).
    pub what: String,
    /// What became of it.
    pub outcome: Outcome,
}

/// The report of an `init` or `import` run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Findings in the order they were made.
    pub findings: Vec<Finding>,
}

/// Longest text of a finding shown in the report.
pub const SHOWN_CHARS: usize = 400;

/// `text` cut to [`SHOWN_CHARS`] characters, with `…` where it was cut.
fn cut(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl Report {
    /// Record a finding. What it shows passes through [`crate::secrets::mask`]: no value that
    /// looks secret reaches the report, whatever the caller wrote; and through
    /// [`crate::diagnostic::escaped`]: no control character reaches the terminal.
    /// A finding's texts are also cut to [`SHOWN_CHARS`]: a 400 KB line of the input is named,
    /// not echoed.
    pub fn add(&mut self, source: Source, what: impl Into<String>, outcome: Outcome) {
        // Escaped too: a name read from an input (a dependency, a file) cannot forge a line.
        let shown = |t: &str| crate::diagnostic::escaped(&cut(&mask(t)));
        let source = Source {
            file: crate::diagnostic::escaped(&source.file),
            line: source.line,
        };
        let outcome = match outcome {
            Outcome::Mapped(t) => Outcome::Mapped(shown(&t)),
            Outcome::Covered(t) => Outcome::Covered(shown(&t)),
            Outcome::Decided(t) => Outcome::Decided(shown(&t)),
            Outcome::Unmapped(t) => Outcome::Unmapped(shown(&t)),
        };
        self.findings.push(Finding {
            source,
            what: shown(&what.into()),
            outcome,
        });
    }

    /// Findings that could not be mapped.
    pub fn unmapped(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| matches!(f.outcome, Outcome::Unmapped(_)))
            .count()
    }

    /// The report as printed on stderr.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let (tag, text) = match &f.outcome {
                Outcome::Mapped(t) => ("mapped", t),
                Outcome::Covered(t) => ("covered", t),
                Outcome::Decided(t) => ("decided", t),
                Outcome::Unmapped(t) => ("not mapped", t),
            };
            let _ = writeln!(out, "{}: {}: {tag}: {text}", f.source, f.what);
        }
        let unmapped = self.unmapped();
        if unmapped > 0 {
            let _ = writeln!(
                out,
                "{unmapped} item(s) could not be mapped (listed above as `not mapped`); review them before deploying"
            );
        }
        out
    }
}

/// A process.
#[derive(Debug, Clone, Default)]
pub struct Process {
    /// One-line description.
    pub description: Option<String>,
    /// `wsgi`, `asgi` or `command`.
    pub kind: ProcessKind,
    /// `HOST:PORT` or `unix`.
    pub listen: Option<String>,
    /// Server workers.
    pub workers: Option<i64>,
    /// gunicorn `--timeout`.
    pub timeout: Option<i64>,
    /// gunicorn `--max-requests`, uvicorn `--limit-max-requests`.
    pub max_requests: Option<i64>,
    /// gunicorn `--keep-alive`, uvicorn `--timeout-keep-alive`.
    pub keepalive: Option<i64>,
    /// `server`, when not the default of the interface (`granian`, `hypercorn`, `daphne`,
    /// `uwsgi`, or `gunicorn` for an ASGI app).
    pub server: Option<String>,
    /// gunicorn's worker class (`gthread`, `gevent`, `eventlet`), when not the default.
    pub worker_class: Option<String>,
    /// Threads per worker.
    pub threads: Option<i64>,
    /// gunicorn `--preload` (`true`); uWSGI's lazy apps (`false`).
    pub preload: Option<bool>,
    /// gunicorn `--max-requests-jitter`.
    pub max_requests_jitter: Option<i64>,
    /// `Some(false)`: no access log.
    pub access_log: Option<bool>,
    /// Identical units of a worker.
    pub instances: Option<i64>,
    /// nixpkgs attributes on the unit's `PATH`.
    pub path: Vec<String>,
    /// Process-only environment.
    pub env: BTreeMap<String, String>,
}

/// What a process runs.
#[derive(Debug, Clone)]
pub enum ProcessKind {
    /// gunicorn, `module:variable`.
    Wsgi(String),
    /// uvicorn, `module:variable`.
    Asgi(String),
    /// Anything else, as an argument vector.
    Command(Vec<String>),
    /// A shell command line (it reads variables such as `$STATE_DIRECTORY` or `$REDIS_URL`).
    Shell(String),
}

impl Default for ProcessKind {
    fn default() -> Self {
        ProcessKind::Command(Vec::new())
    }
}

/// A task.
#[derive(Debug, Clone, Default)]
pub struct Task {
    /// One-line description.
    pub description: Option<String>,
    /// Shell command line.
    pub command: Option<String>,
    /// SQL file relative to the source.
    pub sql: Option<String>,
    /// Run once per machine.
    pub once: bool,
    /// Tasks it runs after.
    pub after: Vec<String>,
    /// nixpkgs attributes on the unit's `PATH`.
    pub path: Vec<String>,
}

/// An asset: a directory of files, or an npm project built from source.
#[derive(Debug, Clone, Default)]
pub struct AssetDraft {
    /// Its directory.
    pub src: String,
    /// A single-page app.
    pub spa: bool,
    /// Build-time environment of an npm build (`[assets.*] build_env`).
    pub build_env: BTreeMap<String, String>,
    /// Where the app reads the build in its source tree (`[assets.*] into`).
    pub into: Option<String>,
    /// The build command, when not the default `build` script (`[assets.*] build`).
    pub build: Option<String>,
    /// The output directory, when the model would not find it (`[assets.*] out`).
    pub out: Option<String>,
}

/// A route target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A process; `true` when the route's prefix is stripped before proxying.
    Process(String, bool),
    /// A process whose responses nginx passes on unbuffered (`buffering = false`: server-sent
    /// events).
    Unbuffered(String),
    /// An asset.
    Asset(String),
    /// A redirect.
    Redirect(String, Option<i64>),
    /// A directory of the built source tree.
    Source(String),
}

/// `[build]`: steps run when the package builds.
#[derive(Debug, Clone, Default)]
pub struct BuildDraft {
    /// Shell command lines.
    pub steps: Vec<String>,
    /// Build-only environment.
    pub env: BTreeMap<String, String>,
    /// nixpkgs attributes on the steps' `PATH`.
    pub packages: Vec<String>,
}

/// `[files.<name>]`: a configuration file rendered at start.
#[derive(Debug, Clone, Default)]
pub struct FileDraft {
    /// Where the app reads it, relative to the package source.
    pub path: Option<String>,
    /// A variable naming it.
    pub env: Option<String>,
    /// `python`, `json`, `yaml`, `toml` or `text` (default from the extension).
    pub format: Option<String>,
    /// A template file of the project.
    pub template: Option<String>,
    /// The template itself (when there is no `template`).
    pub text: Option<String>,
}

/// A site.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Domains (first = server name).
    pub domains: Vec<String>,
    /// `acme` (default), `none`, or certificate files.
    pub tls: Tls,
    /// `client_max_body_size`.
    pub client_max_body_size: Option<String>,
    /// `proxy_read_timeout`.
    pub proxy_read_timeout: Option<String>,
    /// Routes by path.
    pub routes: Vec<(String, Route)>,
}

/// A site's TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Tls {
    /// Let's Encrypt.
    #[default]
    Acme,
    /// Plain HTTP.
    None,
}

/// The description being built.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Comment lines at the top.
    pub intro: Vec<String>,
    /// `[app] name`.
    pub name: Option<String>,
    /// `[app] description`.
    pub description: Option<String>,
    /// `[package.python] src`.
    pub python_src: Option<String>,
    /// `[package.python] version`: only when nixpkgs' python3 does not suit the project.
    pub python_version: Option<String>,
    /// `[package.python] layout = "pyproject"`.
    pub pyproject: bool,
    /// `[package.python] lock = false`: a `uv.lock` is there but not built from.
    pub no_lock: bool,
    /// `[package.python] groups`: extras and dependency groups of the lock the environment holds.
    pub groups: Vec<String>,
    /// `[package.python] dependencies`.
    pub dependencies: Vec<String>,
    /// `[package.python.native.<package>] libraries`: packages of the lock that load a shared
    /// library by name at run time, with the nixpkgs attributes that hold it.
    pub native_libraries: BTreeMap<String, Vec<String>>,
    /// `[assets.*]`: src and SPA flag.
    pub assets: BTreeMap<String, AssetDraft>,
    /// `[processes.*]`.
    pub processes: BTreeMap<String, Process>,
    /// `[tasks.*]`.
    pub tasks: BTreeMap<String, Task>,
    /// `[env]`.
    pub env: BTreeMap<String, String>,
    /// Names of `[env]` whose value is declared public (`{ value = "…", public = true }`): the
    /// classification takes the name for a secret's.
    pub public_env: std::collections::BTreeSet<String>,
    /// `[secrets]`: name → delivery.
    pub secrets: BTreeMap<String, String>,
    /// Secrets that are optional (`{ delivery = "…", optional = true }`).
    pub optional_secrets: std::collections::BTreeSet<String>,
    /// `[build]`.
    pub build: Option<BuildDraft>,
    /// `[files.*]`.
    pub files: BTreeMap<String, FileDraft>,
    /// `[state] logs`.
    pub logs: bool,
    /// `[state] dirs`: subdirectories of the state directory.
    pub state_dirs: Vec<String>,
    /// `[postgresql] driver`.
    pub postgresql: Option<Option<String>>,
    /// `[mysql] driver`.
    pub mysql: Option<Option<String>>,
    /// `url` of `[postgresql]` or `[mysql]`: the library that reads the URL.
    pub database_url_reader: Option<String>,
    /// `parts` of `[postgresql]` or `[mysql]`: part (`host`, `port`, `socket`, `name`, `user`)
    /// → the variable receiving it.
    pub database_parts: BTreeMap<String, String>,
    /// `[sqlite]`: the database file (in the state directory) and the driver.
    pub sqlite: Option<(Option<String>, Option<String>)>,
    /// `url_env` of the database section, when the URL variable is not `DATABASE_URL`.
    pub database_url_env: Option<String>,
    /// `[redis]`.
    pub redis: bool,
    /// `[redis] urls`: variable → the library that reads it and the database.
    pub redis_urls: BTreeMap<String, (String, u32)>,
    /// `[redis] tcp`.
    pub redis_tcp: bool,
    /// `[health] path` and process.
    pub health: Option<(String, Option<String>)>,
    /// `[sites.*]`, in order.
    pub sites: Vec<(String, Site)>,
    /// `[acme]`: email and shared certificate.
    pub acme: Option<(String, bool)>,
    /// Comments above a section, by its header (`processes.web`).
    pub comments: BTreeMap<String, Vec<String>>,
    /// A site written as comments (name, site, ACME email): `init` cannot know the domain.
    pub commented_sites: Option<(String, Site, String)>,
    /// `[metrics]`.
    pub metrics: Option<MetricsDraft>,
    /// `[alerts]`, written as comments: the deployment reported failed units (the `OnFailure=`
    /// value it had), but where alerts go is the user's to say.
    pub commented_alerts: Option<String>,
}

/// `[metrics]`: nginx's exporter and the app's own metrics path.
#[derive(Debug, Clone, Default)]
pub struct MetricsDraft {
    /// `nginx_exporter = true`.
    pub nginx_exporter: bool,
    /// `path`.
    pub path: Option<String>,
}

/// A TOML string literal.
pub fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML key: bare when it can be, otherwise a one-line basic string (multi-line strings, which
/// `toml` may choose for values, are not allowed as keys).
pub fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| toml_str(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `{ key = "value", ... }`, every key and value through the `toml` crate.
fn inline_table(map: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{} = {}", toml_key(k), toml_str(v)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

/// One-line comment text (line breaks would end the comment).
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl Draft {
    fn section(&self, out: &mut String, header: &str) {
        out.push('\n');
        for c in self.comments.get(header).into_iter().flatten() {
            let _ = writeln!(out, "# {}", comment(c));
        }
        let _ = writeln!(out, "[{header}]");
    }

    /// The description as TOML text: every value through the `toml` crate, so no text can
    /// add a table or a key.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for line in &self.intro {
            let _ = writeln!(out, "# {}", comment(line));
        }
        self.app_toml(&mut out);
        self.package_toml(&mut out);
        for (name, p) in &self.processes {
            self.process_toml(&mut out, name, p);
        }
        for (name, t) in &self.tasks {
            self.task_toml(&mut out, name, t);
        }
        self.variables_toml(&mut out);
        self.build_toml(&mut out);
        self.data_toml(&mut out);
        for (name, s) in &self.sites {
            out.push_str(&site_toml(name, s, &self.comments));
        }
        self.acme_toml(&mut out);
        self.monitoring_toml(&mut out);
        self.commented_site_toml(&mut out);
        out
    }

    /// `[metrics]`, and `[alerts]` as comments to fill in.
    fn monitoring_toml(&self, out: &mut String) {
        if let Some(m) = &self.metrics {
            self.section(out, "metrics");
            if m.nginx_exporter {
                let _ = writeln!(out, "nginx_exporter = true");
            }
            if let Some(p) = &m.path {
                let _ = writeln!(out, "path = {}", toml_str(p));
            }
        }
        if let Some(on_failure) = &self.commented_alerts {
            let _ = writeln!(
                out,
                "\n# The units reported their failures (`OnFailure={}`): say where alerts go, then\n# uncomment (see the README's \"Monitoring\").\n# [alerts]\n# email = [\"ops@example.org\"]",
                comment(on_failure)
            );
        }
    }

    fn app_toml(&self, out: &mut String) {
        self.section(out, "app");
        let _ = writeln!(
            out,
            "name = {}",
            toml_str(self.name.as_deref().unwrap_or("app"))
        );
        if let Some(d) = &self.description {
            let _ = writeln!(out, "description = {}", toml_str(d));
        }
    }

    /// `[package.python]` and the assets.
    fn package_toml(&self, out: &mut String) {
        self.section(out, "package.python");
        let _ = writeln!(
            out,
            "src = {}",
            toml_str(self.python_src.as_deref().unwrap_or("."))
        );
        if let Some(v) = &self.python_version {
            let _ = writeln!(out, "version = {}", toml_str(v));
        }
        if self.pyproject {
            let _ = writeln!(out, "layout = \"pyproject\"");
        }
        if self.no_lock {
            let _ = writeln!(out, "lock = false");
        }
        if !self.groups.is_empty() {
            let _ = writeln!(out, "groups = {}", list(&self.groups));
        }
        if !self.dependencies.is_empty() {
            let _ = writeln!(out, "dependencies = {}", list(&self.dependencies));
        }
        for (package, libraries) in &self.native_libraries {
            self.section(out, &format!("package.python.native.{}", toml_key(package)));
            let _ = writeln!(out, "libraries = {}", list(libraries));
        }
        for (name, a) in &self.assets {
            self.section(out, &format!("assets.{}", toml_key(name)));
            let _ = writeln!(out, "src = {}", toml_str(&a.src));
            let _ = writeln!(
                out,
                "kind = {}",
                toml_str(if a.spa { "spa" } else { "static" })
            );
            if !a.build_env.is_empty() {
                let pairs: Vec<String> = a
                    .build_env
                    .iter()
                    .map(|(k, v)| format!("{} = {}", toml_key(k), toml_str(v)))
                    .collect();
                let _ = writeln!(out, "build_env = {{ {} }}", pairs.join(", "));
            }
            if let Some(b) = &a.build {
                let _ = writeln!(out, "build = {}", toml_str(b));
            }
            if let Some(o) = &a.out {
                let _ = writeln!(out, "out = {}", toml_str(o));
            }
            if let Some(i) = &a.into {
                let _ = writeln!(out, "into = {}", toml_str(i));
            }
        }
    }

    fn process_toml(&self, out: &mut String, name: &str, p: &Process) {
        self.section(out, &format!("processes.{}", toml_key(name)));
        if let Some(d) = &p.description {
            let _ = writeln!(out, "description = {}", toml_str(d));
        }
        match &p.kind {
            ProcessKind::Wsgi(app) => {
                let _ = writeln!(out, "wsgi = {}", toml_str(app));
            }
            ProcessKind::Asgi(app) => {
                let _ = writeln!(out, "asgi = {}", toml_str(app));
            }
            ProcessKind::Command(args) => {
                let _ = writeln!(out, "command = {}", list(args));
            }
            ProcessKind::Shell(line) => {
                let _ = writeln!(out, "command = {}", toml_str(line));
            }
        }
        if let Some(l) = &p.listen {
            let _ = writeln!(out, "listen = {}", toml_str(l));
        }
        for (key, value) in [("server", &p.server), ("worker_class", &p.worker_class)] {
            if let Some(v) = value {
                let _ = writeln!(out, "{key} = {}", toml_str(v));
            }
        }
        for (key, value) in [
            ("workers", p.workers),
            ("threads", p.threads),
            ("timeout", p.timeout),
            ("max_requests", p.max_requests),
            ("max_requests_jitter", p.max_requests_jitter),
            ("keepalive", p.keepalive),
            ("instances", p.instances),
        ] {
            if let Some(v) = value {
                let _ = writeln!(out, "{key} = {v}");
            }
        }
        for (key, value) in [("preload", p.preload), ("access_log", p.access_log)] {
            if let Some(v) = value {
                let _ = writeln!(out, "{key} = {v}");
            }
        }
        if !p.path.is_empty() {
            let _ = writeln!(out, "path = {}", list(&p.path));
        }
        if !p.env.is_empty() {
            let pairs: Vec<String> = p
                .env
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_str(v)))
                .collect();
            let _ = writeln!(out, "env = {{ {} }}", pairs.join(", "));
        }
    }

    fn task_toml(&self, out: &mut String, name: &str, t: &Task) {
        self.section(out, &format!("tasks.{}", toml_key(name)));
        if let Some(d) = &t.description {
            let _ = writeln!(out, "description = {}", toml_str(d));
        }
        if let Some(c) = &t.command {
            let _ = writeln!(out, "command = {}", toml_str(c));
        }
        if let Some(s) = &t.sql {
            let _ = writeln!(out, "sql = {}", toml_str(s));
        }
        if t.once {
            let _ = writeln!(out, "once = true");
        }
        if !t.after.is_empty() {
            let _ = writeln!(out, "after = {}", list(&t.after));
        }
        if !t.path.is_empty() {
            let _ = writeln!(out, "path = {}", list(&t.path));
        }
    }

    /// `[env]` and `[secrets]` (names and deliveries only).
    fn variables_toml(&self, out: &mut String) {
        if !self.env.is_empty() {
            self.section(out, "env");
            for (k, v) in &self.env {
                if self.public_env.contains(k) {
                    let _ = writeln!(
                        out,
                        "{} = {{ value = {}, public = true }}",
                        toml_key(k),
                        toml_str(v)
                    );
                } else {
                    let _ = writeln!(out, "{} = {}", toml_key(k), toml_str(v));
                }
            }
        }
        if !self.secrets.is_empty() {
            self.section(out, "secrets");
            for (k, v) in &self.secrets {
                if self.optional_secrets.contains(k) {
                    let _ = writeln!(
                        out,
                        "{} = {{ delivery = {}, optional = true }}",
                        toml_key(k),
                        toml_str(v)
                    );
                } else {
                    let _ = writeln!(out, "{} = {}", toml_key(k), toml_str(v));
                }
            }
        }
    }

    /// `[build]` and `[files.*]`.
    fn build_toml(&self, out: &mut String) {
        if let Some(b) = &self.build {
            self.section(out, "build");
            if !b.steps.is_empty() {
                let _ = writeln!(out, "steps = {}", list(&b.steps));
            }
            if !b.env.is_empty() {
                let pairs: Vec<String> = b
                    .env
                    .iter()
                    .map(|(k, v)| format!("{} = {}", toml_key(k), toml_str(v)))
                    .collect();
                let _ = writeln!(out, "env = {{ {} }}", pairs.join(", "));
            }
            if !b.packages.is_empty() {
                let _ = writeln!(out, "packages = {}", list(&b.packages));
            }
        }
        for (name, f) in &self.files {
            self.section(out, &format!("files.{}", toml_key(name)));
            for (key, value) in [
                ("path", &f.path),
                ("env", &f.env),
                ("format", &f.format),
                ("template", &f.template),
                ("text", &f.text),
            ] {
                if let Some(v) = value {
                    let _ = writeln!(out, "{key} = {}", toml_str(v));
                }
            }
        }
    }

    /// `[state]`, the database, `[redis]` and `[health]`.
    fn data_toml(&self, out: &mut String) {
        if self.logs || !self.state_dirs.is_empty() {
            self.section(out, "state");
            if !self.state_dirs.is_empty() {
                let _ = writeln!(out, "dirs = {}", list(&self.state_dirs));
            }
            if self.logs {
                let _ = writeln!(out, "logs = true");
            }
        }
        for (header, driver) in [("postgresql", &self.postgresql), ("mysql", &self.mysql)] {
            let Some(driver) = driver else {
                continue;
            };
            self.section(out, header);
            if let Some(d) = driver {
                let _ = writeln!(out, "driver = {}", toml_str(d));
            }
            if let Some(r) = &self.database_url_reader {
                let _ = writeln!(out, "url = {}", toml_str(r));
            }
            if let Some(u) = &self.database_url_env {
                let _ = writeln!(out, "url_env = {}", toml_str(u));
            }
            if !self.database_parts.is_empty() {
                let _ = writeln!(out, "parts = {}", inline_table(&self.database_parts));
            }
        }
        if let Some((path, driver)) = &self.sqlite {
            self.section(out, "sqlite");
            if let Some(p) = path {
                let _ = writeln!(out, "path = {}", toml_str(p));
            }
            if let Some(d) = driver {
                let _ = writeln!(out, "driver = {}", toml_str(d));
            }
            if let Some(u) = &self.database_url_env {
                let _ = writeln!(out, "url_env = {}", toml_str(u));
            }
        }
        if self.redis {
            self.section(out, "redis");
            if self.redis_tcp {
                let _ = writeln!(out, "tcp = true");
            }
            if !self.redis_urls.is_empty() {
                let urls: Vec<String> = self
                    .redis_urls
                    .iter()
                    .map(|(k, (library, db))| match db {
                        0 => format!("{} = {}", toml_key(k), toml_str(library)),
                        n => format!(
                            "{} = {{ library = {}, db = {n} }}",
                            toml_key(k),
                            toml_str(library)
                        ),
                    })
                    .collect();
                let _ = writeln!(out, "urls = {{ {} }}", urls.join(", "));
            }
        }
        if let Some((path, process)) = &self.health {
            self.section(out, "health");
            let _ = writeln!(out, "path = {}", toml_str(path));
            if let Some(p) = process {
                let _ = writeln!(out, "process = {}", toml_str(p));
            }
        }
    }

    fn acme_toml(&self, out: &mut String) {
        if let Some((email, shared)) = &self.acme {
            self.section(out, "acme");
            let _ = writeln!(out, "email = {}", toml_str(email));
            let _ = writeln!(out, "accept_terms = true");
            if *shared {
                let _ = writeln!(out, "certificate = \"shared\"");
            }
        }
    }

    /// The site `init` cannot know (its domain), written as comments to fill in.
    fn commented_site_toml(&self, out: &mut String) {
        let Some((name, site, email)) = &self.commented_sites else {
            return;
        };
        out.push_str("\n# The public site: set its domain(s) and your email, then uncomment.\n");
        let mut text = site_toml(name, site, &BTreeMap::new());
        text.push_str(&format!(
            "\n[acme]\nemail = {}\naccept_terms = true\n",
            toml_str(email)
        ));
        for l in text.lines().skip_while(|l| l.is_empty()) {
            if l.is_empty() {
                out.push_str("#\n");
            } else {
                let _ = writeln!(out, "# {l}");
            }
        }
    }
}

/// One `[sites.<name>]` table and its routes.
fn site_toml(name: &str, s: &Site, comments: &BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::from("\n");
    for c in comments.get(&format!("sites.{name}")).into_iter().flatten() {
        let _ = writeln!(out, "# {}", comment(c));
    }
    let _ = writeln!(out, "[sites.{}]", toml_key(name));
    let _ = writeln!(out, "domains = {}", list(&s.domains));
    if s.tls == Tls::None {
        let _ = writeln!(out, "tls = \"none\"");
    }
    if let Some(v) = &s.client_max_body_size {
        let _ = writeln!(out, "client_max_body_size = {}", toml_str(v));
    }
    if let Some(v) = &s.proxy_read_timeout {
        let _ = writeln!(out, "proxy_read_timeout = {}", toml_str(v));
    }
    if !s.routes.is_empty() {
        let _ = writeln!(out, "\n[sites.{}.routes]", toml_key(name));
        for (path, r) in &s.routes {
            let _ = writeln!(out, "{} = {}", toml_str(path), route_toml(r));
        }
    }
    out
}

/// A route's target as an inline TOML value.
fn route_toml(r: &Route) -> String {
    match r {
        Route::Process(p, false) => toml_str(p),
        Route::Process(p, true) => format!("{{ process = {}, strip_prefix = true }}", toml_str(p)),
        Route::Unbuffered(p) => format!("{{ process = {}, buffering = false }}", toml_str(p)),
        Route::Asset(a) => format!("{{ asset = {} }}", toml_str(a)),
        Route::Redirect(url, Some(c)) => format!("{{ redirect = {}, code = {c} }}", toml_str(url)),
        Route::Redirect(url, None) => format!("{{ redirect = {} }}", toml_str(url)),
        Route::Source(dir) => format!("{{ source = {} }}", toml_str(dir)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_lines_are_named_not_echoed() {
        // A regression: `init` echoed a 30,000-character Procfile line whole.
        let mut r = Report::default();
        let line = format!("web: {}", "(".repeat(30_000));
        r.add(
            Source {
                file: "Procfile".into(),
                line: 1,
            },
            line,
            Outcome::Mapped("é".repeat(500)),
        );
        let shown = r.render();
        assert!(shown.len() < 2500, "{} bytes", shown.len());
        assert!(shown.contains("…"));
    }

    #[test]
    fn values_cannot_change_the_structure() {
        let mut d = Draft {
            name: Some("demo".into()),
            ..Draft::default()
        };
        d.env.insert("X".into(), "a\"\n[secrets]\nY = \"env".into());
        d.intro.push("line\n[evil]".into());
        let text = d.to_toml();
        let table: toml::Table = text.parse().expect("valid TOML");
        assert_eq!(
            table["env"]["X"].as_str(),
            Some("a\"\n[secrets]\nY = \"env")
        );
        assert!(!table.contains_key("evil") && !table.contains_key("secrets"));
    }

    /// What issue 23 added to the description (build steps, configuration files, public values,
    /// optional secrets, source routes) is written as a description `check` reads back.
    #[test]
    fn build_files_and_secrets_parse_back() {
        let mut d = Draft {
            name: Some("demo".into()),
            python_src: Some("app".into()),
            ..Draft::default()
        };
        d.env.insert("ALLOWED_HOSTS".into(), "{{domains}}".into());
        d.env.insert("AUTH_PROXY_TRUSTED_IPS".into(), String::new());
        d.public_env.insert("AUTH_PROXY_TRUSTED_IPS".into());
        d.secrets.insert("SECRET_KEY".into(), "env".into());
        d.secrets.insert("SENTRY_DSN".into(), "file".into());
        d.optional_secrets.insert("SENTRY_DSN".into());
        d.build = Some(BuildDraft {
            steps: vec!["python manage.py collectstatic --noinput".into()],
            env: [("DEBUG".to_string(), "False".to_string())].into(),
            packages: vec!["gettext".into()],
        });
        d.files.insert(
            "config".into(),
            FileDraft {
                path: Some("inventory/configuration.py".into()),
                text: Some("SECRET_KEY = {{secret.SECRET_KEY}}\n".into()),
                ..FileDraft::default()
            },
        );
        d.sites.push((
            "main".into(),
            Site {
                domains: vec!["demo.example.org".into()],
                routes: vec![("/static/".into(), Route::Source("static-collected".into()))],
                ..Site::default()
            },
        ));
        let text = d.to_toml();
        let desc = crate::description::parse(&text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        assert_eq!(
            desc.build.as_ref().map(|b| b.steps.len()),
            Some(1),
            "{text}"
        );
        assert!(desc.files.contains_key("config"), "{text}");
        assert!(desc.secrets["SENTRY_DSN"].optional(), "{text}");
        assert!(
            matches!(&*desc.env["AUTH_PROXY_TRUSTED_IPS"], crate::description::EnvValue::Public(p) if p.public),
            "{text}"
        );
        let routes = &desc.sites["main"].routes;
        assert!(
            matches!(&*routes["/static/"], crate::description::Route::Table(t) if t.source.is_some()),
            "{text}"
        );
    }

    /// The keys of processes, tasks and routes written for `init` and `import` parse back as the
    /// description they mean.
    #[test]
    fn process_task_and_route_keys_parse_back() {
        let mut d = Draft {
            name: Some("demo".into()),
            dependencies: vec!["flask".into(), "rq".into()],
            ..Draft::default()
        };
        d.processes.insert(
            "web".into(),
            Process {
                kind: ProcessKind::Wsgi("demo.wsgi:app".into()),
                listen: Some("127.0.0.1:8000".into()),
                worker_class: Some("gevent".into()),
                max_requests: Some(1000),
                max_requests_jitter: Some(100),
                preload: Some(true),
                access_log: Some(false),
                path: vec!["git".into()],
                ..Process::default()
            },
        );
        d.processes.insert(
            "api".into(),
            Process {
                kind: ProcessKind::Asgi("demo.asgi:app".into()),
                listen: Some("127.0.0.1:8001".into()),
                server: Some("granian".into()),
                threads: None,
                ..Process::default()
            },
        );
        d.processes.insert(
            "worker".into(),
            Process {
                kind: ProcessKind::Command(vec!["rq".into(), "worker".into()]),
                instances: Some(3),
                ..Process::default()
            },
        );
        d.tasks.insert(
            "migrate".into(),
            Task {
                command: Some("flask db upgrade".into()),
                ..Task::default()
            },
        );
        d.tasks.insert(
            "seed".into(),
            Task {
                command: Some("flask seed".into()),
                once: true,
                after: vec!["migrate".into()],
                path: vec!["gettext".into()],
                ..Task::default()
            },
        );
        d.sites.push((
            "main".into(),
            Site {
                domains: vec!["demo.example.org".into()],
                tls: Tls::None,
                routes: vec![
                    ("/".into(), Route::Process("web".into(), false)),
                    ("/events".into(), Route::Unbuffered("web".into())),
                ],
                ..Site::default()
            },
        ));
        let text = d.to_toml();
        let desc = crate::description::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let web = &desc.processes["web"];
        assert_eq!(
            web.worker_class.as_deref().map(String::as_str),
            Some("gevent")
        );
        assert_eq!(web.max_requests_jitter.as_deref(), Some(&100));
        assert_eq!(web.preload.as_deref(), Some(&true));
        assert_eq!(web.access_log.as_deref(), Some(&false));
        assert_eq!(web.path.len(), 1);
        assert_eq!(
            desc.processes["api"].server.as_deref().map(String::as_str),
            Some("granian")
        );
        assert_eq!(desc.processes["worker"].instances.as_deref(), Some(&3));
        assert_eq!(desc.tasks["seed"].after[0].as_str(), "migrate");
        assert_eq!(desc.tasks["seed"].path[0].as_str(), "gettext");
        let route = &desc.sites["main"].routes["/events"];
        assert!(
            matches!(&**route, crate::description::Route::Table(t) if t.buffering == Some(false)),
            "{text}"
        );
        // And it is a valid description.
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("app")).expect("app");
        let ctx = crate::model::Context {
            project_dir: dir.path(),
        };
        let text = text.replace("src = \".\"", "src = \"app\"");
        let desc = crate::description::parse(&text).expect("parses");
        if let Err(e) = crate::model::build(&desc, &ctx) {
            panic!("{e:?}\n{text}");
        }
    }

    /// The database and Redis keys `init` and `import` may write parse back through
    /// `description::parse` as the values they were given.
    #[test]
    fn database_and_redis_keys_parse_back() {
        let mut d = Draft {
            name: Some("demo".into()),
            python_src: Some("app".into()),
            postgresql: Some(Some("psycopg".into())),
            database_url_reader: Some("pydantic".into()),
            database_url_env: Some("APP_DATABASE_URL".into()),
            redis: true,
            redis_tcp: true,
            ..Draft::default()
        };
        d.database_parts.insert("host".into(), "DB_HOST".into());
        d.database_parts.insert("name".into(), "DB_NAME".into());
        d.redis_urls
            .insert("CELERY_BROKER_URL".into(), ("celery-broker".into(), 0));
        d.redis_urls
            .insert("CACHE_URL".into(), ("redis-py".into(), 1));
        let text = d.to_toml();
        let desc = crate::description::parse(&text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        let pg = desc.postgresql.as_ref().expect("[postgresql]");
        assert_eq!(pg.url.as_deref().map(String::as_str), Some("pydantic"));
        assert_eq!(pg.driver.as_deref().map(String::as_str), Some("psycopg"));
        assert_eq!(
            pg.url_env.as_deref().map(String::as_str),
            Some("APP_DATABASE_URL")
        );
        let parts = pg.parts.as_ref().expect("parts");
        assert_eq!(parts.host.as_deref().map(String::as_str), Some("DB_HOST"));
        assert_eq!(parts.name.as_deref().map(String::as_str), Some("DB_NAME"));
        let redis = desc.redis.as_ref().expect("[redis]");
        assert!(redis.tcp);
        let urls: Vec<String> = redis
            .urls
            .iter()
            .map(|(k, v)| match &**v {
                crate::description::RedisUrl::Library(l) => format!("{}={l}", k.as_str()),
                crate::description::RedisUrl::Table(t) => {
                    format!("{}={}/{:?}", k.as_str(), *t.library, t.db.as_deref())
                }
            })
            .collect();
        assert_eq!(
            urls,
            [
                "CACHE_URL=redis-py/Some(1)",
                "CELERY_BROKER_URL=celery-broker"
            ]
        );

        d.postgresql = None;
        d.mysql = Some(Some("pymysql".into()));
        d.database_url_reader = Some("django-environ".into());
        d.database_parts.insert("socket".into(), "DB_SOCKET".into());
        let text = d.to_toml();
        let desc = crate::description::parse(&text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        let my = desc.mysql.as_ref().expect("[mysql]");
        assert_eq!(my.driver.as_deref().map(String::as_str), Some("pymysql"));
        assert_eq!(
            my.url.as_deref().map(String::as_str),
            Some("django-environ")
        );
        let parts = my.parts.as_ref().expect("parts");
        assert_eq!(
            parts.socket.as_deref().map(String::as_str),
            Some("DB_SOCKET")
        );
    }

    #[test]
    fn keys_are_quoted_when_needed() {
        assert_eq!(toml_key("web"), "web");
        assert_eq!(toml_key("a.b"), "\"a.b\"");
        // Found by fuzzing: quotes and line breaks made `toml` pick a multi-line string.
        for k in ["a\"b\nc", "x\\y", "\u{0}\u{1f}\u{7f}", "'''", "\"\"\""] {
            let text = format!("{} = 1\n", toml_key(k));
            let t: toml::Table = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(t.contains_key(k), "{text}");
        }
    }
}
