//! The validated model: what a description means, with every rule checked. Building it is the
//! only place descriptions are judged; everything downstream may assume a valid model.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use crate::commands::Missing;
use crate::description::{self as d, Sp};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::secrets;

/// A validated application.
#[derive(Debug, Clone)]
pub struct Model {
    /// `services.<name>`, unit prefix, default user.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// System user (and group) the app runs as.
    pub user: String,
    /// The application package.
    pub package: Package,
    /// Static / SPA build outputs.
    pub assets: Vec<Asset>,
    /// Long-running processes, by name.
    pub processes: Vec<Process>,
    /// One-shot and scheduled tasks, by name.
    pub tasks: Vec<Task>,
    /// Plain environment for every unit.
    pub env: BTreeMap<String, String>,
    /// Environment files read at start.
    pub environment_files: Vec<String>,
    /// Named secrets.
    pub secrets: Vec<Secret>,
    /// Directory of the encrypted `<app>-<NAME>.age` files, relative to the description.
    pub secrets_dir: String,
    /// Subdirectories of the state directory.
    pub state_dirs: Vec<String>,
    /// Whether the app gets `/var/log/<app>`.
    pub logs: bool,
    /// The database, if any.
    pub database: Option<Database>,
    /// Local Redis: the env var receiving its URL.
    pub redis_url_env: Option<String>,
    /// restic backup.
    pub restic: Option<Restic>,
    /// PostgreSQL dumps.
    pub postgresql_backup: Option<PostgresqlBackup>,
    /// Health endpoint.
    pub health: Option<Health>,
    /// nginx sites.
    pub sites: Vec<Site>,
    /// ACME settings (present when some site uses ACME).
    pub acme: Option<Acme>,
    /// agenix recipients (`secrets.nix` is generated when present and secrets exist).
    pub agenix: Option<Agenix>,
    /// The machine the flake deploys to.
    pub host: Option<Host>,
    /// What `check` and `generate` tell the user besides errors: choices with a cost, files left
    /// out of the package.
    pub notes: Vec<String>,
}

impl Model {
    /// `<app>-<part>`: the name of one of the app's units, timers, upstreams or agenix secrets.
    pub fn prefixed(&self, part: &str) -> String {
        format!("{}-{part}", self.name)
    }

    /// The state directory the module defaults to (a systemd `StateDirectory=`).
    pub fn state_dir(&self) -> String {
        format!("/var/lib/{}", self.name)
    }

    /// The logs directory (`[state] logs`, a systemd `LogsDirectory=`).
    pub fn logs_dir(&self) -> String {
        format!("/var/log/{}", self.name)
    }

    /// The socket of a process that listens on a unix socket (in its `RuntimeDirectory=`).
    pub fn socket_path(&self, process: &str) -> String {
        format!("/run/{}/{process}.sock", self.prefixed(process))
    }

    /// The access log of a process with `access_log_file`.
    pub fn access_log_path(&self, process: &str) -> String {
        format!("{}/{process}-access.log", self.logs_dir())
    }
}

/// A NixOS machine of the flake (`nixosConfigurations.<name>`).
#[derive(Debug, Clone)]
pub struct Host {
    /// Host name.
    pub name: String,
    /// Its own configuration file, relative to the description's directory.
    pub configuration: String,
    /// `x86_64-linux` or `aarch64-linux`.
    pub system: String,
}

/// A public site.
#[derive(Debug, Clone)]
pub struct Site {
    /// Name (`services.<app>.sites.<name>`).
    pub name: String,
    /// Domains, first is the server name.
    pub domains: Vec<String>,
    /// `www.X` beside `X` becomes a redirect.
    pub redirect_www: bool,
    /// Certificates.
    pub tls: Tls,
    /// `client_max_body_size`.
    pub client_max_body_size: Option<String>,
    /// `proxy_read_timeout`.
    pub proxy_read_timeout: Option<String>,
    /// Add the security header preset.
    pub security_headers: bool,
    /// Routes, by path.
    pub routes: Vec<Route>,
}

/// A site's certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Let's Encrypt, per site or shared (see [`Acme`]).
    Acme,
    /// Plain HTTP.
    None,
    /// Certificate files provisioned by the user.
    Files {
        /// Certificate chain.
        certificate: String,
        /// Private key.
        key: String,
    },
}

/// One location of a site.
#[derive(Debug, Clone)]
pub struct Route {
    /// URL path prefix.
    pub path: String,
    /// Where it goes.
    pub target: RouteTarget,
    /// Drop the prefix before proxying.
    pub strip_prefix: bool,
    /// Pass WebSocket upgrades.
    pub websockets: bool,
    /// `client_max_body_size`.
    pub client_max_body_size: Option<String>,
    /// `proxy_read_timeout`.
    pub proxy_read_timeout: Option<String>,
}

/// Route targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    /// A process, by name.
    Process(String),
    /// An asset, by name.
    Asset {
        /// Asset name.
        name: String,
        /// Single-page app.
        spa: bool,
        /// Subdirectory of content-hashed files (Vite's `assets`), cached for long.
        hashed_dir: Option<String>,
    },
    /// A subdirectory of the state directory.
    State(String),
    /// A redirect.
    Redirect {
        /// Target URL.
        url: String,
        /// Status code.
        code: u16,
    },
}

/// ACME settings.
#[derive(Debug, Clone)]
pub struct Acme {
    /// Account email.
    pub email: String,
    /// Staging server.
    pub staging: bool,
    /// One certificate for every domain.
    pub shared: bool,
    /// DNS-01 provider.
    pub dns_provider: Option<String>,
    /// Secret holding the provider's credentials.
    pub dns_credentials: Option<String>,
}

/// agenix recipients.
#[derive(Debug, Clone)]
pub struct Agenix {
    /// Host keys.
    pub host_keys: Vec<String>,
    /// Admin keys.
    pub admin_keys: Vec<String>,
}

/// Where the code comes from.
#[derive(Debug, Clone)]
pub enum Package {
    /// Built from a source directory.
    Python(PythonPackage),
    /// A nixpkgs attribute path.
    Nixpkgs(String),
    /// `inputs.<input>.packages.<system>.<attr>`.
    Flake {
        /// Flake input name.
        input: String,
        /// Package attribute.
        attr: String,
    },
}

/// A Python application from source.
#[derive(Debug, Clone)]
pub struct PythonPackage {
    /// Source directory relative to the description's directory (`/`-separated).
    pub src: String,
    /// `312` for Python 3.12; `None` for nixpkgs' `python3` ([`DEFAULT_PYTHON`]).
    pub version: Option<String>,
    /// Built as a package (`pyproject`) rather than put on `PYTHONPATH`.
    pub pyproject: bool,
    /// nixpkgs Python attributes needed at run time, including server and driver.
    pub dependencies: BTreeSet<String>,
    /// Build backend packages (pyproject only).
    pub build_system: BTreeSet<String>,
    /// Version from `pyproject.toml` (`0` when it has none).
    pub package_version: String,
}

impl Process {
    /// How long nginx may keep an idle connection to this process for reuse (upstream
    /// keepalive): a second less than the server keeps it, so nginx never sends a request on a
    /// connection the server is closing. `None` when the server closes every connection
    /// (gunicorn's sync workers) or keeps them too briefly.
    pub fn upstream_keepalive_timeout(&self) -> Option<u32> {
        // The servers' own defaults: uvicorn's --timeout-keep-alive 5 s, gunicorn's --keep-alive
        // 2 s; an arbitrary command is assumed to keep connections at least 5 s.
        let idle = match &self.server {
            Server::Gunicorn { asgi: false, .. } => return None,
            Server::Gunicorn { asgi: true, .. } => self.keepalive.unwrap_or(2),
            Server::Uvicorn { .. } => self.keepalive.unwrap_or(5),
            Server::Command(_) => 5,
        };
        idle.checked_sub(1).filter(|t| *t > 0)
    }
}

impl PythonPackage {
    /// The nixpkgs attribute of the interpreter: `python3`, or `python312` for a pinned version.
    pub fn interpreter(&self) -> String {
        match &self.version {
            Some(v) => format!("python{v}"),
            None => "python3".into(),
        }
    }
}

/// A directory of built files.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Name (`services.<app>.assets.<name>`).
    pub name: String,
    /// Directory relative to the description's directory.
    pub src: String,
    /// Unknown paths fall back to `index.html`.
    pub spa: bool,
    /// `assets/` (content-hashed build output) when the directory has one.
    pub hashed_dir: Option<String>,
}

/// What a process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// gunicorn with sync workers (WSGI) or uvicorn workers (ASGI).
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
    /// Any command.
    Command(Command),
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
    /// Environment for this process only.
    pub env: BTreeMap<String, String>,
}

/// What a task runs.
#[derive(Debug, Clone)]
pub enum TaskRun {
    /// A command.
    Command(Command),
    /// A SQL file, relative to the package source.
    Sql(String),
}

/// Which processes a task must finish before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Before {
    /// Every process (the default for unscheduled tasks).
    All,
    /// These processes, by name (none for scheduled tasks).
    Processes(Vec<String>),
}

/// A one-shot or scheduled task.
#[derive(Debug, Clone)]
pub struct Task {
    /// Name; the unit is `<app>-<name>.service`.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// What runs.
    pub run: TaskRun,
    /// Processes that start only after it succeeded.
    pub before: Before,
    /// `OnCalendar=` for scheduled tasks.
    pub schedule: Option<String>,
    /// Guarded by a stamp file: runs once per machine.
    pub once: bool,
    /// Environment for this task only.
    pub env: BTreeMap<String, String>,
}

/// How a secret reaches the processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// As an environment variable of the same name, read from the credential at start.
    Env,
    /// As `<NAME>_FILE`, the path of the credential file.
    File,
    /// Not given to the app: ACME's DNS-01 credentials.
    Acme,
}

/// A named secret.
#[derive(Debug, Clone)]
pub struct Secret {
    /// Environment variable name.
    pub name: String,
    /// Delivery.
    pub delivery: Delivery,
}

/// The app's database.
#[derive(Debug, Clone)]
pub enum Database {
    /// Local PostgreSQL: database and role named after the user.
    Postgresql {
        /// URL scheme (`postgresql`, `postgresql+psycopg2`, ...).
        scheme: String,
        /// Env var receiving the URL.
        url_env: String,
    },
    /// SQLite file in the state directory.
    Sqlite {
        /// Path relative to the state directory.
        path: String,
        /// `sqlite` or `sqlite+aiosqlite`.
        scheme: String,
        /// Env var receiving the URL.
        url_env: String,
    },
}

/// restic settings.
#[derive(Debug, Clone)]
pub struct Restic {
    /// Repository.
    pub repository: String,
    /// Password file.
    pub password_file: String,
    /// Credentials environment file.
    pub environment_file: Option<String>,
    /// `OnCalendar=`.
    pub schedule: String,
    /// `--keep-<period> N` options, by period.
    pub keep: BTreeMap<String, u32>,
}

/// The app's database in `services.postgresqlBackup`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PostgresqlBackup {
    /// This database's own `startAt` (default: the host's).
    pub schedule: Option<String>,
}

/// Health endpoint.
#[derive(Debug, Clone)]
pub struct Health {
    /// URL path.
    pub path: String,
    /// Process serving it.
    pub process: String,
}

/// Names and paths validation needs from outside the description.
pub struct Context<'a> {
    /// Directory holding the description; relative paths start here and may not leave it.
    pub project_dir: &'a Path,
}

/// Platforms a generated flake builds for (NixOS VM tests need Linux).
pub const SYSTEMS: &[&str] = &["x86_64-linux", "aarch64-linux"];
const PYTHON_VERSIONS: &[&str] = &["3.11", "3.12", "3.13", "3.14"];
/// nixos-26.05's `python3`: the one interpreter whose packages the binary cache holds.
pub const DEFAULT_PYTHON: &str = "3.13";

struct Checker<'a> {
    errors: Vec<Diagnostic>,
    notes: Vec<String>,
    ctx: &'a Context<'a>,
}

impl Checker<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>, help: impl Into<String>) {
        self.errors.push(Diagnostic::new(span, message).help(help));
    }

    /// Text reaching Nix may hold anything but NUL, which Nix strings cannot carry.
    fn text(&mut self, s: &Sp<String>, what: &str) -> bool {
        if s.contains('\0') {
            self.err(
                s.span(),
                format!("{what} contains a NUL character"),
                "remove it: Nix strings cannot hold NUL",
            );
            return false;
        }
        true
    }

    fn one_line(&mut self, s: &Sp<String>, what: &str) -> bool {
        if !self.text(s, what) {
            return false;
        }
        if s.contains(['\n', '\r']) {
            self.err(
                s.span(),
                format!("{what} must be a single line"),
                "remove the line breaks",
            );
            return false;
        }
        true
    }

    /// A systemd calendar event (see [`crate::calendar`]).
    fn schedule(&mut self, s: &Sp<String>) -> Option<String> {
        if !self.one_line(s, "schedule") {
            return None;
        }
        match crate::calendar::check(s) {
            Ok(()) => Some(s.trim().to_string()),
            Err(why) => {
                self.err(
                    s.span(),
                    format!("schedule `{}` is not a calendar event systemd reads: {why}", shown(s)),
                    "use `daily`, `hourly`, `weekly`, … or `[WEEKDAYS] [YEAR-MONTH-DAY] HOUR:MINUTE[:SECOND] [UTC]`, e.g. `*-*-* 03:00:00` or `Mon..Fri 09:30` (systemd.time(7))",
                );
                None
            }
        }
    }

    /// Text NixOS writes into a unit file as it is (`Description=`): one line, and no `\` at
    /// its end, which would join the next line of the unit file to it.
    fn unit_text(&mut self, s: &Sp<String>, what: &str) -> bool {
        if !self.one_line(s, what) {
            return false;
        }
        if s.trim_end().ends_with('\\') {
            self.err(
                s.span(),
                format!("{what} ends with `\\`"),
                "remove it: in a systemd unit file, a line ending in `\\` continues on the next",
            );
            return false;
        }
        true
    }

    fn name(&mut self, s: &Sp<String>, what: &str) -> bool {
        if is_name(s) {
            return true;
        }
        self.err(
            s.span(),
            format!("invalid {what} `{}`", shown(s)),
            format!("use lowercase letters, digits and `-`, starting with a letter (at most 32 characters), e.g. `{}`", suggest_name(s)),
        );
        false
    }

    fn env_name(&mut self, s: &Sp<String>, what: &str) -> bool {
        if is_env_name(s) {
            return true;
        }
        self.err(
            s.span(),
            format!("invalid {what} `{}`", shown(s)),
            "environment variable names have letters, digits and `_`, and do not start with a digit",
        );
        false
    }

    /// A path relative to the project directory that must stay inside it (and exist).
    fn project_path(&mut self, s: &Sp<String>, what: &str, must_be_dir: bool) -> Option<String> {
        if !self.text(s, what) {
            return None;
        }
        let Some(rel) = normalize_relative(s) else {
            self.err(
                s.span(),
                format!("{what} `{}` escapes the project directory", shown(s)),
                "use a path relative to the directory of app2nix.toml that stays inside it",
            );
            return None;
        };
        let full = self.ctx.project_dir.join(&rel);
        // Symlinks could still lead out: compare canonical paths when the file exists.
        if let (Ok(root), Ok(real)) = (self.ctx.project_dir.canonicalize(), full.canonicalize())
            && !real.starts_with(&root)
        {
            self.err(
                s.span(),
                format!(
                    "{what} `{}` escapes the project directory through a symbolic link",
                    shown(s)
                ),
                "point it at a directory inside the project",
            );
            return None;
        }
        let ok = if must_be_dir {
            full.is_dir()
        } else {
            full.is_file()
        };
        if !ok {
            let kind = if must_be_dir { "directory" } else { "file" };
            self.err(
                s.span(),
                format!("{what} `{}` is not a {kind}", shown(s)),
                "create it or fix the path (relative to the directory of app2nix.toml)",
            );
            return None;
        }
        Some(path_to_slash(&rel))
    }

    fn positive(&mut self, v: &Option<Sp<i64>>, what: &str, max: i64) -> Option<u32> {
        let v = v.as_ref()?;
        if **v < 1 || **v > max {
            self.err(
                v.span(),
                format!("{what} must be between 1 and {max}, not {}", **v),
                format!("set {what} to a value from 1 to {max}"),
            );
            return None;
        }
        u32::try_from(**v).ok()
    }

    fn choice(
        &mut self,
        v: &Option<Sp<String>>,
        what: &str,
        choices: &[&str],
        default: &str,
    ) -> String {
        let Some(v) = v else {
            return default.to_string();
        };
        if choices.contains(&v.as_str()) {
            return v.to_string();
        }
        let list = choices
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match did_you_mean(v, choices.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? ({what} is one of {list})"),
            None => format!("{what} is one of {list}"),
        };
        self.err(v.span(), format!("unknown {what} `{}`", shown(v)), help);
        default.to_string()
    }

    fn env_map(
        &mut self,
        env: &BTreeMap<Sp<String>, Sp<String>>,
        secrets: &BTreeMap<Sp<String>, Sp<String>>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (k, v) in env {
            if !self.env_name(k, "environment variable name") {
                continue;
            }
            if let Some(who) = reserved_variable(k) {
                self.err(
                    k.span(),
                    format!("`{}` is set by {who}", k.as_str()),
                    "remove it: the units get it from there, and a second value would conflict or be dropped",
                );
                continue;
            }
            if secrets::is_secret_name(k) {
                let mut d = Diagnostic::new(v.span(), format!("`{}` looks like a secret, but its value is written in the description", k.as_str()))
                    .help(format!("remove it from `env` and declare it under [secrets] as `{} = \"env\"`; app2nix then delivers it from a file outside the Nix store", k.as_str()));
                d.redact = Some(v.span());
                self.errors.push(d);
                continue;
            }
            if let Some(why) = secrets::secret_value(v) {
                let mut d = Diagnostic::new(v.span(), format!("the value of `{}` looks like a secret: {why}", k.as_str()))
                    .help(format!("declare `{k}` under [secrets] and keep the value in a file outside the Nix store (local databases need no password: they use peer authentication)", k = k.as_str()));
                d.redact = Some(v.span());
                self.errors.push(d);
                continue;
            }
            if secrets.contains_key(k.as_str()) {
                self.err(
                    k.span(),
                    format!("`{}` is both a plain variable and a secret", k.as_str()),
                    "keep it in one place: [secrets] if its value is sensitive, `env` otherwise",
                );
                continue;
            }
            if self.text(v, "environment value") {
                out.insert(k.to_string(), v.to_string());
            }
        }
        out
    }

    fn command(&mut self, c: &Sp<d::Command>, what: &str) -> Option<Command> {
        let args: Vec<String> = match &**c {
            d::Command::Shell(s) => crate::shell::words(s),
            d::Command::Args(a) => a.clone(),
        };
        if let Some(why) = secrets::command_secret(&args) {
            let mut d = Diagnostic::new(c.span(), format!("the {what} holds a secret ({why})"))
                .help("declare it under [secrets] (`NAME = \"env\"`) and write the command as a string that reads it, e.g. `app --password \"$NAME\"`, so its value stays out of the Nix store");
            d.redact = Some(c.span());
            self.errors.push(d);
            return None;
        }
        match &**c {
            d::Command::Shell(s) => {
                if s.trim().is_empty() || s.contains('\0') {
                    self.err(
                        c.span(),
                        format!("{what} is empty or contains NUL"),
                        "write the command to run, e.g. `flask db upgrade`",
                    );
                    return None;
                }
                Some(Command::Shell(s.clone()))
            }
            d::Command::Args(a) => {
                if a.is_empty() || a[0].trim().is_empty() || a.iter().any(|x| x.contains('\0')) {
                    self.err(c.span(), format!("{what} is empty or contains NUL"), "write the program and its arguments, e.g. `[\"python\", \"manage.py\", \"migrate\"]`");
                    return None;
                }
                if let Some(var) = a.iter().find_map(|x| variable_in_argument(x)) {
                    self.err(
                        c.span(),
                        format!("`${var}` in an argument list reaches the program as written: a list runs without a shell"),
                        format!("write the {what} as a string, e.g. `{what} = \"{}\"`, so the shell expands `${var}`", a.join(" ")),
                    );
                    return None;
                }
                Some(Command::Args(a.clone()))
            }
        }
    }
}

impl Checker<'_> {
    /// What a command of an app built from source needs from its source tree (where the units
    /// run) and its dependencies: see [`crate::commands`].
    fn command_needs(&mut self, sp: &Sp<d::Command>, cmd: &Command, package: &Package) {
        let Package::Python(py) = package else {
            return;
        };
        if py.src.is_empty() {
            return;
        }
        let argv = match cmd {
            Command::Shell(s) => crate::shell::words(s),
            Command::Args(a) => a.clone(),
        };
        let source = self.ctx.project_dir.join(&py.src);
        let deps: Vec<String> = py.dependencies.iter().cloned().collect();
        let src = &py.src;
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
            self.err(sp.span(), message, help);
        }
    }
}

/// Who sets a variable the description may not: NixOS (`PATH`, from the units' `path`; a
/// second definition does not evaluate), the module (`PYTHONPATH`) or systemd (the directories
/// of a unit, its credentials, socket activation).
fn reserved_variable(name: &str) -> Option<&'static str> {
    match name {
        "PATH" => Some("NixOS, from the units' `path`"),
        "PYTHONPATH" => Some("the module, to the application's source"),
        "CREDENTIALS_DIRECTORY"
        | "STATE_DIRECTORY"
        | "RUNTIME_DIRECTORY"
        | "LOGS_DIRECTORY"
        | "CACHE_DIRECTORY"
        | "CONFIGURATION_DIRECTORY"
        | "NOTIFY_SOCKET"
        | "MAINPID"
        | "INVOCATION_ID"
        | "LISTEN_FDS"
        | "LISTEN_PID"
        | "LISTEN_FDNAMES" => Some("systemd for every unit"),
        _ => None,
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

/// Validate a parsed description. All problems are reported together, in source order.
pub fn build(desc: &d::Description, ctx: &Context) -> Result<Model, Diagnostics> {
    let mut c = Checker {
        errors: Vec::new(),
        notes: Vec::new(),
        ctx,
    };

    let name = desc.app.name.to_string();
    if c.name(&desc.app.name, "app name") && name == "flake" {
        // The module is `<app>.nix`, beside the description by default, where flake.nix goes.
        c.err(
            desc.app.name.span(),
            "app name `flake` would make the module `flake.nix`, which is the generated flake",
            "choose another name",
        );
    }
    let user = match &desc.app.user {
        Some(u) => {
            c.name(u, "user name");
            u.to_string()
        }
        None => name.clone(),
    };
    let description = match &desc.app.description {
        Some(s) => {
            c.unit_text(s, "description");
            s.to_string()
        }
        None => name.clone(),
    };

    let database = database(&mut c, desc);
    let package = package(&mut c, desc, &database);
    let processes = processes(&mut c, desc, &package, &name);
    let tasks = tasks(&mut c, desc, &processes, &package, &database);
    let env = c.env_map(&desc.env, &desc.secrets);

    let mut secrets = Vec::new();
    for (k, v) in &desc.secrets {
        if !c.env_name(k, "secret name") {
            continue;
        }
        let delivery = match v.as_str() {
            "env" => Delivery::Env,
            "file" => Delivery::File,
            "acme" => Delivery::Acme,
            _ => {
                let mut diag = Diagnostic::new(v.span(), format!("secret `{}`: expected `env`, `file` or `acme` (the value is not shown: it may be the secret itself)", k.as_str()))
                    .help("write how the secret reaches the app (`env`: as the variable; `file`: its path in `<NAME>_FILE`), never its value; the value goes in a file or an agenix secret");
                diag.redact = Some(v.span());
                c.errors.push(diag);
                continue;
            }
        };
        secrets.push(Secret {
            name: k.to_string(),
            delivery,
        });
    }
    for s in &secrets {
        if s.delivery == Delivery::File
            && let Some((k, _)) = desc
                .env
                .iter()
                .find(|(k, _)| k.as_str() == format!("{}_FILE", s.name))
        {
            c.err(
                k.span(),
                format!(
                    "`{}` is set in env, but secret `{}` delivered as `file` sets it",
                    k.as_str(),
                    s.name
                ),
                "remove it from env",
            );
        }
    }

    let mut environment_files = Vec::new();
    for f in &desc.environment_files {
        if c.one_line(f, "environment file") {
            if !f.starts_with('/') || f.starts_with("/nix/store") {
                c.err(
                    f.span(),
                    format!(
                        "environment file `{}` must be an absolute path outside the Nix store",
                        shown(f)
                    ),
                    "use a path such as `/etc/<app>/env`; files in the store are world-readable",
                );
            } else {
                environment_files.push(f.to_string());
            }
        }
    }

    let mut state_dirs = Vec::new();
    for dir in &desc.state.dirs {
        if !c.one_line(dir, "state directory") {
            continue;
        }
        match normalize_relative(dir) {
            Some(p) if p.as_os_str().is_empty() => c.err(
                dir.span(),
                "state directory `.` is the state directory itself",
                "name a subdirectory such as `media`",
            ),
            // Named in StateDirectory= (space-separated) and nginx aliases (unquoted): plain
            // names only, or `media files` would be two directories.
            Some(p) if !is_plain_path(&path_to_slash(&p)) => c.err(
                dir.span(),
                format!(
                    "state directory `{}` is not a plain directory name",
                    shown(dir)
                ),
                PLAIN_PATH_HELP,
            ),
            Some(p) => state_dirs.push(path_to_slash(&p)),
            None => c.err(
                dir.span(),
                format!(
                    "state directory `{}` escapes the state directory",
                    shown(dir)
                ),
                "use a relative path such as `media` or `static`",
            ),
        }
    }

    let secrets_dir = match &desc.secrets_dir {
        Some(dir) => match c
            .one_line(dir, "secrets_dir")
            .then(|| normalize_relative(dir))
            .flatten()
        {
            Some(p)
                if p.as_os_str().len() > 1024
                    || p.components().any(|c| c.as_os_str().len() > 255) =>
            {
                c.err(
                    dir.span(),
                    "secrets_dir is longer than a path can be (1024 bytes, 255 a name)",
                    "use a short relative path inside the project, e.g. `secrets`",
                );
                String::new()
            }
            // `secrets.nix` (agenix's recipients) beside the module `secrets.nix`.
            Some(p) if p.as_os_str().is_empty() && name == "secrets" => {
                c.err(
                    dir.span(),
                    "with the app named `secrets`, agenix's secrets.nix here would be the module `secrets.nix`",
                    "keep the encrypted secrets in a directory of their own, e.g. `secrets_dir = \"secrets\"`",
                );
                String::new()
            }
            Some(p) => path_to_slash(&p),
            None => {
                c.err(
                    dir.span(),
                    format!("secrets_dir `{}` escapes the project directory", shown(dir)),
                    "use a relative path inside the project, e.g. `secrets`",
                );
                String::new()
            }
        },
        None => "secrets".into(),
    };
    let assets = assets(&mut c, desc);
    note_secret_files(&mut c, &package, &assets);
    let (restic, postgresql_backup) = backups(&mut c, desc);
    let health = desc.health.as_ref().and_then(|h| {
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
    });

    // Variables app2nix sets itself must not also be set by hand.
    let mut generated: Vec<&str> = Vec::new();
    if let Some(db) = &database {
        generated.push(match db {
            Database::Postgresql { url_env, .. } | Database::Sqlite { url_env, .. } => url_env,
        });
    }
    let redis_url_env = desc.redis.as_ref().map(|r| {
        r.url_env.as_ref().map_or("REDIS_URL".to_string(), |u| {
            c.env_name(u, "url_env");
            u.to_string()
        })
    });
    if let Some(r) = &redis_url_env {
        generated.push(r);
    }
    for g in generated {
        if let Some((k, _)) = desc.env.iter().find(|(k, _)| k.as_str() == g) {
            c.err(
                k.span(),
                format!("`{g}` is set by app2nix from the database/redis section"),
                format!("remove `{g}` from env (or set `url_env` to another name)"),
            );
        }
        if let Some((k, _)) = desc.secrets.iter().find(|(k, _)| k.as_str() == g) {
            c.err(
                k.span(),
                format!("`{g}` is set by app2nix from the database/redis section"),
                format!("remove the secret `{g}` (local services need no password)"),
            );
        }
    }

    let acme = acme(&mut c, desc, &secrets);
    let sites = sites(&mut c, desc, &processes, &assets, &state_dirs, &acme);
    let agenix = desc.agenix.as_ref().map(|a| {
        let mut keys = |list: &[Sp<String>]| {
            list.iter()
                .filter(|k| {
                    let ok = ["ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-nistp256 ", "age1"].iter().any(|p| k.starts_with(p)) && !k.contains(['\n', '\r', '"', '\\', '\0']);
                    if !ok {
                        c.err(k.span(), format!("`{}` is not an SSH or age public key", shown(k)), "paste a public key: `ssh-ed25519 AAAA...` (from /etc/ssh/ssh_host_ed25519_key.pub or ~/.ssh/id_ed25519.pub) or `age1...`");
                    }
                    ok
                })
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
        };
        Agenix { host_keys: keys(&a.host_keys), admin_keys: keys(&a.admin_keys) }
    });

    let host = desc.host.as_ref().and_then(|h| {
        let ok = c.name(&h.name, "host name");
        let system = c.choice(&h.system, "system", SYSTEMS, SYSTEMS[0]);
        let configuration = c.project_path(&h.configuration, "host configuration", false)?;
        ok.then(|| Host {
            name: h.name.to_string(),
            configuration,
            system,
        })
    });

    if !c.errors.is_empty() {
        c.errors.sort_by_key(|e| (e.span.start, e.span.end));
        return Err(Diagnostics(c.errors));
    }
    Ok(Model {
        name,
        description,
        user,
        package,
        assets,
        processes,
        tasks,
        env,
        environment_files,
        secrets,
        secrets_dir,
        state_dirs,
        logs: desc.state.logs,
        database,
        redis_url_env,
        restic,
        postgresql_backup,
        health,
        sites,
        acme,
        agenix,
        host,
        notes: c.notes,
    })
}

fn acme(c: &mut Checker, desc: &d::Description, secrets: &[Secret]) -> Option<Acme> {
    let uses_acme = desc.sites.values().any(|s| {
        s.tls
            .as_ref()
            .is_none_or(|t| matches!(&**t, d::Tls::Mode(m) if m == "acme"))
    });
    let Some(a) = &desc.acme else {
        if let Some((_, site)) = desc.sites.iter().find(|(_, s)| {
            s.tls
                .as_ref()
                .is_none_or(|t| matches!(&**t, d::Tls::Mode(m) if m == "acme"))
        }) {
            c.err(site.domains.span(), "this site gets a Let's Encrypt certificate, but there is no [acme] section", "add [acme] with `email = \"you@example.org\"` and `accept_terms = true`, or set `tls = \"none\"` on the site");
        }
        return None;
    };
    if !uses_acme {
        c.err(
            a.span(),
            "[acme] is declared but no site uses ACME certificates",
            "remove [acme], or give a site `tls = \"acme\"` (the default)",
        );
        return None;
    }
    if !a.accept_terms {
        c.err(
            a.span(),
            "the CA's terms of service are not accepted",
            "add `accept_terms = true` to [acme] after reading https://letsencrypt.org/repository/",
        );
    }
    let email = match &a.email {
        Some(e) if c.one_line(e, "email") && is_email(e) => e.to_string(),
        Some(e) => {
            c.err(
                e.span(),
                format!("`{}` is not an email address", shown(e)),
                "Let's Encrypt sends expiry warnings there, e.g. `admin@example.org`",
            );
            String::new()
        }
        None => {
            c.err(
                a.span(),
                "[acme] needs an `email`",
                "add `email = \"admin@example.org\"` (security.acme.defaults.email)",
            );
            String::new()
        }
    };
    let shared = c.choice(
        &a.certificate,
        "certificate",
        &["per-site", "shared"],
        "per-site",
    ) == "shared";
    let dns_provider = a.dns_provider.as_ref().and_then(|p| {
        if p.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' || ch == '_')
            && !p.is_empty()
        {
            Some(p.to_string())
        } else {
            c.err(
                p.span(),
                format!("`{}` is not a lego DNS provider name", shown(p)),
                "e.g. `cloudflare`, `route53`, `hetzner` (see https://go-acme.github.io/lego/dns/)",
            );
            None
        }
    });
    let dns_credentials = a.dns_credentials.as_ref().and_then(|n| {
        let acme_secrets: Vec<&str> = secrets
            .iter()
            .filter(|s| s.delivery == Delivery::Acme)
            .map(|s| s.name.as_str())
            .collect();
        if acme_secrets.contains(&n.as_str()) {
            if dns_provider.is_none() {
                c.err(
                    n.span(),
                    "`dns_credentials` without `dns_provider`",
                    "add `dns_provider` (e.g. `cloudflare`), or remove `dns_credentials`",
                );
            }
            Some(n.to_string())
        } else {
            let help = match did_you_mean(n, acme_secrets.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("declare it under [secrets] as `{} = \"acme\"`", shown(n)),
            };
            c.err(
                n.span(),
                format!("`{}` is not a secret declared with `= \"acme\"`", shown(n)),
                help,
            );
            None
        }
    });
    for s in secrets.iter().filter(|s| s.delivery == Delivery::Acme) {
        if dns_credentials.as_deref() != Some(s.name.as_str())
            && let Some((k, _)) = desc.secrets.iter().find(|(k, _)| k.as_str() == s.name)
        {
            c.err(k.span(), format!("secret `{}` is for ACME, but [acme] does not use it", s.name), "set `dns_credentials` in [acme] to it, or deliver it to the app with `env` / `file`");
        }
    }
    Some(Acme {
        email,
        staging: a.staging,
        shared,
        dns_provider,
        dns_credentials,
    })
}

fn sites(
    c: &mut Checker,
    desc: &d::Description,
    processes: &[Process],
    assets: &[Asset],
    state_dirs: &[String],
    acme: &Option<Acme>,
) -> Vec<Site> {
    let mut out = Vec::new();
    let mut seen_domains: Vec<(String, String)> = Vec::new();
    let mut in_order: Vec<_> = desc.sites.iter().collect();
    in_order.sort_by_key(|(name, _)| name.span().start);
    for (name, s) in in_order {
        c.name(name, "site name");
        let mut domains = Vec::new();
        if s.domains.is_empty() {
            c.err(
                s.domains.span(),
                format!("site `{}` has no domains", name.as_str()),
                "list at least one, e.g. `domains = [\"example.org\"]`",
            );
        }
        for dom in s.domains.iter() {
            if !is_domain(dom) {
                c.err(dom.span(), format!("`{}` is not a valid domain name", shown(dom)), "use lowercase letters, digits, `-` and dots, e.g. `app.example.org` (`*.example.org` for a wildcard)");
                continue;
            }
            if let Some((_, site)) = seen_domains.iter().find(|(d, _)| d == dom.as_str()) {
                c.err(dom.span(), format!("`{}` is already served by site `{site}`", dom.as_str()), "each domain belongs to one site (nginx would ignore the second: \"conflicting server name\")");
                continue;
            }
            if dom.starts_with("*.")
                && acme.as_ref().is_some_and(|a| a.dns_provider.is_none())
                && s.tls
                    .as_ref()
                    .is_none_or(|t| matches!(&**t, d::Tls::Mode(m) if m == "acme"))
            {
                c.err(dom.span(), format!("wildcard domain `{}` needs a DNS-01 challenge", dom.as_str()), "set `dns_provider` and `dns_credentials` in [acme] (Let's Encrypt issues wildcards only over DNS-01)");
            }
            seen_domains.push((dom.to_string(), name.to_string()));
            domains.push(dom.to_string());
        }
        if s.redirect_www
            && !domains.iter().any(|d| {
                d.strip_prefix("www.")
                    .is_some_and(|apex| domains.iter().any(|x| x == apex))
            })
        {
            c.err(s.domains.span(), format!("site `{}` redirects www, but lists no `www.X` beside `X`", name.as_str()), "add the www domain (e.g. `www.example.org` next to `example.org`), or remove `redirect_www`");
        }
        let tls = match s.tls.as_ref().map(|t| (t, &**t)) {
            None => Tls::Acme,
            Some((_, d::Tls::Mode(m))) if m == "acme" => Tls::Acme,
            Some((_, d::Tls::Mode(m))) if m == "none" => Tls::None,
            Some((t, d::Tls::Mode(m))) => {
                c.err(
                    t.span(),
                    format!("unknown tls `{}`", shown(m)),
                    "use `\"acme\"`, `\"none\"` or `{ certificate = \"...\", key = \"...\" }`",
                );
                Tls::None
            }
            Some((t, d::Tls::Files { certificate, key })) => {
                for f in [certificate, key] {
                    if !f.starts_with('/')
                        || f.starts_with("/nix/store")
                        || f.contains(['\n', '\0', '"', '\\', ';', '{', '}', ' '])
                    {
                        c.err(t.span(), format!("certificate file `{}` must be an absolute path outside the Nix store", shown(f)), "a private key in the store would be world-readable");
                    }
                }
                Tls::Files {
                    certificate: certificate.clone(),
                    key: key.clone(),
                }
            }
        };
        let client_max_body_size = size(c, &s.client_max_body_size);
        let proxy_read_timeout = duration(c, &s.proxy_read_timeout);
        if s.routes.is_empty() {
            c.err(
                name.span(),
                format!("site `{}` has no routes", name.as_str()),
                "add e.g. `routes = { \"/\" = \"web\" }`",
            );
        }
        let mut routes = Vec::new();
        let acme_site = tls == Tls::Acme;
        let targets = Targets {
            processes,
            assets,
            declared_assets: desc.assets.keys().map(|k| k.as_str()).collect(),
            state_dirs,
            declared_state_dirs: desc.state.dirs.iter().map(|d| d.as_str()).collect(),
        };
        for (path, r) in &s.routes {
            // nginx's ACME location (`^~ /.well-known/acme-challenge/`) is on every ACME vhost.
            if acme_site && path.trim_end_matches('/') == "/.well-known/acme-challenge" {
                c.err(
                    path.span(),
                    format!("route `{}` is where Let's Encrypt validates this site's certificate", path.as_str()),
                    "remove the route: NixOS serves the ACME challenges there (or give the site `tls = \"none\"` or certificate files)",
                );
                continue;
            }
            if let Some(route) = route(c, path, r, &targets) {
                routes.push(route);
            }
        }
        out.push(Site {
            name: name.to_string(),
            domains,
            redirect_www: s.redirect_www,
            tls,
            client_max_body_size,
            proxy_read_timeout,
            security_headers: s.security_headers.unwrap_or(true),
            routes,
        });
    }
    // Source order: the first site's first domain names the shared certificate.
    out
}

/// What a route may point at: the valid targets, and the names declared (valid or not, so an
/// invalid declaration is one error, not a second one at every route that uses it).
struct Targets<'a> {
    processes: &'a [Process],
    assets: &'a [Asset],
    declared_assets: Vec<&'a str>,
    state_dirs: &'a [String],
    declared_state_dirs: Vec<&'a str>,
}

fn route(c: &mut Checker, path: &Sp<String>, r: &Sp<d::Route>, t: &Targets) -> Option<Route> {
    let (processes, assets, state_dirs) = (t.processes, t.assets, t.state_dirs);
    let declared_assets = &t.declared_assets;
    let path_ok = path.starts_with('/')
        && path
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "/_.~%-".contains(ch))
        && !path.contains("//");
    if !path_ok {
        c.err(path.span(), format!("`{}` is not a route path", shown(path)), "a route is a URL path prefix such as `/`, `/api/` or `/static/` (letters, digits, `/ _ . ~ % -`)");
        return None;
    }
    let empty = d::RouteTable {
        process: None,
        asset: None,
        state: None,
        redirect: None,
        code: None,
        strip_prefix: false,
        websockets: false,
        client_max_body_size: None,
        proxy_read_timeout: None,
    };
    let (table, shorthand) = match &**r {
        d::Route::Process(p) => (&empty, Some(Sp::new(p.clone(), r.span()))),
        d::Route::Table(t) => (&**t, None),
    };
    let process = shorthand.as_ref().or(table.process.as_ref());
    let kinds = [
        process.is_some(),
        table.asset.is_some(),
        table.state.is_some(),
        table.redirect.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if kinds != 1 {
        c.err(
            r.span(),
            format!(
                "route `{}` must have exactly one of `process`, `asset`, `state` or `redirect`",
                path.as_str()
            ),
            "e.g. `\"/\" = \"web\"` or `\"/static/\" = { state = \"static\" }`",
        );
        return None;
    }
    let mut target = None;
    if let Some(p) = process {
        let listening: Vec<&str> = processes
            .iter()
            .filter(|x| x.listen.is_some())
            .map(|x| x.name.as_str())
            .collect();
        if listening.contains(&p.as_str()) {
            target = Some(RouteTarget::Process(p.to_string()));
        } else {
            let all: Vec<&str> = processes.iter().map(|x| x.name.as_str()).collect();
            let help = if all.contains(&p.as_str()) {
                format!("`{}` has no `listen`; give it one", p.as_str())
            } else {
                match did_you_mean(p, listening.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "route to a process that has `listen`".to_string(),
                }
            };
            c.err(
                p.span(),
                format!(
                    "route `{}` goes to `{}`, which is not a listening process",
                    path.as_str(),
                    shown(p)
                ),
                help,
            );
        }
    }
    if let Some(a) = &table.asset {
        match assets.iter().find(|x| x.name == **a) {
            Some(asset) => {
                if asset.spa && path.as_str() != "/" {
                    c.err(
                        path.span(),
                        format!("single-page app `{}` must be served at `/`", asset.name),
                        "serve the SPA at `/` and route the API under a prefix such as `/api/`",
                    );
                }
                target = Some(RouteTarget::Asset {
                    name: asset.name.clone(),
                    spa: asset.spa,
                    hashed_dir: asset.hashed_dir.clone(),
                });
            }
            // Declared, but invalid: that error is reported at the asset already.
            None if declared_assets.contains(&a.as_str()) => {}
            None => {
                let help = match did_you_mean(a, assets.iter().map(|x| x.name.as_str())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "declare it under [assets.<name>]".into(),
                };
                c.err(
                    a.span(),
                    format!(
                        "route `{}` serves asset `{}`, which is not declared",
                        path.as_str(),
                        shown(a)
                    ),
                    help,
                );
            }
        }
    }
    if let Some(sd) = &table.state {
        if state_dirs.iter().any(|x| x == sd.as_str()) {
            target = Some(RouteTarget::State(sd.to_string()));
        } else if !t.declared_state_dirs.contains(&sd.as_str()) {
            let help = match did_you_mean(sd, state_dirs.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("add `{}` to `dirs` under [state]", shown(sd)),
            };
            c.err(
                sd.span(),
                format!(
                    "route `{}` serves state directory `{}`, which is not in [state] dirs",
                    path.as_str(),
                    shown(sd)
                ),
                help,
            );
        }
    }
    if let Some(u) = &table.redirect {
        let ok = (u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
            && !u
                .chars()
                .any(|ch| ch.is_whitespace() || ch.is_control() || "\"';{}\\".contains(ch));
        if ok && let Some(var) = unknown_nginx_variable(u) {
            c.err(
                u.span(),
                format!("redirect target `{}` uses `${var}`, which nginx would replace", shown(u)),
                format!("nginx expands variables in redirect targets: write `%24` for a literal `$`, or use one of {}", NGINX_VARIABLES.iter().map(|v| format!("`${v}`")).collect::<Vec<_>>().join(", ")),
            );
            return None;
        }
        if ok && secrets::secret_value(u).is_some() {
            c.err(
                u.span(),
                "the redirect target holds a secret (a password or a token)",
                "redirect targets are public: remove the credentials from the URL",
            );
            return None;
        }
        let code = match &table.code {
            None => 301,
            Some(code) if [301, 302, 303, 307, 308].contains(&**code) => **code as u16,
            Some(code) => {
                c.err(
                    code.span(),
                    format!("{} is not a redirect status", **code),
                    "use 301 (permanent), 302, 303, 307 or 308",
                );
                301
            }
        };
        if ok {
            target = Some(RouteTarget::Redirect {
                url: u.to_string(),
                code,
            });
        } else {
            c.err(u.span(), format!("`{}` is not a redirect target", shown(u)), "use an absolute URL (`https://example.org/new`) or a path (`/new`) without spaces or quotes");
        }
    } else if let Some(code) = &table.code {
        c.err(code.span(), "`code` applies to redirects only", "remove it");
    }
    let is_process = matches!(target, Some(RouteTarget::Process(_)));
    if table.strip_prefix && !(is_process && path.ends_with('/')) {
        c.err(
            r.span(),
            format!(
                "route `{}`: `strip_prefix` needs a process route whose path ends with `/`",
                path.as_str()
            ),
            "e.g. `\"/api/\" = { process = \"api\", strip_prefix = true }`",
        );
    }
    if table.websockets && !is_process {
        c.err(
            r.span(),
            format!(
                "route `{}`: `websockets` applies to process routes only",
                path.as_str()
            ),
            "remove it",
        );
    }
    if matches!(
        target,
        Some(RouteTarget::State(_)) | Some(RouteTarget::Asset { spa: false, .. })
    ) && path.as_str() != "/"
        && !path.ends_with('/')
    {
        c.err(
            path.span(),
            format!(
                "route `{}` serves a directory, so its path must end with `/`",
                path.as_str()
            ),
            format!("use `{}/`", path.as_str()),
        );
    }
    let client_max_body_size = size(c, &table.client_max_body_size);
    let proxy_read_timeout = duration(c, &table.proxy_read_timeout);
    Some(Route {
        path: path.to_string(),
        target: target?,
        strip_prefix: table.strip_prefix,
        websockets: table.websockets,
        client_max_body_size,
        proxy_read_timeout,
    })
}

/// Variables a redirect target may use: they describe the request being redirected. Any other
/// (`$http_cookie`, a typo) would be expanded from the request or fail nginx's start.
const NGINX_VARIABLES: &[&str] = &[
    "request_uri",
    "uri",
    "args",
    "is_args",
    "query_string",
    "scheme",
    "host",
];

/// The first variable in `url` nginx would expand that is not in [`NGINX_VARIABLES`].
fn unknown_nginx_variable(url: &str) -> Option<String> {
    url.match_indices('$').find_map(|(i, _)| {
        let rest = &url[i + 1..];
        let name: String = rest
            .trim_start_matches('{')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        (!NGINX_VARIABLES.contains(&name.as_str())).then_some(name)
    })
}

/// nginx sizes: `20m`, `512k`, `1g`, `1000`.
fn size(c: &mut Checker, v: &Option<Sp<String>>) -> Option<String> {
    let v = v.as_ref()?;
    let digits = v.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    if !digits.is_empty()
        && digits.len() + 1 >= v.len()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.len() <= 9
    {
        return Some(v.to_string());
    }
    c.err(
        v.span(),
        format!("`{}` is not an nginx size", shown(v)),
        "use a number with an optional unit: `20m`, `512k`, `1g`",
    );
    None
}

/// nginx durations: `300s`, `5m`, `1h`, `60`.
fn duration(c: &mut Checker, v: &Option<Sp<String>>) -> Option<String> {
    let v = v.as_ref()?;
    let digits = v.trim_end_matches(['s', 'm', 'h', 'd']);
    let unit = &v[digits.len()..];
    if !digits.is_empty()
        && ["", "s", "m", "h", "d", "ms"].contains(&unit)
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.len() <= 9
    {
        return Some(v.to_string());
    }
    c.err(
        v.span(),
        format!("`{}` is not an nginx duration", shown(v)),
        "use a number with an optional unit: `300s`, `5m`, `1h`",
    );
    None
}

/// Lowercase DNS names (optionally `*.` wildcards): labels of letters, digits and inner `-`.
pub fn is_domain(s: &str) -> bool {
    let rest = s.strip_prefix("*.").unwrap_or(s);
    !rest.is_empty()
        && s.len() <= 253
        && rest.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn is_email(s: &str) -> bool {
    s.split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && is_domain(host) && host.contains('.'))
        && !s.contains(|ch: char| ch.is_whitespace() || "\"\\<>;".contains(ch))
}

fn database(c: &mut Checker, desc: &d::Description) -> Option<Database> {
    if let (Some(pg), Some(sq)) = (&desc.postgresql, &desc.sqlite) {
        let later = if pg.span().start > sq.span().start {
            pg.span()
        } else {
            sq.span()
        };
        c.err(
            later,
            "both [postgresql] and [sqlite] are declared as the database",
            "keep one: an app has one database URL",
        );
        return None;
    }
    if let Some(pg) = &desc.postgresql {
        let driver = c.choice(
            &pg.driver,
            "PostgreSQL driver",
            &["libpq", "psycopg2", "psycopg", "asyncpg"],
            "libpq",
        );
        let scheme = if driver == "libpq" {
            "postgresql".to_string()
        } else {
            format!("postgresql+{driver}")
        };
        let url_env = pg.url_env.as_ref().map_or("DATABASE_URL".to_string(), |u| {
            c.env_name(u, "url_env");
            u.to_string()
        });
        return Some(Database::Postgresql { scheme, url_env });
    }
    let sq = desc.sqlite.as_ref()?;
    let driver = c.choice(
        &sq.driver,
        "SQLite driver",
        &["sqlite", "aiosqlite"],
        "sqlite",
    );
    let scheme = if driver == "sqlite" {
        "sqlite".to_string()
    } else {
        format!("sqlite+{driver}")
    };
    let url_env = sq.url_env.as_ref().map_or("DATABASE_URL".to_string(), |u| {
        c.env_name(u, "url_env");
        u.to_string()
    });
    let path = match &sq.path {
        Some(p) => match c
            .one_line(p, "SQLite path")
            .then(|| normalize_relative(p))
            .flatten()
        {
            Some(rel)
                if !rel.as_os_str().is_empty()
                    && !p.ends_with('/')
                    && is_plain_path(&path_to_slash(&rel)) =>
            {
                path_to_slash(&rel)
            }
            _ => {
                c.err(
                    p.span(),
                    format!(
                        "SQLite path `{}` must be a file inside the state directory, with a plain name",
                        shown(p)
                    ),
                    "use a relative path such as `db.sqlite3` (letters, digits, `.`, `_`, `-`, and `/` between directories)",
                );
                String::new()
            }
        },
        None => format!("{}.sqlite3", *desc.app.name),
    };
    Some(Database::Sqlite {
        path,
        scheme,
        url_env,
    })
}

fn package(c: &mut Checker, desc: &d::Description, database: &Option<Database>) -> Package {
    let p = &desc.package;
    let given = [p.python.is_some(), p.nixpkgs.is_some(), p.flake.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if given != 1 {
        c.err(p.span(), if given == 0 { "[package] names no package" } else { "[package] names more than one package" }, "give exactly one of `python` (built from source), `nixpkgs` (an attribute) or `flake` (another flake's package)");
    }
    if let Some(py) = &p.python {
        let src = c
            .project_path(&py.src, "package source", true)
            .unwrap_or_default();
        let version = py.version.as_ref().and_then(|v| python_version(c, v));
        let layout = c.choice(
            &py.layout,
            "layout",
            &["requirements", "pyproject"],
            "requirements",
        );
        let pyproject = layout == "pyproject";
        if pyproject
            && !src.is_empty()
            && !c
                .ctx
                .project_dir
                .join(&src)
                .join("pyproject.toml")
                .is_file()
        {
            c.err(
                py.layout.as_ref().map_or(py.src.span(), |l| l.span()),
                format!("layout is `pyproject` but `{src}/pyproject.toml` does not exist"),
                "add a pyproject.toml with a [build-system], or use layout = \"requirements\"",
            );
        }
        let mut dependencies = BTreeSet::new();
        for dep in &py.dependencies {
            if is_attr_path(dep) {
                dependencies.insert(dep.to_string());
            } else {
                c.err(
                    dep.span(),
                    format!("`{}` is not a nixpkgs Python package attribute", shown(dep)),
                    "use the attribute name from python3Packages, e.g. `flask-sqlalchemy`",
                );
            }
        }
        let servers = desc.processes.values().filter_map(|pr| {
            if pr.wsgi.is_some() || pr.server.as_ref().is_some_and(|s| s.as_str() == "gunicorn") {
                Some("gunicorn")
            } else if pr.asgi.is_some() {
                Some("uvicorn")
            } else {
                None
            }
        });
        dependencies.extend(servers.map(str::to_string));
        if desc.processes.values().any(|pr| {
            pr.asgi.is_some() && pr.server.as_ref().is_some_and(|s| s.as_str() == "gunicorn")
        }) {
            dependencies.insert("uvicorn".into());
        }
        match database {
            Some(Database::Postgresql { scheme, .. }) => {
                if let Some(driver) = scheme.strip_prefix("postgresql+") {
                    dependencies.insert(driver.to_string());
                }
            }
            Some(Database::Sqlite { scheme, .. }) if scheme == "sqlite+aiosqlite" => {
                dependencies.insert("aiosqlite".into());
            }
            _ => {}
        }
        let mut build_system: BTreeSet<String> = py
            .build_system
            .iter()
            .filter(|b| {
                let ok = is_attr_path(b);
                if !ok {
                    c.err(
                        b.span(),
                        format!("`{}` is not a nixpkgs Python package attribute", shown(b)),
                        "e.g. `setuptools`, `hatchling`, `poetry-core`",
                    );
                }
                ok
            })
            .map(|b| b.to_string())
            .collect();
        if pyproject && build_system.is_empty() {
            build_system.insert("setuptools".into());
        }
        if !pyproject && let Some(b) = py.build_system.first() {
            c.err(
                b.span(),
                "build_system is only used with layout = \"pyproject\"",
                "remove it, or set layout = \"pyproject\"",
            );
        }
        let package_version = if pyproject {
            pyproject_version(&c.ctx.project_dir.join(&src).join("pyproject.toml"))
        } else {
            "0".into()
        };
        return Package::Python(PythonPackage {
            src,
            version,
            pyproject,
            dependencies,
            build_system,
            package_version,
        });
    }
    if let Some(attr) = &p.nixpkgs {
        if !is_attr_path(attr) {
            c.err(
                attr.span(),
                format!("`{}` is not a nixpkgs attribute path", shown(attr)),
                "e.g. `netbox` or `python3Packages.datasette`",
            );
        }
        return Package::Nixpkgs(attr.to_string());
    }
    if let Some(f) = &p.flake {
        if !nix_ident(&f.input) {
            c.err(
                f.input.span(),
                format!("`{}` is not a valid flake input name", shown(&f.input)),
                "input names are Nix identifiers, e.g. `myapp`",
            );
        }
        let attr = match &f.attr {
            Some(a) if !nix_ident(a) => {
                c.err(
                    a.span(),
                    format!("`{}` is not a valid package attribute", shown(a)),
                    "e.g. `default`",
                );
                String::new()
            }
            Some(a) => a.to_string(),
            None => "default".into(),
        };
        return Package::Flake {
            input: f.input.to_string(),
            attr,
        };
    }
    Package::Nixpkgs(String::new())
}

/// A command process learns where to listen from `HOST` and `PORT` (TCP) or `SOCKET` (unix),
/// which the module sets from the process's options: the description may not set them too.
fn wired_variables(
    c: &mut Checker,
    process: &Sp<String>,
    listen: &Option<Listen>,
    env: &BTreeMap<Sp<String>, Sp<String>>,
) {
    let wired: &[&str] = match listen {
        Some(Listen::Tcp { .. }) => &["HOST", "PORT"],
        Some(Listen::Unix) => &["SOCKET"],
        None => &[],
    };
    for k in env.keys().filter(|k| wired.contains(&k.as_str())) {
        c.err(
            k.span(),
            format!(
                "`{}` of process `{}` is set by the module from `listen`",
                k.as_str(),
                process.as_str()
            ),
            "remove it: change `listen` (or, on the host, the process's `address` and `port` options) instead",
        );
    }
}

/// The description of a process or task unit that sets none: the app's and the unit's names.
/// The generated module's unit helpers write the same default, so only other descriptions are
/// written out.
pub fn default_unit_description(app: &str, name: &str) -> String {
    format!("{app} {name}")
}

fn processes(c: &mut Checker, desc: &d::Description, package: &Package, app: &str) -> Vec<Process> {
    let mut out = Vec::new();
    let mut ports: Vec<(String, u16, String)> = Vec::new();
    let empty = BTreeMap::new();
    // Source order, so a clash is reported at the second occurrence.
    let mut in_order: Vec<_> = desc.processes.iter().collect();
    in_order.sort_by_key(|(name, _)| name.span().start);
    for (name, p) in in_order {
        c.name(name, "process name");
        if desc.tasks.contains_key(name.as_str()) {
            c.err(
                name.span(),
                format!("`{}` names both a process and a task", name.as_str()),
                "rename one: both would be the unit `<app>-<name>.service`",
            );
        }
        let kinds = [p.wsgi.is_some(), p.asgi.is_some(), p.command.is_some()]
            .iter()
            .filter(|x| **x)
            .count();
        if kinds != 1 {
            c.err(name.span(), format!("process `{}` must have exactly one of `wsgi`, `asgi` or `command`", name.as_str()), "`wsgi = \"pkg.wsgi:app\"` for gunicorn, `asgi = \"main:app\"` for uvicorn, or `command = \"...\"`");
            continue;
        }
        let python = matches!(package, Package::Python(_));
        let server = if let Some(app_ref) = p.wsgi.as_ref().or(p.asgi.as_ref()) {
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
            let server = c.choice(
                &p.server,
                "server",
                if p.wsgi.is_some() {
                    &["gunicorn"]
                } else {
                    &["uvicorn", "gunicorn"]
                },
                if p.wsgi.is_some() {
                    "gunicorn"
                } else {
                    "uvicorn"
                },
            );
            if server == "gunicorn" {
                Server::Gunicorn {
                    app: app_ref.to_string(),
                    asgi: p.asgi.is_some(),
                }
            } else {
                Server::Uvicorn {
                    app: app_ref.to_string(),
                }
            }
        } else {
            if let Some(s) = &p.server {
                c.err(
                    s.span(),
                    "`server` applies to `wsgi` and `asgi` processes only",
                    "remove it",
                );
            }
            let Some(cmd) = p.command.as_ref().and_then(|cmd| c.command(cmd, "command")) else {
                continue;
            };
            if let Some(sp) = &p.command {
                c.command_needs(sp, &cmd, package);
            }
            Server::Command(cmd)
        };
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
        let uvicorn = matches!(server, Server::Uvicorn { .. });
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
        if uvicorn && let Some(t) = &p.timeout {
            c.err(
                t.span(),
                "uvicorn has no request timeout",
                "remove `timeout`, or use server = \"gunicorn\" (uvicorn workers under gunicorn)",
            );
        }
        if p.access_log_file && uvicorn {
            c.err(
                name.span(),
                format!(
                    "process `{}`: uvicorn logs requests to the journal only",
                    name.as_str()
                ),
                "remove `access_log_file`, or use server = \"gunicorn\"",
            );
        }
        if p.access_log_file && !desc.state.logs {
            c.err(name.span(), format!("process `{}` writes its access log to a file, but [state] has no logs directory", name.as_str()), "set `logs = true` under [state]");
        }
        if matches!(server, Server::Command(_)) {
            wired_variables(c, name, &listen, &p.env);
        }
        let description = match &p.description {
            Some(s) => {
                c.unit_text(s, "description");
                s.to_string()
            }
            None => default_unit_description(app, name.as_str()),
        };
        out.push(Process {
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
            env: c.env_map(&p.env, &empty),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn tasks(
    c: &mut Checker,
    desc: &d::Description,
    processes: &[Process],
    package: &Package,
    database: &Option<Database>,
) -> Vec<Task> {
    let mut out = Vec::new();
    let empty = BTreeMap::new();
    let names: Vec<&str> = processes.iter().map(|p| p.name.as_str()).collect();
    for (name, t) in &desc.tasks {
        c.name(name, "task name");
        let run = match (&t.command, &t.sql) {
            (Some(cmd), None) => c.command(cmd, "command").map(|run| {
                c.command_needs(cmd, &run, package);
                TaskRun::Command(run)
            }),
            (None, Some(sql)) => {
                if !matches!(database, Some(Database::Postgresql { .. })) {
                    c.err(sql.span(), "`sql` tasks run against the local PostgreSQL database, but there is no [postgresql]", "add [postgresql], or run the file with a `command`");
                }
                match package {
                    Package::Python(py) if !py.src.is_empty() => {
                        let full = Sp::new(format!("{}/{}", py.src, sql.as_str()), sql.span());
                        // Read from the source tree the module builds: it must be inside it
                        // (`../app/schema.sql` with `src = "app"` is; `../schema.sql` is not).
                        let inside = normalize_relative(&full)
                            .map(|p| path_to_slash(&p))
                            .is_some_and(|p| p.starts_with(&format!("{}/", py.src)));
                        if !inside {
                            c.err(
                                sql.span(),
                                format!("SQL file `{}` is outside the package source `{}`", shown(sql), py.src),
                                "move it into the source directory (it is read from the package the module builds)",
                            );
                            None
                        } else {
                            c.project_path(&full, "SQL file", false).and_then(|p| {
                                p.strip_prefix(&format!("{}/", py.src))
                                    .map(|p| TaskRun::Sql(p.to_string()))
                            })
                        }
                    }
                    Package::Python(_) => None,
                    _ => {
                        c.err(sql.span(), "`sql` files are read from the package source, which needs [package.python]", "use a `command` that runs psql on the file");
                        None
                    }
                }
            }
            _ => {
                c.err(
                    name.span(),
                    format!(
                        "task `{}` must have exactly one of `command` or `sql`",
                        name.as_str()
                    ),
                    "e.g. `command = \"flask db upgrade\"` or `sql = \"schema.sql\"`",
                );
                None
            }
        };
        let schedule = t.schedule.as_ref().and_then(|s| c.schedule(s));
        let mut before = Vec::new();
        let mut before_all = false;
        match (&t.before, &schedule) {
            // A one-shot task runs because a process needs it first: with none, nothing would
            // ever start it.
            (Some(list), None) if list.is_empty() => c.err(
                name.span(),
                format!(
                    "task `{}` runs before no process, so nothing would start it",
                    name.as_str()
                ),
                "remove `before = []` to run it before every process, or give it a `schedule`",
            ),
            (None, None) if names.is_empty() => c.err(
                name.span(),
                format!(
                    "task `{}` would never start: there is no process for it to run before",
                    name.as_str()
                ),
                "give it a `schedule`, or add the process it prepares",
            ),
            (Some(list), Some(_)) if !list.is_empty() => {
                c.err(
                    list[0].span(),
                    format!(
                        "task `{}` has a schedule, so it cannot run before processes",
                        name.as_str()
                    ),
                    "remove `before` (scheduled tasks run on their timer), or remove `schedule`",
                );
            }
            (Some(list), None) => {
                for b in list {
                    if names.contains(&b.as_str()) {
                        before.push(b.to_string());
                    } else {
                        let help = match did_you_mean(b, names.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if names.is_empty() => {
                                "there are no processes; remove `before`".to_string()
                            }
                            None => format!(
                                "known processes: {}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        c.err(
                            b.span(),
                            format!(
                                "task `{}` is ordered before `{}`, which is not a process",
                                name.as_str(),
                                shown(b)
                            ),
                            help,
                        );
                    }
                }
            }
            (None, None) => before_all = true,
            _ => {}
        }
        if t.once && schedule.is_some() {
            c.err(
                name.span(),
                format!("task `{}` is both `once` and scheduled", name.as_str()),
                "remove one of them",
            );
        }
        let description = match &t.description {
            Some(s) => {
                c.unit_text(s, "description");
                s.to_string()
            }
            None => default_unit_description(&desc.app.name, name.as_str()),
        };
        let env = c.env_map(&t.env, &empty);
        if let Some(run) = run {
            out.push(Task {
                name: name.to_string(),
                description,
                run,
                before: if before_all {
                    Before::All
                } else {
                    Before::Processes(before)
                },
                schedule,
                once: t.once,
                env,
            });
        }
    }
    out
}

fn assets(c: &mut Checker, desc: &d::Description) -> Vec<Asset> {
    let mut out = Vec::new();
    for (name, a) in &desc.assets {
        c.name(name, "asset name");
        let spa = c.choice(&a.kind, "asset kind", &["spa", "static"], "static") == "spa";
        if let Some(src) = c.project_path(&a.src, "asset directory", true) {
            if spa && !c.ctx.project_dir.join(&src).join("index.html").is_file() {
                c.err(
                    a.src.span(),
                    format!("SPA asset `{}` has no index.html in `{src}`", name.as_str()),
                    "point `src` at the build output (e.g. `frontend/dist`) and build it first",
                );
            }
            let hashed_dir = c
                .ctx
                .project_dir
                .join(&src)
                .join("assets")
                .is_dir()
                .then(|| "assets".to_string());
            out.push(Asset {
                name: name.to_string(),
                src,
                spa,
                hashed_dir,
            });
        }
    }
    out
}

fn backups(c: &mut Checker, desc: &d::Description) -> (Option<Restic>, Option<PostgresqlBackup>) {
    let restic = desc.backup.restic.as_ref().and_then(|r| {
        if let Some(why) = secrets::secret_value(&r.repository) {
            let mut d = Diagnostic::new(r.repository.span(), format!("the restic repository holds a secret ({why})"))
                .help("keep credentials out of the repository URL: put them in `environment_file` (e.g. `RESTIC_REST_PASSWORD`, `AWS_SECRET_ACCESS_KEY`), outside the Nix store");
            d.redact = Some(r.repository.span());
            c.errors.push(d);
            return None;
        }
        if !c.one_line(&r.repository, "repository") || r.repository.trim().is_empty() {
            c.err(
                r.repository.span(),
                "empty restic repository",
                "e.g. `/mnt/backup/app` or `s3:s3.amazonaws.com/bucket`",
            );
            return None;
        }
        let mut abs = |f: &Option<Sp<String>>, what: &str| {
            f.as_ref().and_then(|f| {
                if c.one_line(f, what) && f.starts_with('/') && !f.starts_with("/nix/store") {
                    Some(f.to_string())
                } else {
                    c.err(
                        f.span(),
                        format!(
                            "{what} `{}` must be an absolute path outside the Nix store",
                            shown(f)
                        ),
                        "e.g. `/etc/restic/password`, readable by root only",
                    );
                    None
                }
            })
        };
        let password_file = abs(&r.password_file, "password_file");
        let environment_file = abs(&r.environment_file, "environment_file");
        if r.password_file.is_none() {
            c.err(r.span(), "restic needs a password: [backup.restic] has no `password_file`", format!("add `password_file = \"/etc/restic/{}-password\"`: a root-only file outside the Nix store (restic encrypts every repository with it)", *desc.app.name));
        }
        let mut keep = BTreeMap::new();
        for (k, v) in &r.keep {
            let periods = ["last", "hourly", "daily", "weekly", "monthly", "yearly"];
            if !periods.contains(&k.as_str()) {
                let help = match did_you_mean(k, periods) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "use last, hourly, daily, weekly, monthly or yearly".into(),
                };
                c.err(
                    k.span(),
                    format!("unknown retention period `{}`", shown(k)),
                    help,
                );
            } else if let Some(n) = c.positive(&Some(v.clone()), "keep count", 100_000) {
                keep.insert(k.to_string(), n);
            }
        }
        let schedule = match &r.schedule {
            Some(s) => c.schedule(s).unwrap_or_default(),
            None => "daily".into(),
        };
        Some(Restic {
            repository: r.repository.to_string(),
            password_file: password_file?,
            environment_file,
            schedule,
            keep,
        })
    });
    let pg = desc.backup.postgresql.as_ref().and_then(|b| {
        if desc.postgresql.is_none() {
            c.err(
                b.span(),
                "[backup.postgresql] needs a local [postgresql] database",
                "add [postgresql], or remove [backup.postgresql]",
            );
            return None;
        }
        if let Some(comp) = &b.compression {
            c.err(comp.span(), "`compression` is a host-wide setting of services.postgresqlBackup, which app modules leave to the host", "remove it, and set `services.postgresqlBackup.compression` in the host's configuration if needed (several apps can share one host)");
        }
        let schedule = b.schedule.as_ref().and_then(|s| c.schedule(s));
        Some(PostgresqlBackup { schedule })
    });
    (restic, pg)
}

/// Directories whose files become store paths (the package source and the assets) are filtered;
/// say which files the filter leaves out, so nobody wonders where their `.env` went.
fn note_secret_files(c: &mut Checker, package: &Package, assets: &[Asset]) {
    let mut dirs: Vec<&str> = assets.iter().map(|a| a.src.as_str()).collect();
    if let Package::Python(py) = package {
        dirs.insert(0, &py.src);
    }
    let mut left_out = Vec::new();
    for dir in dirs {
        let full = c.ctx.project_dir.join(dir);
        for f in crate::secrets::secret_files_in(&full, 50_000) {
            left_out.push(if dir.is_empty() {
                f
            } else {
                format!("{dir}/{f}")
            });
        }
    }
    left_out.sort();
    left_out.dedup();
    if left_out.is_empty() {
        return;
    }
    const SHOWN: usize = 10;
    let mut list = left_out
        .iter()
        .take(SHOWN)
        .map(|f| format!("`{}`", shown(f)))
        .collect::<Vec<_>>()
        .join(", ");
    if left_out.len() > SHOWN {
        list.push_str(&format!(" and {} more", left_out.len() - SHOWN));
    }
    c.notes.push(format!(
        "left out of the generated sources: {list}. Files that can hold secrets (`.env*`, keys, certificates) never enter the world-readable Nix store; deliver their values as [secrets] or `environment_files`."
    ));
}

/// A pinned interpreter: `312` for `3.12`. Any other than nixpkgs' default costs a full build of
/// every dependency, which the notes say.
fn python_version(c: &mut Checker, v: &Sp<String>) -> Option<String> {
    if !PYTHON_VERSIONS.contains(&v.as_str()) {
        let help = format!(
            "use one of {} (nixpkgs' python3XX interpreters), or remove `version` for nixpkgs' python3 ({DEFAULT_PYTHON})",
            PYTHON_VERSIONS.join(", ")
        );
        c.err(
            v.span(),
            format!("unsupported Python version `{}`", shown(v)),
            help,
        );
        return None;
    }
    if v.as_str() != DEFAULT_PYTHON {
        c.notes.push(format!(
            "Python {v} is not nixos-26.05's python3 ({DEFAULT_PYTHON}), and the binary cache holds no packages built for it: building the app builds the interpreter's whole dependency tree from source (far longer than downloading them, and again after every nixpkgs update). Remove `version` unless the app needs {v}.",
            v = v.as_str()
        ));
    }
    Some(v.replace('.', ""))
}

/// `[project] version` (PEP 621) or `[tool.poetry] version`; `0` when absent or dynamic.
fn pyproject_version(path: &Path) -> String {
    let text = crate::input::read_text_if_any(path).unwrap_or_default();
    let Ok(doc) = text.parse::<toml::Table>() else {
        return "0".into();
    };
    let get = |t: &toml::Table, keys: &[&str]| -> Option<String> {
        let mut cur = t;
        for k in &keys[..keys.len() - 1] {
            cur = cur.get(*k)?.as_table()?;
        }
        cur.get(keys[keys.len() - 1])?.as_str().map(str::to_string)
    };
    get(&doc, &["project", "version"])
        .or_else(|| get(&doc, &["tool", "poetry", "version"]))
        .filter(|v| {
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+-_".contains(c))
        })
        .unwrap_or_else(|| "0".into())
}

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

/// App, process, task and user names: `[a-z][a-z0-9-]*`, at most 32 characters, no trailing `-`.
pub fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !s.ends_with('-')
        && crate::nix::is_identifier(s)
}

/// A valid name close to `s` (`MyApp` → `my-app`), for "did you mean" help and for names
/// `init` / `import` derive from directories, units and services.
pub fn suggest_name(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out
        .trim_matches('-')
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    let mut out: String = out.chars().take(32).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() || !crate::nix::is_identifier(&out) {
        "my-app".into()
    } else {
        out
    }
}

/// Environment variable names.
pub fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && !b[0].is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn nix_ident(s: &str) -> bool {
    crate::nix::is_identifier(s) && !s.contains('\'')
}

/// `a.b-c.d`: dotted Nix identifiers.
fn is_attr_path(s: &str) -> bool {
    s.split('.').all(nix_ident)
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

/// Help for names that must be plain.
const PLAIN_PATH_HELP: &str = "use letters, digits, `.`, `_` and `-` (not first), and `/` between directories, e.g. `media` or `uploads/images`";

/// `a/b-c/d.e`: segments of letters, digits, `.`, `_` and `-`, none starting with `.` or `-`.
/// What unit settings (space-separated lists), nginx (unquoted paths) and shell commands can
/// carry as they are.
pub fn is_plain_path(p: &str) -> bool {
    !p.is_empty()
        && p.split('/').all(|seg| {
            let mut chars = seg.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && seg.len() <= 255
        })
}

/// Normalize a relative path lexically; `None` if it is absolute or climbs out with `..`.
fn normalize_relative(s: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for comp in Path::new(s).components() {
        match comp {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn path_to_slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A value as shown in a message: control characters escaped, long values cut, and nothing of
/// it when it looks secret (see [`secrets::mask`]).
fn shown(s: &str) -> String {
    if secrets::mask(s) != s {
        return "…".into();
    }
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 60 {
        format!("{}…", escaped.chars().take(60).collect::<String>())
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_name("nanotrace"));
        assert!(is_name("request-tracker-utils"));
        assert!(!is_name("Bad"));
        assert!(!is_name("in"));
        assert!(!is_name("a-"));
        assert!(!is_name("9a"));
        assert!(!is_name(&"a".repeat(33)));
        assert_eq!(
            suggest_name("RequestTracker Utils"),
            "request-tracker-utils"
        );
        assert_eq!(suggest_name("!!"), "my-app");
    }

    #[test]
    fn app_refs() {
        assert!(is_app_ref("backend.wsgi:app"));
        assert!(is_app_ref("app:create_app()"));
        assert!(!is_app_ref("backend.wsgi"));
        assert!(!is_app_ref("a:b;rm -rf /"));
        assert!(!is_app_ref("a:$(x)"));
    }

    #[test]
    fn domains() {
        for ok in [
            "example.org",
            "www.example.org",
            "*.apps.example.org",
            "localhost",
            "a-b.c1.io",
        ] {
            assert!(is_domain(ok), "{ok}");
        }
        for bad in [
            "Example.org",
            "-a.org",
            "a-.org",
            "a..org",
            "*.",
            "a b.org",
            "exa_mple.org",
            "a.org;",
            "*.*.org",
            "",
        ] {
            assert!(!is_domain(bad), "{bad}");
        }
        assert!(is_email("ops@example.org"));
        assert!(!is_email("ops at example.org"));
        assert!(!is_email("ops@localhost"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(normalize_relative("a/./b/../c"), Some(PathBuf::from("a/c")));
        assert_eq!(normalize_relative("../x"), None);
        assert_eq!(normalize_relative("/etc"), None);
        assert_eq!(normalize_relative("a/../../x"), None);
    }
}
