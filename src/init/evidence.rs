//! What the readers found, as facts with the file and line they rest on. Readers only add
//! facts here; they decide nothing. The reconciliation ([`super::reconcile`]) reads all of them
//! at once, decides, and reports every decision with its evidence.
//!
//! It calls nothing.

use crate::draft::Source;

/// Where a command line was found, which says what kind of thing it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    /// A Procfile line of this kind (`web`, `worker`, `release`).
    Procfile(String),
    /// The command a container runs: its image's `CMD`/`ENTRYPOINT`, or the final `exec` of
    /// the script they name (the long-running part of a container).
    ContainerMain,
    /// A command a start script or a Procfile chain runs before its final command (migrations,
    /// data loads): a release task unless it is a wait or a build step.
    BeforeStart,
    /// A `RUN` of the final stage of a Dockerfile, or a build script: a build step.
    ImageBuild,
    /// A deployment script an operator runs (`upgrade.sh`, `prestart.sh` run by a one-shot
    /// container): each line a release task, in order.
    ReleaseScript,
    /// The command of a Compose service (long-running unless the service is a one-shot).
    ComposeService(String),
    /// `ExecStart=` of a systemd unit shipped in the tree.
    Unit(String),
    /// `ExecStartPre=` of a systemd unit shipped in the tree.
    UnitPre(String),
    /// A supervisor `[program:x]`.
    Supervisor(String),
    /// uWSGI `attach-daemon` (a long-running companion of the web server).
    UwsgiDaemon,
    /// uWSGI `hook-pre-app = exec:…` (run before the app starts).
    UwsgiHook,
}

impl Origin {
    /// Whether commands of this origin run for as long as the app does.
    pub(super) fn long_running(&self) -> bool {
        matches!(
            self,
            Origin::ContainerMain
                | Origin::ComposeService(_)
                | Origin::Unit(_)
                | Origin::Supervisor(_)
                | Origin::UwsgiDaemon
        ) || matches!(self, Origin::Procfile(k) if k != "release")
    }

    /// Whether commands of this origin run once before the app starts.
    pub(super) fn release(&self) -> bool {
        matches!(
            self,
            Origin::BeforeStart | Origin::ReleaseScript | Origin::UnitPre(_) | Origin::UwsgiHook
        ) || matches!(self, Origin::Procfile(k) if k == "release")
    }

    /// How much a process found here is trusted when several sources name one (higher wins):
    /// what the project runs in production (its image, its units) before what merely lists
    /// processes.
    pub(super) fn rank(&self) -> u8 {
        match self {
            Origin::ContainerMain => 6,
            Origin::Unit(_) => 5,
            Origin::Procfile(_) => 4,
            Origin::Supervisor(_) => 3,
            Origin::UwsgiDaemon => 3,
            Origin::ComposeService(_) => 2,
            _ => 1,
        }
    }
}

/// A command line found in a deployment file.
#[derive(Debug, Clone)]
pub(super) struct Command {
    /// Where.
    pub(super) source: Source,
    /// What kind of place.
    pub(super) origin: Origin,
    /// Its words, with the script's own variables (`${WORKERS:-1}`) resolved to their
    /// defaults; inline assignments (`DEBUG=False cmd`) removed.
    pub(super) argv: Vec<String>,
    /// Inline assignments before the command (`DEBUG=False SECRET_KEY=x ./manage.py …`).
    pub(super) env: Vec<(String, String)>,
    /// The directory it runs in, relative to the project (`backend` after `cd backend` or a
    /// Dockerfile `WORKDIR` that maps to a project directory); empty for the project's root.
    pub(super) cwd: String,
    /// Inside a conditional branch whose condition tests a variable the deployment sets
    /// (`if [ "$RUN_MIGRATIONS" = "True" ]`): the command is opt-in.
    pub(super) conditional: Option<String>,
}

/// A variable a deployment file sets (Dockerfile `ENV`, Compose `environment:`, `.env`, a
/// unit's `Environment=`, a script's `export`).
#[derive(Debug, Clone)]
pub(super) struct EnvValue {
    /// Where.
    pub(super) source: Source,
    /// Name.
    pub(super) name: String,
    /// Value as written (a Compose `${X:-d}` already resolved).
    pub(super) value: String,
    /// The file is an example or development file (`.env.example`, a development Compose
    /// override): its values are hints, never production values.
    pub(super) example: bool,
}

/// How the app reads a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reader {
    /// `os.environ.get` / `os.getenv` / `os.environ[…]` / a helper around them.
    Plain,
    /// django-environ's `env.db_url()` / `env.db()`.
    DjangoEnvironDb,
    /// django-environ's `env.cache_url()` / `env.cache()`.
    DjangoEnvironCache,
    /// dj-database-url's `config()` / `parse()`.
    DjDatabaseUrl,
    /// A pydantic settings field of this type (`PostgresDsn`, `RedisDsn`, `SecretStr`, `str`…).
    Pydantic(String),
}

/// A default value, as far as it can be read without running the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Default {
    /// No default: the variable is required.
    Required,
    /// A literal (`"False"`, `"8000"`, `""`), as its text.
    Literal(String),
    /// `None`.
    None,
    /// A path inside the source tree (`os.path.join(BASE_DIR, "uploads")`, `BASE_DIR / "x"`),
    /// relative to the module's directory as far as it can be told.
    SourcePath(String),
    /// Something computed.
    Computed,
}

/// A variable the app's code reads.
#[derive(Debug, Clone)]
pub(super) struct EnvRead {
    /// Where.
    pub(super) source: Source,
    /// Name.
    pub(super) name: String,
    /// Its default.
    pub(super) default: Default,
    /// How it is read.
    pub(super) reader: Reader,
    /// The literal values the code allows (`Literal["local", "production"]`).
    pub(super) choices: Vec<String>,
}

/// A local service a source says the app uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Service {
    /// PostgreSQL.
    Postgresql,
    /// MySQL or MariaDB.
    Mysql,
    /// Redis or Valkey.
    Redis,
}

/// A Django project: its settings module and the directory its imports start from.
#[derive(Debug, Clone)]
pub(super) struct DjangoProject {
    /// Where the settings module is named (`manage.py`'s `setdefault`, a Dockerfile `ENV`).
    pub(super) source: Source,
    /// `settings.main`.
    pub(super) settings: String,
    /// The directory of `manage.py` (imports start there), relative to the project.
    pub(super) root: String,
}

/// A route the shipped web server configuration (or the code) asks for.
#[derive(Debug, Clone)]
pub(super) struct RouteHint {
    /// Where.
    pub(super) source: Source,
    /// URL path (`/events`).
    pub(super) path: String,
    /// Server-sent events or another stream: the proxy must not buffer it.
    pub(super) unbuffered: bool,
}

/// A configuration module the app requires and the repository only has an example of.
#[derive(Debug, Clone)]
pub(super) struct ConfigModule {
    /// Where it is imported.
    pub(super) source: Source,
    /// The missing file, relative to the project (`inventory/inventory/configuration.py`).
    pub(super) path: String,
    /// Its example beside it.
    pub(super) example: String,
    /// Top-level names the example assigns (`ALLOWED_HOSTS`, `DATABASES`…), with lines.
    pub(super) names: Vec<(String, usize)>,
}

/// Everything the readers found.
#[derive(Debug, Default)]
pub(super) struct Evidence {
    /// Command lines, in the order found (scripts keep their order).
    pub(super) commands: Vec<Command>,
    /// Variables deployment files set.
    pub(super) env_values: Vec<EnvValue>,
    /// Where an image copies files from one of its build stages (`COPY --from=builder
    /// /app/dist /spa/static`): paths inside the image, with the `COPY` line.
    pub(super) stage_copies: Vec<(String, Source)>,
    /// Variables the app's code reads.
    pub(super) env_reads: Vec<EnvRead>,
    /// Local services, with why.
    pub(super) services: Vec<(Service, Source, String)>,
    /// Django projects (settings module, import root).
    pub(super) django: Vec<DjangoProject>,
    /// Routes asked for.
    pub(super) routes: Vec<RouteHint>,
    /// Health paths (a container `HEALTHCHECK`, a Compose health check, a shipped probe).
    pub(super) health: Vec<(String, Source)>,
    /// Largest request bodies a shipped proxy configuration allows (`client_max_body_size`).
    pub(super) body_size: Vec<(String, Source)>,
    /// uv dependency groups / extras the production install selects (`uv sync --group docker`).
    pub(super) groups: Vec<(String, Source)>,
    /// Requirements files the production image installs (`pip install -r requirements/prod.txt`),
    /// as project paths.
    pub(super) requirement_files: Vec<(String, Source)>,
    /// Directories a deployment puts on `PYTHONPATH` or runs in, relative to the project.
    pub(super) roots: Vec<(String, Source)>,
    /// Required configuration modules with an example beside them.
    pub(super) config_modules: Vec<ConfigModule>,
    /// Connection parts a settings dict reads from variables: (part `HOST`/`PORT`/`NAME`/`USER`/
    /// `PASSWORD`, variable, database, where).
    pub(super) db_parts: Vec<(String, String, Service, Source)>,
    /// A variable compared with a literal to switch a database on (`DB == "postgres"`).
    pub(super) db_switch: Vec<(String, String, Service, Source)>,
    /// A settings module's `STATIC_ROOT` when it is a directory of the source
    /// (`BASE_DIR / "static-collected"`): relative to the source's root, with where.
    pub(super) static_root: Option<(String, Source)>,
    /// Each `MEDIA_ROOT` a settings module sets to a directory of the source
    /// (`os.path.join(BASE_DIR, "media")`, no variable read): relative to the source, with where.
    pub(super) media_root_in_source: Vec<(String, Source)>,
    /// Django settings facts: name → (value expression as text, source).
    pub(super) settings: Vec<(String, String, Source)>,
    /// Settings read from a configuration module with a default (`getattr(configuration,
    /// "MEDIA_ROOT", os.path.join(BASE_DIR, "media"))`): (name, default, where).
    pub(super) config_reads: Vec<(String, Default, Source)>,
    /// Variables a start script assigns for itself (`WORKERS=${WORKERS:-1}`): knobs of the
    /// container, mapped to the process's options, not the app's environment.
    pub(super) script_vars: Vec<String>,
    /// Files read, and files found but not understood (reported, never fatal).
    pub(super) unread: Vec<(Source, String)>,
}

impl Evidence {
    /// The settings value assigned to `name`, if a settings module assigns it.
    pub(super) fn setting(&self, name: &str) -> Option<&(String, String, Source)> {
        self.settings.iter().find(|(n, _, _)| n == name)
    }

    /// The reads of variable `name`.
    pub(super) fn reads(&self, name: &str) -> impl Iterator<Item = &EnvRead> {
        self.env_reads.iter().filter(move |r| r.name == name)
    }

    /// Whether the app reads `name`.
    pub(super) fn is_read(&self, name: &str) -> bool {
        self.reads(name).next().is_some()
    }
}
