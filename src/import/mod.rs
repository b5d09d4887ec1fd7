//! `app2nix import FILE...`: existing deployment files (systemd units, nginx server blocks,
//! `.env` files, Compose files, Dockerfiles, requirements / pyproject / `.python-version`) in, a
//! description out, with a report of what became of every setting. Nothing is dropped silently:
//! what has no equivalent is reported as `not mapped` with its file and line, and no value of a
//! secret-looking variable is ever copied.

pub mod parse;

use std::collections::BTreeMap;
use std::path::Path;

use crate::draft::{Draft, Outcome, Process, ProcessKind, Report, Route, Site, Source, Task, Tls};
use crate::python_version;
use crate::secrets;

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A systemd service unit.
    Systemd,
    /// nginx configuration.
    Nginx,
    /// `KEY=value` lines.
    Env,
    /// A Compose file.
    Compose,
    /// A Dockerfile.
    Dockerfile,
    /// `requirements.txt`.
    Requirements,
    /// `pyproject.toml`.
    Pyproject,
    /// `.python-version` or `runtime.txt`.
    PythonVersion,
}

/// Guess a file's kind from its name, then its content.
pub fn detect(name: &str, text: &str) -> Option<Kind> {
    let base = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if base.ends_with(".service") || text.contains("[Service]") {
        return Some(Kind::Systemd);
    }
    if (base.contains("compose") && (base.ends_with(".yml") || base.ends_with(".yaml")))
        || ((base.ends_with(".yml") || base.ends_with(".yaml")) && text.contains("services:"))
    {
        return Some(Kind::Compose);
    }
    if base.starts_with("dockerfile") || base.ends_with(".dockerfile") {
        return Some(Kind::Dockerfile);
    }
    if base == ".env" || base.starts_with(".env.") || base.ends_with(".env") {
        return Some(Kind::Env);
    }
    if base.starts_with("requirements") && base.ends_with(".txt") {
        return Some(Kind::Requirements);
    }
    if base == "pyproject.toml" {
        return Some(Kind::Pyproject);
    }
    if base == ".python-version" || base == "runtime.txt" {
        return Some(Kind::PythonVersion);
    }
    if base.ends_with(".conf") || text.contains("server_name") || text.contains("server {") {
        return Some(Kind::Nginx);
    }
    None
}

/// Packaging files `import --src DIR` reads from DIR when they are not among the inputs.
pub const PACKAGING_FILES: &[&str] = &[
    "pyproject.toml",
    "requirements.txt",
    ".python-version",
    "runtime.txt",
];

/// One input.
#[derive(Debug, Clone)]
pub struct Input {
    /// Name as given (shown in the report).
    pub name: String,
    /// Content.
    pub text: String,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `[app] name` (default: from the unit or Compose project names).
    pub name: Option<String>,
    /// `[package.python] src`, relative to the description (default `.`).
    pub src: Option<String>,
}

/// Map of known Python package names (PyPI) whose nixpkgs attribute differs in more than case.
fn nixpkgs_python_attr(pypi: &str) -> String {
    pypi.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// Why a command that holds a secret is not copied.
const SECRET_IN_COMMAND: &str = "the command holds a secret, which a description never copies: declare it under [secrets] and let the command read it from the environment (`$NAME`)";

/// Packages app2nix adds by itself (servers and database drivers).
const IMPLIED: &[&str] = &[
    "gunicorn",
    "uvicorn",
    "psycopg2",
    "psycopg2-binary",
    "psycopg",
    "psycopg-binary",
    "asyncpg",
];

/// The state of an import; `init` borrows it for dependencies and environment files.
pub(crate) struct Importer {
    draft: Draft,
    report: Report,
    opts: Options,
    /// Environment files given as inputs (by file name).
    env_files: Vec<String>,
    /// Processes by the port they listen on.
    by_port: BTreeMap<u16, String>,
    /// Processes by Compose service name.
    by_service: BTreeMap<String, String>,
    /// Unit names seen (stems), for the app name.
    units: Vec<String>,
    /// Compose project name.
    compose_name: Option<String>,
    /// Certificate directory of each site (certbot's `live/<name>`).
    cert_dirs: Vec<Option<String>>,
    /// Domains of HTTP-only redirect servers.
    redirect_only: Vec<String>,
    /// Database drivers among the Python dependencies.
    drivers: Vec<String>,
    /// `[project] name` of a pyproject.toml.
    project_name: Option<String>,
    /// An input decided the interpreter already.
    python_decided: bool,
}

/// Import `inputs`: the draft description and the report.
pub fn import(inputs: &[Input], opts: &Options) -> Result<(Draft, Report), String> {
    let mut kinds = Vec::new();
    for i in inputs {
        let kind = detect(&i.name, &i.text).ok_or_else(|| {
            format!(
                "error: cannot tell what {} is\nhelp: import reads systemd units (*.service), nginx configuration (*.conf), .env files, Compose files (*compose*.yml), Dockerfiles, requirements.txt, pyproject.toml and .python-version",
                i.name
            )
        })?;
        kinds.push(kind);
    }
    let mut im = Importer::new(opts);
    im.draft.python_src = Some(opts.src.clone().unwrap_or_else(|| ".".into()));
    // Python packaging first (its database drivers decide DATABASE_URLs), then environment files,
    // then processes, then the sites that route to them.
    let order = [
        Kind::PythonVersion,
        Kind::Requirements,
        Kind::Pyproject,
        Kind::Env,
        Kind::Dockerfile,
        Kind::Systemd,
        Kind::Compose,
        Kind::Nginx,
    ];
    for k in order {
        for (i, kind) in inputs.iter().zip(&kinds) {
            if *kind == k {
                im.file(i, k)?;
            }
        }
    }
    im.finish();
    // The report follows the inputs' order, and each file's lines in order.
    let rank = |f: &str| {
        inputs
            .iter()
            .position(|i| i.name == f)
            .unwrap_or(usize::MAX)
    };
    im.report
        .findings
        .sort_by_key(|f| (rank(&f.source.file), f.source.line));
    Ok((im.draft, im.report))
}

fn stem(name: &str) -> String {
    let base = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    base.trim_end_matches(".service").to_string()
}

fn slug(s: &str) -> String {
    crate::model::suggest_name(s)
}

/// `300` → `300s`; values with a unit stay.
fn seconds(v: &str) -> String {
    if v.chars().all(|c| c.is_ascii_digit()) {
        format!("{v}s")
    } else {
        v.to_string()
    }
}

/// The process a server command line describes (gunicorn, uvicorn or any command), with its
/// findings added to `report`; used by `init` for Procfile lines.
pub fn server_from_command(
    args: &[String],
    file: &str,
    line: usize,
    report: &mut Report,
) -> Option<Process> {
    let mut im = Importer::new(&Options::default());
    let p = im.server(file, line, args);
    report.findings.append(&mut im.report.findings);
    p
}

impl Importer {
    /// Continue `draft` and `report` (used by `init`).
    pub(crate) fn resume(draft: Draft, report: Report) -> Self {
        Importer {
            draft,
            report,
            ..Importer::new(&Options::default())
        }
    }

    /// Database drivers found in the dependencies beforehand (they decide DATABASE_URLs).
    pub(crate) fn use_drivers(&mut self, drivers: &[String]) {
        self.drivers = drivers.to_vec();
    }

    /// The draft, the report and the database drivers among the dependencies.
    pub(crate) fn into_parts(self) -> (Draft, Report, Vec<String>) {
        (self.draft, self.report, self.drivers)
    }

    fn new(opts: &Options) -> Self {
        Importer {
            draft: Draft::default(),
            report: Report::default(),
            opts: opts.clone(),
            env_files: Vec::new(),
            by_port: BTreeMap::new(),
            by_service: BTreeMap::new(),
            units: Vec::new(),
            compose_name: None,
            cert_dirs: Vec::new(),
            redirect_only: Vec::new(),
            drivers: Vec::new(),
            project_name: None,
            python_decided: false,
        }
    }

    fn add(&mut self, file: &str, line: usize, what: impl Into<String>, outcome: Outcome) {
        self.report.add(Source::new(file, line), what, outcome);
    }

    fn file(&mut self, input: &Input, kind: Kind) -> Result<(), String> {
        match kind {
            Kind::Env => self.env_file(input),
            Kind::PythonVersion => self.python_version(input),
            Kind::Requirements => self.requirements(input),
            Kind::Pyproject => self.pyproject(input),
            Kind::Dockerfile => self.dockerfile(input),
            Kind::Systemd => self.unit(input),
            Kind::Compose => self.compose(input)?,
            Kind::Nginx => self.nginx(input)?,
        }
        Ok(())
    }

    /// One environment variable from an env file, a unit or a Compose service.
    pub(crate) fn variable(
        &mut self,
        file: &str,
        line: usize,
        key: &str,
        value: &str,
        process: Option<&str>,
    ) {
        if !crate::model::is_env_name(key) {
            let shown: String = key
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            self.add(
                file,
                line,
                format!("{shown}=…"),
                Outcome::Unmapped("not an environment variable name".into()),
            );
            return;
        }
        let what = format!("{key}=…");
        if key == "DATABASE_URL" || key.ends_with("_DATABASE_URL") {
            let scheme = value.split("://").next().unwrap_or("");
            // `.env.example` often leaves the URL empty: the dependencies say which database.
            if scheme.starts_with("postgres") || (value.is_empty() && !self.drivers.is_empty()) {
                // A URL without a driver: SQLAlchemy picks the one among the dependencies.
                let driver = scheme
                    .split_once('+')
                    .map(|(_, d)| d.to_string())
                    .filter(|d| ["psycopg2", "psycopg", "asyncpg"].contains(&d.as_str()))
                    .or_else(|| self.drivers.first().cloned())
                    .or_else(|| Some("libpq".to_string()));
                self.draft.postgresql = Some(driver.clone());
                if key != "DATABASE_URL" {
                    self.draft.database_url_env = Some(key.to_string());
                }
                self.add(file, line, what, Outcome::Mapped(format!(
                    "[postgresql] driver = {:?}: a local PostgreSQL reached over its unix socket with peer authentication; app2nix sets {key} itself, so the URL (and its password) is not copied",
                    driver.unwrap_or_default()
                )));
                return;
            }
            if scheme.starts_with("sqlite") {
                self.sqlite_url(file, line, key, scheme, value);
                return;
            }
        }
        if [
            "PYTHONPATH",
            "PATH",
            "PYTHONUNBUFFERED",
            "PYTHONDONTWRITEBYTECODE",
        ]
        .contains(&key)
        {
            self.add(
                file,
                line,
                what,
                Outcome::Covered(
                    "set by the module (PYTHONPATH) or irrelevant under systemd".into(),
                ),
            );
            return;
        }
        if key == "REDIS_URL" {
            self.draft.redis = true;
            self.add(
                file,
                line,
                what,
                Outcome::Mapped(
                    "[redis]: a private Redis server over its unix socket; app2nix sets REDIS_URL"
                        .into(),
                ),
            );
            return;
        }
        if key.starts_with("POSTGRES_") || key.starts_with("PG") && key.len() <= 10 {
            self.add(file, line, what, Outcome::Covered("database connection settings: the local PostgreSQL uses the unix socket and peer authentication, no password".into()));
            return;
        }
        if secrets::is_secret(key, value) {
            self.draft.secrets.insert(key.to_string(), "env".into());
            self.add(file, line, what, Outcome::Mapped(format!(
                "[secrets] {key} = \"env\" (the value is not copied: encrypt it with `agenix -e`)"
            )));
            return;
        }
        match process {
            Some(p) if self.draft.env.get(key).is_none_or(|v| v != value) => {
                if let Some(proc_) = self.draft.processes.get_mut(p) {
                    proc_.env.insert(key.to_string(), value.to_string());
                }
                self.add(
                    file,
                    line,
                    what,
                    Outcome::Mapped(format!("[processes.{p}] env")),
                );
            }
            Some(_) => {
                self.add(
                    file,
                    line,
                    what,
                    Outcome::Covered("same value in [env]".into()),
                );
            }
            None => {
                self.draft.env.insert(key.to_string(), value.to_string());
                self.add(file, line, what, Outcome::Mapped("[env]".into()));
            }
        }
    }

    /// `DATABASE_URL=sqlite:///…` (or `sqlite+aiosqlite:///…`): the database becomes a file in
    /// the state directory, with the same name.
    fn sqlite_url(&mut self, file: &str, line: usize, key: &str, scheme: &str, value: &str) {
        let what = format!("{key}=…");
        let driver = match scheme.split_once('+').map(|(_, d)| d) {
            None | Some("pysqlite") => None,
            Some("aiosqlite") => Some("aiosqlite".to_string()),
            Some(other) => {
                self.add(file, line, what, Outcome::Unmapped(format!("SQLite driver `{other}`: app2nix knows sqlite and aiosqlite; add [sqlite] by hand")));
                return;
            }
        };
        let path = value.split_once(":///").map(|(_, p)| p).unwrap_or("");
        let name = Path::new(path.split(['?', '#']).next().unwrap_or(""))
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| {
                n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            });
        let shown_driver = driver.clone().unwrap_or_else(|| "sqlite".into());
        self.draft.sqlite = Some((name.clone(), driver));
        if key != "DATABASE_URL" {
            self.draft.database_url_env = Some(key.to_string());
        }
        let place = match &name {
            Some(n) => format!("path = {n:?} in the state directory"),
            None => "the default file in the state directory".to_string(),
        };
        self.add(file, line, what, Outcome::Mapped(format!(
            "[sqlite] {place}, driver = {shown_driver:?}; app2nix sets {key} itself (copy the existing database file there when you move)"
        )));
    }

    fn env_file(&mut self, input: &Input) {
        self.env_files.push(
            Path::new(&input.name)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        for e in parse::dotenv(&input.text) {
            self.variable(&input.name, e.line, &e.key, &e.value, None);
        }
    }

    fn python_version(&mut self, input: &Input) {
        let text = input.text.trim();
        let choice = python_version::from_pin(text, &input.name);
        self.interpreter(&input.name, 1, text.to_string(), choice);
    }

    /// The interpreter, from the first pin or requirement found (see [`python_version`]).
    fn interpreter(
        &mut self,
        file: &str,
        line: usize,
        what: String,
        choice: Option<python_version::Choice>,
    ) {
        let Some(choice) = choice else {
            self.add(
                file,
                line,
                what,
                Outcome::Unmapped(format!(
                    "not a Python version nixos-26.05 has ({})",
                    python_version::VERSIONS.join(", ")
                )),
            );
            return;
        };
        if self.python_decided {
            self.add(
                file,
                line,
                what,
                Outcome::Covered("the interpreter is decided by an earlier input".into()),
            );
            return;
        }
        self.python_decided = true;
        self.draft.python_version = choice.version.clone();
        let outcome = match choice.version {
            Some(_) => Outcome::Mapped(choice.why),
            None => Outcome::Decided(choice.why),
        };
        self.add(file, line, what, outcome);
    }

    /// One Python requirement (`flask>=3`): a nixpkgs attribute, or covered by app2nix.
    pub(crate) fn dependency(&mut self, file: &str, line: usize, spec: &str) {
        let name: String = spec
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
            .collect();
        if name.is_empty() {
            return;
        }
        let attr = nixpkgs_python_attr(&name);
        if [
            "psycopg2",
            "psycopg2-binary",
            "psycopg",
            "psycopg-binary",
            "asyncpg",
        ]
        .contains(&attr.as_str())
        {
            self.drivers
                .push(attr.trim_end_matches("-binary").to_string());
        }
        if IMPLIED.contains(&attr.as_str()) {
            self.add(
                file,
                line,
                spec,
                Outcome::Covered("added by app2nix with the server / database driver".into()),
            );
            return;
        }
        if !self.draft.dependencies.contains(&attr) {
            self.draft.dependencies.push(attr.clone());
        }
        self.add(
            file,
            line,
            spec,
            Outcome::Mapped(format!(
                "python3Packages.{attr} (the version comes from nixpkgs)"
            )),
        );
    }

    fn requirements(&mut self, input: &Input) {
        for (i, line) in input.text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if line.starts_with('-') {
                self.add(
                    &input.name,
                    i + 1,
                    line,
                    Outcome::Unmapped("pip options have no equivalent".into()),
                );
                continue;
            }
            self.dependency(&input.name, i + 1, line);
        }
    }

    fn pyproject(&mut self, input: &Input) {
        let Ok(t) = input.text.parse::<toml::Table>() else {
            self.add(
                &input.name,
                0,
                "pyproject.toml",
                Outcome::Unmapped("not valid TOML".into()),
            );
            return;
        };
        if let Some(n) = t
            .get("project")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
        {
            self.project_name = Some(slug(n));
        }
        if let Some(r) = t
            .get("project")
            .and_then(|p| p.get("requires-python"))
            .and_then(|r| r.as_str())
        {
            let line = line_of(&input.text, "requires-python");
            let choice = python_version::from_requirement(r);
            self.interpreter(
                &input.name,
                line,
                format!("requires-python = {r:?}"),
                choice,
            );
        }
        let deps = t
            .get("project")
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_array())
            .cloned()
            .unwrap_or_default();
        for d in deps.iter().filter_map(|d| d.as_str()) {
            let line = line_of(&input.text, d);
            self.dependency(&input.name, line, d);
        }
        if t.get("build-system").is_some() {
            self.draft.pyproject = true;
            self.add(
                &input.name,
                line_of(&input.text, "[build-system]"),
                "[build-system]",
                Outcome::Mapped("[package.python] layout = \"pyproject\"".into()),
            );
        }
    }

    fn dockerfile(&mut self, input: &Input) {
        for (i, raw) in input.text.lines().enumerate() {
            let line = raw.trim();
            let upper = line.to_ascii_uppercase();
            if let Some(image) = upper.strip_prefix("FROM ").map(|_| line[5..].trim()) {
                let image = image.split_whitespace().next().unwrap_or("");
                if let Some(tag) = image.strip_prefix("python:") {
                    let choice = python_version::from_pin(tag, &format!("the image {image}"));
                    self.interpreter(&input.name, i + 1, format!("FROM {image}"), choice);
                    continue;
                }
                self.add(
                    &input.name,
                    i + 1,
                    format!("FROM {image}"),
                    Outcome::Covered("the base image: NixOS provides the system".into()),
                );
            } else if upper.starts_with("CMD ") || upper.starts_with("ENTRYPOINT ") {
                self.add(&input.name, i + 1, line, Outcome::Decided("the container's command; the Compose `command:` (or the systemd unit) defines the process".into()));
            } else if upper.starts_with("RUN ")
                || upper.starts_with("COPY ")
                || upper.starts_with("WORKDIR ")
                || upper.starts_with("ADD ")
            {
                self.add(
                    &input.name,
                    i + 1,
                    line,
                    Outcome::Covered("build steps: Nix builds the package".into()),
                );
            } else if upper.starts_with("ENV ") {
                // `ENV A=1 B="x y"` (any number of pairs) or the legacy `ENV KEY value`.
                let rest = line[4..].trim();
                let words = parse::words(rest);
                if words.first().is_some_and(|w| w.contains('=')) {
                    for w in &words {
                        if let Some((k, v)) = w.split_once('=') {
                            self.variable(&input.name, i + 1, k, v, None);
                        }
                    }
                } else if let Some((k, v)) = rest.split_once(char::is_whitespace) {
                    self.variable(&input.name, i + 1, k, v.trim().trim_matches('"'), None);
                }
            } else if upper.starts_with("EXPOSE ")
                || upper.starts_with("USER ")
                || upper.starts_with("HEALTHCHECK")
            {
                self.add(
                    &input.name,
                    i + 1,
                    line,
                    Outcome::Covered(
                        "container setting; the module defines ports, user and health".into(),
                    ),
                );
            }
        }
    }

    /// A server command line: a process, or `None` when it is not a server app2nix knows.
    fn server(&mut self, file: &str, line: usize, args: &[String]) -> Option<Process> {
        let mut args: Vec<String> = args.to_vec();
        // `python -m gunicorn` / `uv run gunicorn` / a venv path.
        while let Some(first) = args.first() {
            let base = Path::new(first)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let wrapper = (base.starts_with("python") && args.get(1).is_some_and(|a| a == "-m"))
                || (base == "uv" && args.get(1).is_some_and(|a| a == "run"));
            if wrapper {
                args.drain(..2);
            } else {
                break;
            }
        }
        let prog = args.first().map(|p| {
            Path::new(p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })?;
        let mut p = Process::default();
        let mut app = None;
        let mut host = None;
        let mut port = None;
        let mut asgi_worker = false;
        let mut i = 1;
        let value = |i: &mut usize, a: &str| -> Option<String> {
            if let Some((_, v)) = a.split_once('=') {
                Some(v.to_string())
            } else {
                *i += 1;
                args.get(*i).cloned()
            }
        };
        match prog.as_str() {
            "gunicorn" => {
                while i < args.len() {
                    let a = args[i].clone();
                    let flag = a.split('=').next().unwrap_or("").to_string();
                    match flag.as_str() {
                        "-w" | "--workers" => {
                            p.workers = value(&mut i, &a).and_then(|v| v.parse().ok())
                        }
                        "-b" | "--bind" => {
                            if let Some(b) = value(&mut i, &a) {
                                if let Some(path) = b.strip_prefix("unix:") {
                                    self.add(file, line, format!("--bind {b}"), Outcome::Decided(format!("a unix socket: app2nix puts it at /run/<app>-<process>/<process>.sock, not {path}")));
                                    p.listen = Some("unix".into());
                                } else {
                                    p.listen = Some(b);
                                }
                            }
                        }
                        "-t" | "--timeout" => {
                            p.timeout = value(&mut i, &a).and_then(|v| v.parse().ok())
                        }
                        "--keep-alive" => {
                            p.keepalive = value(&mut i, &a).and_then(|v| v.parse().ok())
                        }
                        "-e" | "--env" => {
                            if let Some((k, v)) = value(&mut i, &a)
                                .as_deref()
                                .and_then(|kv| kv.split_once('='))
                            {
                                self.server_env(file, line, k, v, &mut p);
                            }
                        }
                        "--max-requests" => {
                            p.max_requests = value(&mut i, &a).and_then(|v| v.parse().ok())
                        }
                        "-k" | "--worker-class" => {
                            let k = value(&mut i, &a).unwrap_or_default();
                            if k.contains("Uvicorn") {
                                asgi_worker = true;
                            } else {
                                self.add(
                                    file,
                                    line,
                                    format!("--worker-class {k}"),
                                    Outcome::Unmapped(
                                        "only sync and uvicorn workers are supported".into(),
                                    ),
                                );
                            }
                        }
                        "--access-logfile" | "--error-logfile" | "--log-level"
                        | "--capture-output" => {
                            if !a.contains('=') && flag != "--capture-output" {
                                i += 1;
                            }
                            self.add(
                                file,
                                line,
                                a.clone(),
                                Outcome::Covered("logs go to the journal".into()),
                            );
                        }
                        f if f.starts_with('-') => {
                            if !a.contains('=')
                                && args.get(i + 1).is_some_and(|n| !n.starts_with('-'))
                                && !args
                                    .get(i + 1)
                                    .is_some_and(|n| n.contains(':') && i + 2 == args.len())
                            {
                                i += 1;
                            }
                            self.add(
                                file,
                                line,
                                a.clone(),
                                Outcome::Unmapped(
                                    "gunicorn option without an equivalent in app2nix.toml".into(),
                                ),
                            );
                        }
                        _ => app = Some(a.clone()),
                    }
                    i += 1;
                }
                let app = app?;
                p.kind = if asgi_worker {
                    ProcessKind::Asgi(app)
                } else {
                    ProcessKind::Wsgi(app)
                };
                if asgi_worker {
                    self.add(file, line, "uvicorn workers under gunicorn", Outcome::Unmapped("write `server = \"gunicorn\"` under the process to keep gunicorn as the manager; the import uses uvicorn directly".into()));
                }
            }
            "uvicorn" => {
                while i < args.len() {
                    let a = args[i].clone();
                    let flag = a.split('=').next().unwrap_or("").to_string();
                    match flag.as_str() {
                        "--host" => host = value(&mut i, &a),
                        "--port" => port = value(&mut i, &a),
                        "--workers" => p.workers = value(&mut i, &a).and_then(|v| v.parse().ok()),
                        "--timeout-keep-alive" => {
                            p.keepalive = value(&mut i, &a).and_then(|v| v.parse().ok())
                        }
                        "--limit-max-requests" => {
                            p.max_requests = value(&mut i, &a).and_then(|v| v.parse().ok())
                        }
                        "--uds" => {
                            let _ = value(&mut i, &a);
                            p.listen = Some("unix".into());
                        }
                        "--proxy-headers" | "--forwarded-allow-ips" => {
                            if flag == "--forwarded-allow-ips" && !a.contains('=') {
                                i += 1;
                            }
                            self.add(
                                file,
                                line,
                                a.clone(),
                                Outcome::Covered(
                                    "app2nix runs uvicorn with --proxy-headers behind nginx".into(),
                                ),
                            );
                        }
                        "--reload" => self.add(
                            file,
                            line,
                            a.clone(),
                            Outcome::Unmapped("development option, not for production".into()),
                        ),
                        f if f.starts_with('-') => {
                            if !a.contains('=')
                                && args
                                    .get(i + 1)
                                    .is_some_and(|n| !n.starts_with('-') && !n.contains(':'))
                            {
                                i += 1;
                            }
                            self.add(
                                file,
                                line,
                                a.clone(),
                                Outcome::Unmapped(
                                    "uvicorn option without an equivalent in app2nix.toml".into(),
                                ),
                            );
                        }
                        _ => app = Some(a.clone()),
                    }
                    i += 1;
                }
                p.kind = ProcessKind::Asgi(app?);
                if p.listen.is_none() {
                    let host = host.unwrap_or_else(|| "127.0.0.1".into());
                    let port = port.unwrap_or_else(|| "8000".into());
                    p.listen = Some(if host.contains(':') {
                        format!("[{host}]:{port}")
                    } else {
                        format!("{host}:{port}")
                    });
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
                p.kind = ProcessKind::Command(args.clone());
            }
        }
        // `$PORT` (a Procfile's, a platform's): the port is app2nix's to choose.
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

    /// A server's `--env KEY=VALUE`: the process's environment, or a secret (never copied).
    fn server_env(&mut self, file: &str, line: usize, key: &str, value: &str, p: &mut Process) {
        let what = format!("--env {key}=…");
        if !crate::model::is_env_name(key) {
            self.add(
                file,
                line,
                what,
                Outcome::Unmapped("not an environment variable name".into()),
            );
        } else if secrets::is_secret(key, value) {
            self.draft.secrets.insert(key.to_string(), "env".into());
            self.add(file, line, what, Outcome::Mapped(format!(
                "[secrets] {key} = \"env\" (the value is not copied: encrypt it with `agenix -e`)"
            )));
        } else {
            p.env.insert(key.to_string(), value.to_string());
            self.add(
                file,
                line,
                what,
                Outcome::Mapped("the process's env".into()),
            );
        }
    }

    fn register_port(&mut self, name: &str, p: &Process) {
        if let Some(port) = p
            .listen
            .as_deref()
            .and_then(|l| l.rsplit_once(':'))
            .and_then(|(_, port)| port.parse().ok())
        {
            self.by_port.insert(port, name.to_string());
        }
    }

    fn unit(&mut self, input: &Input) {
        let stem = stem(&input.name);
        self.units.push(stem.clone());
        let entries = parse::systemd_unit(&input.text);
        let exec = entries
            .iter()
            .find(|e| e.section == "Service" && e.key == "ExecStart");
        let Some(exec) = exec else {
            self.add(
                &input.name,
                0,
                "unit",
                Outcome::Unmapped("no ExecStart: nothing to run".into()),
            );
            return;
        };
        let name = self.process_name_for_unit(&stem);
        let args = parse::words(exec.value.trim_start_matches(['-', '@', '+', '!', ':']));
        let Some(mut p) = self.server(&input.name, exec.line, &args) else {
            if args.is_empty() {
                self.add(
                    &input.name,
                    exec.line,
                    "ExecStart",
                    Outcome::Unmapped("empty command".into()),
                );
            }
            return;
        };
        self.add(
            &input.name,
            exec.line,
            format!("ExecStart={}", exec.value),
            Outcome::Mapped(format!("[processes.{name}]")),
        );
        if let Some(d) = entries
            .iter()
            .find(|e| e.section == "Unit" && e.key == "Description")
        {
            p.description = Some(d.value.clone());
            self.add(
                &input.name,
                d.line,
                format!("Description={}", d.value),
                Outcome::Mapped(format!("[processes.{name}] description")),
            );
        }
        self.register_port(&name, &p);
        self.draft.processes.insert(name.clone(), p);
        for e in &entries {
            let what = format!("{}={}", e.key, e.value);
            match (e.section.as_str(), e.key.as_str()) {
                ("Service", "ExecStart") | ("Unit", "Description") => {}
                ("Unit", "After" | "Wants" | "Requires" | "Before") => {
                    let outcome = if e.value.contains("postgresql") {
                        self.draft.postgresql.get_or_insert(None);
                        Outcome::Mapped("[postgresql]: the units start after the local PostgreSQL".into())
                    } else {
                        Outcome::Covered("app2nix orders the units (network, database, tasks before processes)".into())
                    };
                    self.add(&input.name, e.line, what, outcome);
                }
                ("Install", _) => self.add(&input.name, e.line, what, Outcome::Covered("started with <app>.target from multi-user.target".into())),
                ("Service", "User" | "Group" | "DynamicUser") => self.add(&input.name, e.line, what, Outcome::Decided("the app runs as its own system user and group, created by the module".into())),
                ("Service", "WorkingDirectory") => self.add(&input.name, e.line, what, Outcome::Decided(format!(
                    "the source tree is `src = {:?}` (relative to app2nix.toml); the units run in the state directory",
                    self.draft.python_src.clone().unwrap_or_default()
                ))),
                ("Service", "EnvironmentFile") => {
                    let path = e.value.trim_start_matches('-');
                    let base = Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    if self.env_files.contains(&base) {
                        self.add(&input.name, e.line, what, Outcome::Mapped(format!("imported from {base}: [env] and [secrets]")));
                    } else {
                        self.add(&input.name, e.line, what, Outcome::Unmapped(format!("pass {base} to `app2nix import` to turn it into [env] and [secrets], or list the file in `environment_files`")));
                    }
                }
                ("Service", "Environment") => {
                    for kv in parse::words(&e.value) {
                        if let Some((k, v)) = kv.split_once('=') {
                            self.variable(&input.name, e.line, k, v, None);
                        }
                    }
                }
                ("Service", "Type") if e.value == "simple" || e.value == "exec" => self.add(&input.name, e.line, what, Outcome::Covered("the default".into())),
                ("Service", "ExecStartPre") => {
                    let command = e.value.trim_start_matches(['-', '@', '+', '!']).to_string();
                    if secrets::command_secret(&crate::shell::words(&command)).is_some() {
                        self.add(&input.name, e.line, what, Outcome::Unmapped(SECRET_IN_COMMAND.into()));
                        continue;
                    }
                    let task = format!("{name}-pre");
                    self.draft.tasks.insert(task.clone(), Task {
                        command: Some(command),
                        ..Task::default()
                    });
                    self.add(&input.name, e.line, what, Outcome::Mapped(format!("[tasks.{task}], run before the processes")));
                }
                ("Service", "SetCredential" | "SetCredentialEncrypted" | "LoadCredential" | "LoadCredentialEncrypted") => {
                    // `NAME:value` / `NAME:path`: a secret by definition; the value never copied.
                    let cred = e.value.split(':').next().unwrap_or("").to_string();
                    let shown = format!("{}={cred}:…", e.key);
                    if crate::model::is_env_name(&cred) {
                        self.draft.secrets.insert(cred.clone(), "file".into());
                        self.add(&input.name, e.line, shown, Outcome::Mapped(format!(
                            "[secrets] {cred} = \"file\": the app reads the path in {cred}_FILE (the value is not copied: encrypt it with `agenix -e`)"
                        )));
                    } else {
                        self.add(&input.name, e.line, shown, Outcome::Unmapped("a credential whose name is not a variable name: declare it under [secrets] by hand".into()));
                    }
                }
                _ => self.add(&input.name, e.line, what, Outcome::Unmapped(match e.key.as_str() {
                    "Restart" | "RestartSec" => "app2nix restarts on failure after 5 seconds; other restart policies are not expressible".to_string(),
                    _ => "no equivalent in app2nix.toml; the module's hardened defaults apply".to_string(),
                })),
            }
        }
    }

    fn process_name_for_unit(&self, stem: &str) -> String {
        let app = self.app_name_guess();
        match stem.strip_prefix(&format!("{app}-")) {
            Some(rest) if !rest.is_empty() => slug(rest),
            _ if stem == app => "web".into(),
            _ => slug(stem),
        }
    }

    fn app_name_guess(&self) -> String {
        if let Some(n) = &self.opts.name {
            return n.clone();
        }
        if let Some(n) = &self.compose_name {
            return n.clone();
        }
        if let Some(n) = &self.project_name {
            return n.clone();
        }
        // The shortest unit name is the app (`nanotrace` beside `nanotrace-auth`), else the
        // source directory's name.
        self.units
            .iter()
            .min_by_key(|u| u.len())
            .map(|u| slug(u))
            .or_else(|| {
                let src = self.opts.src.as_deref()?;
                let base = Path::new(src).file_name()?.to_string_lossy().into_owned();
                Some(slug(&base))
            })
            .unwrap_or_else(|| "app".into())
    }

    fn compose(&mut self, input: &Input) -> Result<(), String> {
        let doc = parse::yaml(&input.text).map_err(|e| {
            format!(
                "error: {}: not valid YAML: {e}\nhelp: check the file with `docker compose config`",
                input.name
            )
        })?;
        if let Some(n) = doc.get("name").and_then(parse::Yaml::str) {
            self.compose_name = Some(slug(n));
            self.add(
                &input.name,
                doc.get("name").map_or(0, parse::Yaml::line),
                format!("name: {n}"),
                Outcome::Mapped(format!("[app] name = {:?}", slug(n))),
            );
        }
        if let parse::Yaml::Map(top, _) = &doc {
            for (k, v) in top {
                match k.as_str() {
                    "name" | "services" => {}
                    "volumes" | "networks" | "version" => self.add(
                        &input.name,
                        v.line(),
                        k.clone(),
                        Outcome::Covered(
                            "container plumbing: state lives in /var/lib on NixOS".into(),
                        ),
                    ),
                    _ => self.add(
                        &input.name,
                        v.line(),
                        k.clone(),
                        Outcome::Unmapped("no equivalent in app2nix.toml".into()),
                    ),
                }
            }
        }
        let Some(parse::Yaml::Map(services, _)) = doc.get("services") else {
            return Err(format!(
                "error: {}: no `services:`\nhelp: pass a Compose file",
                input.name
            ));
        };
        for (service, def) in services.clone() {
            let image = def
                .get("image")
                .and_then(parse::Yaml::str)
                .unwrap_or("")
                .to_string();
            let line = def.line();
            if image.starts_with("postgres") {
                self.draft.postgresql.get_or_insert(None);
                self.add(&input.name, line, format!("services.{service} (image {image})"), Outcome::Mapped("[postgresql]: NixOS's PostgreSQL with a database and role named after the app".into()));
                self.compose_rest(input, &service, &def, true);
                continue;
            }
            if image.starts_with("redis") || image.starts_with("valkey") {
                self.draft.redis = true;
                self.add(
                    &input.name,
                    line,
                    format!("services.{service} (image {image})"),
                    Outcome::Mapped("[redis]".into()),
                );
                self.compose_rest(input, &service, &def, true);
                continue;
            }
            let command = def.get("command").map(|c| match c {
                parse::Yaml::Seq(items, _) => items
                    .iter()
                    .filter_map(|i| i.str().map(String::from))
                    .collect(),
                parse::Yaml::Scalar(s, _) => parse::words(s),
                _ => Vec::new(),
            });
            let name = slug(&service);
            match command.filter(|c| !c.is_empty()) {
                Some(cmd) => {
                    let cline = def.get("command").map_or(line, parse::Yaml::line);
                    if let Some(mut p) = self.server(&input.name, cline, &cmd) {
                        if p.listen.is_none()
                            && let Some(port) = published_port(&def)
                        {
                            p.listen = Some(format!("127.0.0.1:{port}"));
                        }
                        self.add(
                            &input.name,
                            cline,
                            format!("services.{service}.command"),
                            Outcome::Mapped(format!("[processes.{name}]")),
                        );
                        if let Some(context) = build_context(&def)
                            && self.opts.src.is_none()
                            && self.draft.python_src.as_deref() == Some(".")
                            && !matches!(p.kind, ProcessKind::Command(_))
                        {
                            self.add(&input.name, def.get("build").map_or(line, parse::Yaml::line), format!("services.{service}.build"), Outcome::Mapped(format!("[package.python] src = {context:?}: the service's build context (relative to the project root above the Compose file)")));
                            self.draft.python_src = Some(context);
                        }
                        self.register_port(&name, &p);
                        self.by_service.insert(service.clone(), name.clone());
                        self.draft.processes.insert(name.clone(), p);
                    }
                }
                None if def.get("build").is_some() && looks_like_frontend(&service, &def) => {
                    let src = frontend_dist(&def);
                    self.draft.assets.insert(name.clone(), (src.clone(), true));
                    self.by_service
                        .insert(service.clone(), format!("asset:{name}"));
                    if let Some(port) = published_port(&def) {
                        self.by_port.insert(port, format!("asset:{name}"));
                    }
                    self.add(&input.name, line, format!("services.{service} (built web frontend)"), Outcome::Decided(format!(
                        "[assets.{name}] src = {src:?}, a single-page app served by nginx: build it before `app2nix generate`"
                    )));
                }
                None => {
                    self.add(&input.name, line, format!("services.{service}"), Outcome::Unmapped("no `command:` (the image's CMD is not visible here): add the process by hand, or pass its Dockerfile".into()));
                }
            }
            self.compose_rest(input, &service, &def, false);
        }
        Ok(())
    }

    /// The settings of a Compose service other than image / command.
    fn compose_rest(&mut self, input: &Input, service: &str, def: &parse::Yaml, backing: bool) {
        let parse::Yaml::Map(items, _) = def else {
            return;
        };
        let process = self
            .by_service
            .get(service)
            .cloned()
            .filter(|p| !p.starts_with("asset:"));
        for (key, value) in items {
            let line = value.line();
            let what = format!("services.{service}.{key}");
            match key.as_str() {
                "command" if !backing => {}
                "build" if !backing => self.compose_build(input, service, value),
                "image" | "command" | "build" | "depends_on" | "restart" | "container_name"
                | "networks" => {
                    if !backing || key != "image" {
                        self.add(
                            &input.name,
                            line,
                            what,
                            Outcome::Covered(
                                match key.as_str() {
                                    "depends_on" => {
                                        "app2nix orders the units (database and tasks first)"
                                    }
                                    "restart" => "systemd restarts the units",
                                    "build" => "Nix builds the package",
                                    _ => "container plumbing, not needed on NixOS",
                                }
                                .into(),
                            ),
                        );
                    }
                }
                "environment" => match value {
                    parse::Yaml::Map(vars, _) => {
                        for (k, v) in vars {
                            let v = v.str().unwrap_or("").to_string();
                            if backing {
                                self.add(&input.name, line_of_from(&input.text, k, line), format!("{k}=…"), Outcome::Covered("settings of the database container: the local service needs none".into()));
                            } else {
                                self.variable(
                                    &input.name,
                                    line_of_from(&input.text, k, line),
                                    k,
                                    &v,
                                    process.as_deref(),
                                );
                            }
                        }
                    }
                    parse::Yaml::Seq(vars, _) => {
                        for v in vars {
                            if let Some((k, val)) = v.str().and_then(|s| s.split_once('=')) {
                                if backing {
                                    self.add(&input.name, v.line(), format!("{k}=…"), Outcome::Covered("settings of the database container: the local service needs none".into()));
                                } else {
                                    self.variable(
                                        &input.name,
                                        v.line(),
                                        k,
                                        val,
                                        process.as_deref(),
                                    );
                                }
                            }
                        }
                    }
                    _ => {}
                },
                "env_file" => {
                    let files: Vec<String> = match value {
                        parse::Yaml::Seq(v, _) => {
                            v.iter().filter_map(|x| x.str().map(String::from)).collect()
                        }
                        parse::Yaml::Scalar(s, _) => vec![s.clone()],
                        _ => Vec::new(),
                    };
                    for f in files {
                        let base = Path::new(&f)
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        if backing || self.env_files.contains(&base) {
                            self.add(
                                &input.name,
                                line,
                                format!("{what}: {f}"),
                                Outcome::Covered(if backing {
                                    "settings of the database container".into()
                                } else {
                                    format!("imported from {base}")
                                }),
                            );
                        } else if let [only] = self.env_files.as_slice() {
                            self.add(
                                &input.name,
                                line,
                                format!("{what}: {f}"),
                                Outcome::Decided(format!(
                                    "taken to be {only}, the environment file given to import"
                                )),
                            );
                        } else {
                            self.add(&input.name, line, format!("{what}: {f}"), Outcome::Unmapped(format!("pass {base} to `app2nix import` to turn it into [env] and [secrets]")));
                        }
                    }
                }
                "ports" => {
                    let outcome = if backing {
                        Outcome::Unmapped("a published database port: the local service listens on its unix socket only".into())
                    } else {
                        Outcome::Covered(
                            "nginx is the public entry point; the process listens on loopback"
                                .into(),
                        )
                    };
                    self.add(&input.name, line, what, outcome);
                }
                "volumes" => {
                    let parse::Yaml::Seq(vols, _) = value else {
                        continue;
                    };
                    for v in vols {
                        let spec = v.str().unwrap_or("").to_string();
                        let (src, target) = spec.split_once(':').unwrap_or((spec.as_str(), ""));
                        if backing && src.ends_with(".sql") {
                            let file = Path::new(src)
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            self.draft.tasks.insert(
                                "schema".into(),
                                Task {
                                    sql: Some(file.clone()),
                                    once: true,
                                    ..Task::default()
                                },
                            );
                            self.add(&input.name, v.line(), format!("volume {spec}"), Outcome::Mapped(format!("[tasks.schema] sql = {file:?}, once: loaded into the database on first start (the file is looked up in the package source)")));
                        } else if backing {
                            self.add(
                                &input.name,
                                v.line(),
                                format!("volume {spec}"),
                                Outcome::Covered("database storage: /var/lib/postgresql".into()),
                            );
                        } else if target.contains("log") {
                            self.draft.logs = true;
                            self.add(
                                &input.name,
                                v.line(),
                                format!("volume {spec}"),
                                Outcome::Mapped(
                                    "[state] logs = true: /var/log/<app> (LOGS_DIRECTORY)".into(),
                                ),
                            );
                        } else {
                            self.add(&input.name, v.line(), format!("volume {spec}"), Outcome::Unmapped("add the directory to [state] dirs if the app keeps state there".into()));
                        }
                    }
                }
                "healthcheck" => {
                    let test = value
                        .get("test")
                        .map(|t| match t {
                            parse::Yaml::Seq(items, _) => items
                                .iter()
                                .filter_map(|i| i.str())
                                .collect::<Vec<_>>()
                                .join(" "),
                            parse::Yaml::Scalar(s, _) => s.clone(),
                            _ => String::new(),
                        })
                        .unwrap_or_default();
                    let path = test.split_whitespace().find_map(|w| {
                        w.split_once("://")
                            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
                    });
                    match (backing, path, &process) {
                        (true, _, _) => self.add(
                            &input.name,
                            line,
                            what,
                            Outcome::Covered("NixOS orders the app after the database".into()),
                        ),
                        (false, Some(p), Some(proc_)) => {
                            self.draft.health = Some((p.clone(), Some(proc_.clone())));
                            self.add(
                                &input.name,
                                line,
                                what,
                                Outcome::Mapped(format!("[health] path = {p:?}")),
                            );
                        }
                        _ => self.add(
                            &input.name,
                            line,
                            what,
                            Outcome::Unmapped("no HTTP health check found in `test`".into()),
                        ),
                    }
                }
                _ => self.add(
                    &input.name,
                    line,
                    what,
                    Outcome::Unmapped("no equivalent in app2nix.toml".into()),
                ),
            }
        }
    }

    /// A service's `build:`: the Python package is built by Nix; a frontend is not built by
    /// app2nix, and its build arguments are values baked into the bundle.
    fn compose_build(&mut self, input: &Input, service: &str, build: &parse::Yaml) {
        let what = format!("services.{service}.build");
        let asset = self
            .by_service
            .get(service)
            .and_then(|p| p.strip_prefix("asset:").map(String::from));
        let Some(asset) = asset else {
            self.add(
                &input.name,
                build.line(),
                what,
                Outcome::Covered("Nix builds the Python package from [package.python] src".into()),
            );
            return;
        };
        let dist = self
            .draft
            .assets
            .get(&asset)
            .map(|(d, _)| d.clone())
            .unwrap_or_default();
        self.add(&input.name, build.line(), what, Outcome::Unmapped(format!(
            "a frontend build (its Dockerfile runs the build): app2nix serves the built files of `{dist}` ([assets.{asset}]) but does not build them; build them before `app2nix generate`"
        )));
        if let Some(parse::Yaml::Map(args, _)) = build.get("args") {
            for (k, v) in args {
                self.add(&input.name, v.line(), format!("services.{service}.build.args.{k}"), Outcome::Unmapped(
                    "a build-time value baked into the frontend bundle: set it when you build the files".into(),
                ));
            }
        } else if let Some(parse::Yaml::Seq(args, _)) = build.get("args") {
            for a in args {
                let k = a
                    .str()
                    .unwrap_or("")
                    .split('=')
                    .next()
                    .unwrap_or("")
                    .to_string();
                self.add(&input.name, a.line(), format!("services.{service}.build.args.{k}"), Outcome::Unmapped(
                    "a build-time value baked into the frontend bundle: set it when you build the files".into(),
                ));
            }
        }
    }

    fn nginx(&mut self, input: &Input) -> Result<(), String> {
        let directives = parse::nginx(&input.text)
            .map_err(|e| format!("error: {}: {e}\nhelp: check it with `nginx -t`", input.name))?;
        let mut servers = Vec::new();
        collect_servers(&directives, &mut servers);
        for server in servers {
            self.server_block(input, server);
        }
        Ok(())
    }

    fn server_block(&mut self, input: &Input, server: &parse::Directive) {
        let body = server.block.clone().unwrap_or_default();
        let names: Vec<String> = body
            .iter()
            .filter(|d| d.name == "server_name")
            .flat_map(|d| d.args.clone())
            .filter(|n| n != "_")
            .collect();
        let ssl = body
            .iter()
            .any(|d| d.name == "listen" && d.args.iter().any(|a| a == "ssl" || a == "443"));
        let redirects_to_https = body
            .iter()
            .any(|d| d.name == "return" && d.args.iter().any(|a| a.starts_with("https://")));
        if !ssl && redirects_to_https && !body.iter().any(|d| d.name == "location") {
            self.redirect_only.extend(names.clone());
            self.add(
                &input.name,
                server.line,
                format!(
                    "server {{ listen 80; server_name {} }} (redirect to HTTPS)",
                    names.join(" ")
                ),
                Outcome::Covered("forceSSL redirects HTTP to HTTPS".into()),
            );
            return;
        }
        let site_name = site_name(&names, &self.draft.sites);
        let mut site = Site {
            domains: names.clone(),
            tls: if ssl { Tls::Acme } else { Tls::None },
            ..Site::default()
        };
        let mut cert_dir = None;
        let mut timeouts: Vec<String> = Vec::new();
        for d in &body {
            let what = directive_text(d);
            match d.name.as_str() {
                "server_name" => self.add(&input.name, d.line, what, Outcome::Mapped(format!("[sites.{site_name}] domains"))),
                "listen" => self.add(&input.name, d.line, what, Outcome::Covered("nginx listens on 80 and 443 for every site".into())),
                "ssl_certificate" => {
                    let path = d.args.first().cloned().unwrap_or_default();
                    if let Some(rest) = path.strip_prefix("/etc/letsencrypt/live/") {
                        cert_dir = rest.split('/').next().map(String::from);
                        self.add(&input.name, d.line, what, Outcome::Mapped("a certbot certificate: Let's Encrypt through NixOS's ACME client".into()));
                    } else {
                        self.add(&input.name, d.line, what, Outcome::Unmapped("certificate files: write `tls = { certificate = \"…\", key = \"…\" }` with their paths".into()));
                    }
                }
                "ssl_certificate_key" => self.add(&input.name, d.line, what, Outcome::Covered("with the certificate".into())),
                "ssl_dhparam" | "ssl_protocols" | "ssl_ciphers" | "ssl_prefer_server_ciphers" | "ssl_session_cache" | "ssl_session_timeout" | "ssl_stapling" | "ssl_stapling_verify" => {
                    self.add(&input.name, d.line, what, Outcome::Covered("recommendedTlsSettings".into()))
                }
                "include" if d.args.iter().any(|a| a.contains("letsencrypt")) => self.add(&input.name, d.line, what, Outcome::Covered("recommendedTlsSettings".into())),
                "client_max_body_size" => {
                    site.client_max_body_size = d.args.first().cloned();
                    self.add(&input.name, d.line, what, Outcome::Mapped(format!("[sites.{site_name}] client_max_body_size")));
                }
                "proxy_read_timeout" => {
                    timeouts.extend(d.args.first().map(|t| seconds(t)));
                    self.add(&input.name, d.line, what, Outcome::Mapped(format!("[sites.{site_name}] proxy_read_timeout")));
                }
                "add_header" => self.add(&input.name, d.line, what, Outcome::Covered("app2nix's security header preset (HSTS, X-Frame-Options, X-Content-Type-Options, Referrer-Policy)".into())),
                "gzip" | "gzip_types" | "gzip_vary" | "gzip_proxied" | "gzip_comp_level" | "gzip_min_length" => self.add(&input.name, d.line, what, Outcome::Covered("recommendedGzipSettings".into())),
                "access_log" | "error_log" => self.add(&input.name, d.line, what, Outcome::Covered("nginx's default logs".into())),
                "return" if redirects_to_https => self.add(&input.name, d.line, what, Outcome::Covered("forceSSL".into())),
                "location" => self.location(input, d, &site_name, &mut site, &mut timeouts),
                _ => self.add(&input.name, d.line, what, Outcome::Unmapped("no equivalent in app2nix.toml".into())),
            }
        }
        timeouts.sort();
        timeouts.dedup();
        match timeouts.as_slice() {
            [] => {}
            [one] => site.proxy_read_timeout = Some(one.clone()),
            many => self.add(
                &input.name,
                server.line,
                format!("proxy_read_timeout {}", many.join(", ")),
                Outcome::Decided(format!(
                    "several timeouts: the site uses the longest, {}",
                    many[many.len() - 1]
                )),
            ),
        }
        if site.proxy_read_timeout.is_none() && timeouts.len() > 1 {
            site.proxy_read_timeout = timeouts.last().cloned();
        }
        self.cert_dirs.push(cert_dir);
        self.draft.sites.push((site_name, site));
    }

    fn location(
        &mut self,
        input: &Input,
        d: &parse::Directive,
        site_name: &str,
        site: &mut Site,
        timeouts: &mut Vec<String>,
    ) {
        let path = d.args.last().cloned().unwrap_or_else(|| "/".into());
        if d.args.len() > 1 {
            self.add(&input.name, d.line, format!("location {}", d.args.join(" ")), Outcome::Unmapped("regular-expression and exact-match locations are not expressible: routes are path prefixes".into()));
            return;
        }
        let body = d.block.clone().unwrap_or_default();
        let mut target: Option<Route> = None;
        let mut spa = false;
        for inner in &body {
            let what = directive_text(inner);
            match inner.name.as_str() {
                "proxy_pass" => {
                    let url = inner.args.first().cloned().unwrap_or_default();
                    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(&url);
                    let (hostport, uri) = match rest.find('/') {
                        Some(i) => (&rest[..i], Some(&rest[i..])),
                        None => (rest, None),
                    };
                    let strip_prefix = match uri_replacement(&path, uri) {
                        Ok(strip) => strip,
                        Err(why) => {
                            self.add(&input.name, inner.line, what, Outcome::Unmapped(why));
                            continue;
                        }
                    };
                    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "80"));
                    let port: Option<u16> = port.parse().ok();
                    let process = self.by_service.get(host).cloned().or_else(|| port.and_then(|p| self.by_port.get(&p).cloned()));
                    match process {
                        Some(p) if p.starts_with("asset:") => {
                            let asset = p.trim_start_matches("asset:").to_string();
                            target = Some(Route::Asset(asset.clone()));
                            self.add(&input.name, inner.line, what, Outcome::Mapped(format!("{path} → asset `{asset}`, served by nginx itself")));
                        }
                        Some(p) => {
                            target = Some(Route::Process(p.clone(), strip_prefix));
                            let how = if strip_prefix { format!(", without the `{path}` prefix (strip_prefix, as nginx replaces it with `/`)") } else { String::new() };
                            self.add(&input.name, inner.line, what, Outcome::Mapped(format!("{path} → process `{p}` through an nginx upstream{how}")));
                        }
                        None => self.add(&input.name, inner.line, what, Outcome::Unmapped(format!("no imported process listens on {hostport}: import its unit or Compose service too"))),
                    }
                }
                "root" | "alias" => self.add(&input.name, inner.line, what, Outcome::Decided("files on the old server: serve them as an [assets] directory or a [state] route".into())),
                "try_files" if inner.args.iter().any(|a| a.ends_with("index.html")) => {
                    spa = true;
                    self.add(&input.name, inner.line, what, Outcome::Covered("a single-page app's fallback to index.html".into()));
                }
                "return" => {
                    let (code, url) = match inner.args.as_slice() {
                        [c, u] => (c.parse().ok(), u.clone()),
                        [u] => (None, u.clone()),
                        _ => (None, String::new()),
                    };
                    target = Some(Route::Redirect(url, code));
                    self.add(&input.name, inner.line, what, Outcome::Mapped(format!("{path} → redirect")));
                }
                "proxy_read_timeout" => {
                    timeouts.extend(inner.args.first().map(|t| seconds(t)));
                    self.add(&input.name, inner.line, what, Outcome::Mapped(format!("[sites.{site_name}] proxy_read_timeout")));
                }
                "proxy_set_header" if directive_text(inner).ends_with('…') => self.add(&input.name, inner.line, what, Outcome::Unmapped(
                    "a header that carries credentials, which app2nix does not send; if the app needs it, declare the value under [secrets] and let the app add it".into(),
                )),
                "proxy_set_header" | "proxy_http_version" | "proxy_redirect" | "proxy_buffering" => {
                    let ws = inner.args.iter().any(|a| a.to_ascii_lowercase().contains("upgrade"));
                    self.add(&input.name, inner.line, what, Outcome::Covered(if ws { "WebSocket headers: write `websockets = true` on the route if it needs them".into() } else { "recommendedProxySettings".into() }));
                }
                "include" if inner.args.iter().any(|a| a.contains("proxy_params")) => self.add(&input.name, inner.line, what, Outcome::Covered("recommendedProxySettings".into())),
                "expires" | "add_header" | "gzip_static" | "access_log" => self.add(&input.name, inner.line, what, Outcome::Covered("app2nix's caching and header defaults".into())),
                _ => self.add(&input.name, inner.line, what, Outcome::Unmapped("no equivalent in app2nix.toml".into())),
            }
        }
        let _ = spa;
        match target {
            // Found by fuzzing: a second `location` with the same path made a duplicate key.
            Some(_) if site.routes.iter().any(|(p, _)| *p == path) => self.add(
                &input.name,
                d.line,
                format!("location {path}"),
                Outcome::Unmapped("a second location with this path: the first one is kept".into()),
            ),
            Some(t) => site.routes.push((path, t)),
            None => self.add(
                &input.name,
                d.line,
                format!("location {path}"),
                Outcome::Unmapped("no proxy_pass or return that maps to a route".into()),
            ),
        }
    }

    fn finish(&mut self) {
        let name = self.app_name_guess();
        self.draft.name = Some(name.clone());
        // Every domain of an HTTP-only redirect server belongs to an HTTPS site already.
        for d in std::mem::take(&mut self.redirect_only) {
            if !self.draft.sites.iter().any(|(_, s)| s.domains.contains(&d)) {
                self.report.add(
                    Source::new("(import)", 0),
                    format!("server_name {d}"),
                    Outcome::Unmapped(
                        "only redirected to HTTPS, but no HTTPS server serves it".into(),
                    ),
                );
            }
        }
        // A single site is the site: call it `main` whatever its domain.
        if let [(only, _)] = self.draft.sites.as_mut_slice()
            && only != "main"
        {
            let old = format!("[sites.{only}]");
            *only = "main".into();
            for f in &mut self.report.findings {
                if let Outcome::Mapped(t) = &mut f.outcome {
                    *t = t.replace(&old, "[sites.main]");
                }
            }
        }
        let acme_sites: Vec<usize> = (0..self.draft.sites.len())
            .filter(|i| self.draft.sites[*i].1.tls == Tls::Acme)
            .collect();
        if !acme_sites.is_empty() {
            let dirs: Vec<&Option<String>> =
                acme_sites.iter().map(|i| &self.cert_dirs[*i]).collect();
            let shared = dirs.len() > 1 && dirs.iter().all(|d| d.is_some() && *d == dirs[0]);
            let first = self.draft.sites[acme_sites[0]]
                .1
                .domains
                .first()
                .cloned()
                .unwrap_or_default();
            let base = base_domain(&first);
            let email = format!("admin@{base}");
            self.report.add(Source::new("(import)", 0), "Let's Encrypt account email", Outcome::Decided(format!("{email}: certbot's account email is not in these files; change [acme] email if it is wrong")));
            if shared {
                self.report.add(
                    Source::new("(import)", 0),
                    "one certbot certificate for every site",
                    Outcome::Mapped("[acme] certificate = \"shared\"".into()),
                );
            }
            self.draft.acme = Some((email, shared));
        }
        if self.draft.processes.is_empty() {
            self.report.add(
                Source::new("(import)", 0),
                "processes",
                Outcome::Unmapped("no process found: add one under [processes]".into()),
            );
        }
        if !self.python_decided {
            self.report.add(Source::new("(import)", 0), "Python version", Outcome::Decided(format!("nixos-26.05's python3 ({}): no .python-version, Dockerfile or requires-python among the inputs", crate::model::DEFAULT_PYTHON)));
        }
        self.draft.intro = vec![
            format!(
                "{name}: imported by `app2nix import`. Review the `decided` and `not mapped` lines of"
            ),
            "its report, then run `app2nix generate`.".into(),
        ];
    }
}

/// What a `proxy_pass` URI does to the paths of `location`: nginx replaces the matched prefix
/// with the URI. `Ok(true)` strips the prefix (`location /api/ { proxy_pass http://b/; }`),
/// `Ok(false)` passes paths unchanged (no URI, or the prefix itself); anything else has no route
/// equivalent.
fn uri_replacement(location: &str, uri: Option<&str>) -> Result<bool, String> {
    match uri {
        None => Ok(false),
        Some(u) if u == location => Ok(false),
        Some(u) if u.contains('$') => Err(format!(
            "proxy_pass builds its URI from variables (`{u}`): write the route by hand"
        )),
        Some("/") if location.ends_with('/') => Ok(location != "/"),
        Some(u) => Err(format!(
            "nginx replaces `{location}` with `{u}` before proxying; routes pass paths unchanged or strip the whole prefix (`strip_prefix`), so the app would see other paths"
        )),
    }
}

/// An nginx directive as the report shows it: a header that carries credentials
/// (`Authorization`, `X-Api-Key`, cookies, anything secret-named) shows its name, not its value.
fn directive_text(d: &parse::Directive) -> String {
    let header_directive = [
        "proxy_set_header",
        "add_header",
        "more_set_headers",
        "uwsgi_param",
        "fastcgi_param",
    ];
    if header_directive.contains(&d.name.as_str())
        && let Some(header) = d.args.first()
    {
        let lower = header.to_ascii_lowercase();
        let credential = [
            "authorization",
            "proxy-authorization",
            "cookie",
            "set-cookie",
        ]
        .contains(&lower.as_str())
            || secrets::is_secret_name(&header.replace('-', "_"));
        if credential && d.args.len() > 1 {
            return format!("{} {header} …", d.name);
        }
    }
    format!("{} {}", d.name, d.args.join(" "))
}

fn collect_servers<'a>(ds: &'a [parse::Directive], out: &mut Vec<&'a parse::Directive>) {
    for d in ds {
        if d.name == "server" && d.block.is_some() {
            out.push(d);
        } else if let Some(b) = &d.block {
            collect_servers(b, out);
        }
    }
}

/// `main` for the apex (and its www), the first label for a subdomain.
fn site_name(domains: &[String], taken: &[(String, Site)]) -> String {
    let first = domains.first().cloned().unwrap_or_else(|| "main".into());
    let labels: Vec<&str> = first.split('.').collect();
    let base = if labels.len() <= 2 || labels[0] == "www" {
        "main".to_string()
    } else {
        slug(labels[0])
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|(t, _)| *t == name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// The registrable-looking part of a domain (its last two labels).
fn base_domain(d: &str) -> String {
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() <= 2 {
        d.to_string()
    } else {
        labels[labels.len() - 2..].join(".")
    }
}

/// The host port of a service's first published port (`"8080:80"` → 8080).
fn published_port(def: &parse::Yaml) -> Option<u16> {
    let parse::Yaml::Seq(ports, _) = def.get("ports")? else {
        return None;
    };
    let spec = ports.first()?.str()?;
    let parts: Vec<&str> = spec.split(':').collect();
    let host = if parts.len() >= 2 {
        parts[parts.len() - 2]
    } else {
        parts[0]
    };
    host.split('/').next()?.parse().ok()
}

fn looks_like_frontend(service: &str, def: &parse::Yaml) -> bool {
    let dockerfile = def
        .get("build")
        .and_then(|b| b.get("dockerfile"))
        .and_then(parse::Yaml::str)
        .unwrap_or("");
    ["front", "web", "ui", "spa", "client"]
        .iter()
        .any(|k| service.contains(k) || dockerfile.to_lowercase().contains(k))
}

/// A service's build context as a path below the project root the Compose file sits in
/// (`../backend` → `backend`), when it is not the root itself.
fn build_context(def: &parse::Yaml) -> Option<String> {
    let context = match def.get("build")? {
        parse::Yaml::Scalar(s, _) => s.clone(),
        b => b.get("context").and_then(parse::Yaml::str)?.to_string(),
    };
    let context = context
        .trim_start_matches("./")
        .trim_start_matches("../")
        .trim_end_matches('/')
        .to_string();
    (!context.is_empty() && context != "." && !context.contains("..")).then_some(context)
}

/// Where a frontend's build output is expected: `<context>/dist` (Vite's default), relative to
/// the project root the Compose file sits below.
fn frontend_dist(def: &parse::Yaml) -> String {
    let context = match def.get("build") {
        Some(parse::Yaml::Scalar(s, _)) => s.clone(),
        Some(b) => b
            .get("context")
            .and_then(parse::Yaml::str)
            .unwrap_or(".")
            .to_string(),
        None => ".".into(),
    };
    let context = context
        .trim_start_matches("./")
        .trim_start_matches("../")
        .trim_end_matches('/');
    if context.is_empty() || context == "." {
        "dist".into()
    } else {
        format!("{context}/dist")
    }
}

/// The 1-based line of the first occurrence of `needle` (0 when absent).
pub(crate) fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i + 1)
}

fn line_of_from(text: &str, needle: &str, from: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map_or(from, |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_names_and_content() {
        assert_eq!(detect("nanotrace.service", ""), Some(Kind::Systemd));
        assert_eq!(detect("prod-docker-compose.yml", ""), Some(Kind::Compose));
        assert_eq!(
            detect("sites/nanotrace", "server {\n server_name a;\n}"),
            Some(Kind::Nginx)
        );
        assert_eq!(detect(".env.prod", ""), Some(Kind::Env));
        assert_eq!(detect("notes.txt", "hello"), None);
    }

    #[test]
    fn proxy_pass_uris_map_to_strip_prefix() {
        assert_eq!(uri_replacement("/api/", None), Ok(false));
        assert_eq!(uri_replacement("/api/", Some("/")), Ok(true));
        assert_eq!(uri_replacement("/", Some("/")), Ok(false));
        assert_eq!(uri_replacement("/api/", Some("/api/")), Ok(false));
        assert!(uri_replacement("/api/", Some("/v1/")).is_err());
        assert!(uri_replacement("/api", Some("/")).is_err());
        assert!(uri_replacement("/api/", Some("/$1")).is_err());
    }

    #[test]
    fn site_names() {
        let d = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            site_name(&d(&["nanotrace.org", "www.nanotrace.org"]), &[]),
            "main"
        );
        assert_eq!(site_name(&d(&["admin.nanotrace.org"]), &[]), "admin");
    }
}

#[cfg(test)]
mod regressions {
    use super::*;

    /// Found by fuzzing: `.env` lines whose names are not variable names (quotes, control
    /// characters) made the description invalid TOML. They are now reported, not imported.
    #[test]
    fn odd_env_lines_keep_the_description_valid() {
        let input = Input {
            name: ".env".into(),
            text: "r%K;\u{1}\u{0}=rains\" always;\n\"\"\"A\"\"\"=x\nMAIL_PASSWORD=hunter2\nOK=1\n"
                .into(),
        };
        let (draft, report) = import(&[input], &Options::default()).expect("imports");
        let text = draft.to_toml();
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{text}\n{e}"));
        assert_eq!(table["env"].as_table().map(|t| t.len()), Some(1));
        assert!(report.unmapped() >= 2, "{}", report.render());
        assert!(!text.contains("hunter2") && !report.render().contains("hunter2"));
    }

    /// Found by fuzzing: two `location /` blocks made a duplicate TOML key.
    #[test]
    fn repeated_locations_keep_the_first() {
        let input = Input {
            name: "site.conf".into(),
            text: "server {\n  server_name a.org;\n  location / { return 301 https://b.org/; }\n  location / { return 302 https://c.org/; }\n}\n".into(),
        };
        let (draft, report) = import(&[input], &Options::default()).expect("imports");
        let text = draft.to_toml();
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{text}\n{e}"));
        let routes = &table["sites"]["main"]["routes"];
        assert_eq!(routes["/"]["redirect"].as_str(), Some("https://b.org/"));
        assert!(
            report
                .render()
                .contains("site.conf:4: location /: not mapped")
        );
    }

    fn imported(inputs: &[(&str, &str)]) -> (toml::Table, String) {
        let inputs: Vec<Input> = inputs
            .iter()
            .map(|(n, t)| Input {
                name: n.to_string(),
                text: t.to_string(),
            })
            .collect();
        let (draft, report) = import(&inputs, &Options::default()).expect("imports");
        let text = draft.to_toml();
        (
            text.parse().unwrap_or_else(|e| panic!("{text}\n{e}")),
            report.render(),
        )
    }

    const UNIT: &str = "[Service]\nExecStart=/srv/venv/bin/gunicorn --bind 127.0.0.1:8000 --keep-alive 5 --max-requests 1000 app.wsgi:app\n";

    /// A deployment never seen before: `proxy_pass` with a URI replaces the location's prefix,
    /// so the backend receives `/x` for `/api/x`; imported as a plain route it got `/api/x`.
    #[test]
    fn a_proxy_pass_uri_strips_the_prefix() {
        let nginx = "server {\n  server_name a.org;\n  location /api/ { proxy_pass http://127.0.0.1:8000/; }\n  location /v1/ { proxy_pass http://127.0.0.1:8000/v2/; }\n}\n";
        let (t, report) = imported(&[("app.service", UNIT), ("site.conf", nginx)]);
        let routes = &t["sites"]["main"]["routes"];
        assert_eq!(routes["/api/"]["process"].as_str(), Some("web"));
        assert_eq!(routes["/api/"]["strip_prefix"].as_bool(), Some(true));
        assert!(routes.get("/v1/").is_none());
        assert!(report.contains("site.conf:4: proxy_pass http://127.0.0.1:8000/v2/: not mapped: nginx replaces `/v1/` with `/v2/`"), "{report}");
    }

    /// gunicorn's `--keep-alive` and `--max-requests` have description keys.
    #[test]
    fn gunicorn_keepalive_and_max_requests_are_mapped() {
        let (t, report) = imported(&[("app.service", UNIT)]);
        let web = &t["processes"]["web"];
        assert_eq!(web["keepalive"].as_integer(), Some(5));
        assert_eq!(web["max_requests"].as_integer(), Some(1000));
        assert!(!report.contains("--keep-alive: not mapped"), "{report}");
    }

    /// A SQLite DATABASE_URL becomes [sqlite] with its driver, instead of vanishing.
    #[test]
    fn sqlite_urls_become_the_sqlite_section() {
        let (t, report) = imported(&[(".env", "DATABASE_URL=sqlite+aiosqlite:///./data/app.db\n")]);
        assert_eq!(t["sqlite"]["path"].as_str(), Some("app.db"));
        assert_eq!(t["sqlite"]["driver"].as_str(), Some("aiosqlite"));
        assert!(
            report.contains(".env:1: DATABASE_URL=…: mapped: [sqlite]"),
            "{report}"
        );
        let (t, _) = imported(&[(
            ".env",
            "APP_DATABASE_URL=sqlite:////var/lib/app/app.sqlite3\n",
        )]);
        assert_eq!(t["sqlite"]["path"].as_str(), Some("app.sqlite3"));
        assert_eq!(t["sqlite"]["url_env"].as_str(), Some("APP_DATABASE_URL"));
        assert!(t["sqlite"].get("driver").is_none());
    }
}
