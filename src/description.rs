//! The description a user writes (`app2nix.toml`), exactly as serde reads it. Unknown keys are
//! errors. Values that validation reports on carry their source span ([`Sp`]).
//!
//! Nothing here is checked beyond TOML types; [`crate::model`] validates.

use std::collections::BTreeMap;
use std::ops::{Deref, Range};

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

/// A value with the byte range it came from in the description.
#[derive(Debug, Clone)]
pub struct Sp<T> {
    value: T,
    span: Range<usize>,
}

impl<T> Sp<T> {
    /// Wrap a value with its span (used by tests and synthetic descriptions).
    pub fn new(value: T, span: Range<usize>) -> Self {
        Sp { value, span }
    }
    /// Where the value stands in the source.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
}

// Identity is the value alone: two keys spelled alike are the same key wherever they stand.
impl<T: PartialEq> PartialEq for Sp<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Sp<T> {}
impl<T: Ord> PartialOrd for Sp<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: Ord> Ord for Sp<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T> Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::borrow::Borrow<str> for Sp<T>
where
    T: std::borrow::Borrow<str>,
{
    fn borrow(&self) -> &str {
        self.value.borrow()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = toml::Spanned::<T>::deserialize(d)?;
        let span = s.span();
        Ok(Sp {
            value: s.into_inner(),
            span,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

/// A whole `app2nix.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Description {
    /// Name and identity of the application.
    pub app: App,
    /// What to run: the application's package.
    pub package: Sp<Package>,
    /// Static files and single-page-app build outputs, served by nginx (see sites).
    #[serde(default)]
    pub assets: BTreeMap<Sp<String>, Asset>,
    /// Long-running processes, one systemd service each (`<app>-<name>.service`).
    #[serde(default)]
    pub processes: BTreeMap<Sp<String>, Process>,
    /// One-shot tasks run before the processes (migrations, collectstatic, schema setup), or on
    /// a schedule (systemd timers).
    #[serde(default)]
    pub tasks: BTreeMap<Sp<String>, Task>,
    /// Plain environment variables for every process and task. Secret values do not belong here.
    /// A value may name values of the deployment (`ALLOWED_HOSTS = "{{domains}}"`, see
    /// `placeholders`); a name the classification takes for a secret is written
    /// `{ value = "…", public = true }`.
    #[serde(default)]
    pub env: BTreeMap<Sp<String>, Sp<EnvValue>>,
    /// Environment files (`KEY=value` lines) read at start, outside the Nix store.
    #[serde(default)]
    pub environment_files: Vec<Sp<String>>,
    /// Named secrets and how each reaches the processes: `env`, `file` or `acme`, or
    /// `{ delivery = "env", optional = true }`. The description never holds a value.
    #[serde(default)]
    pub secrets: BTreeMap<Sp<String>, Sp<SecretSpec>>,
    /// Directory holding the encrypted secrets (`<app>-<NAME>.age`, agenix), relative to this
    /// file (default `secrets`).
    pub secrets_dir: Option<Sp<String>>,
    /// State kept by the application.
    #[serde(default)]
    pub state: State,
    /// A local PostgreSQL database, reached over the unix socket with peer authentication.
    pub postgresql: Option<Sp<Postgresql>>,
    /// A SQLite database file in the state directory.
    pub sqlite: Option<Sp<Sqlite>>,
    /// A local MySQL (MariaDB) database, reached over the unix socket with socket
    /// authentication.
    pub mysql: Option<Sp<Mysql>>,
    /// A local Redis server for this application (unix socket, or loopback TCP with a
    /// password).
    pub redis: Option<Sp<Redis>>,
    /// Backups of the state directory and database.
    #[serde(default)]
    pub backup: Backup,
    /// An HTTP endpoint that answers 200 when the application is healthy.
    pub health: Option<Health>,
    /// Where a failed unit of the app is reported: e-mail, a webhook, or both.
    pub alerts: Option<Sp<Alerts>>,
    /// Prometheus metrics: nginx's exporter and the app's own metrics endpoint.
    pub metrics: Option<Sp<Metrics>>,
    /// Public sites served by nginx, by name.
    #[serde(default)]
    pub sites: BTreeMap<Sp<String>, Site>,
    /// Let's Encrypt (ACME) settings, required when a site uses ACME certificates.
    pub acme: Option<Sp<Acme>>,
    /// agenix recipients, used to generate `secrets.nix` beside the encrypted secrets.
    pub agenix: Option<Agenix>,
    /// The NixOS machine that runs the application: the generated flake gets a
    /// `nixosConfigurations.<name>` for `nixos-rebuild switch --flake .#<name>`.
    pub host: Option<Host>,
    /// Steps run when the package is built (`collectstatic`, `compilemessages`), their output
    /// part of the source tree the units run in.
    pub build: Option<Sp<Build>>,
    /// Configuration files rendered at start with the deployment's values and secrets, by name.
    #[serde(default)]
    pub files: BTreeMap<Sp<String>, Sp<ConfigFile>>,
    /// Several NixOS machines sharing the application's roles (an edge with the sites, app
    /// hosts, a database host, the one host that runs tasks), deployed with colmena or
    /// deploy-rs. Instead of `[host]`.
    #[serde(default)]
    pub hosts: BTreeMap<Sp<String>, ClusterHost>,
}

/// `[hosts.<name>]`: one machine of a deployment on several hosts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterHost {
    /// What the machine does: `edge` (nginx and certificates), `app` (the processes),
    /// `database` (PostgreSQL), `tasks` (migrations and scheduled tasks: exactly one host).
    pub roles: Sp<Vec<Sp<String>>>,
    /// Its address on the private network the hosts share (`10.0.0.11`).
    pub address: Sp<String>,
    /// Its network interface on that private network (`ens10`): app and database hosts open
    /// their ports on it only.
    pub interface: Option<Sp<String>>,
    /// Where colmena and deploy-rs reach it over SSH: `host` or `user@host` (default user
    /// root).
    pub ssh: Sp<String>,
    /// Platform, `x86_64-linux` (default) or `aarch64-linux`.
    pub system: Option<Sp<String>>,
    /// The machine's own NixOS configuration (hardware, boot loader, users), relative to this
    /// file.
    pub configuration: Sp<String>,
    /// Its SSH host public key, for the secrets it decrypts (`secrets/secrets.nix`).
    pub host_key: Option<Sp<String>>,
}

/// `[host]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// Host name (`networking.hostName`, and the flake's configuration name).
    pub name: Sp<String>,
    /// The machine's own NixOS configuration (hardware, boot loader, users), relative to this
    /// file; typically the `configuration.nix` that `nixos-generate-config` wrote.
    pub configuration: Sp<String>,
    /// Platform, `x86_64-linux` (default) or `aarch64-linux`.
    pub system: Option<Sp<String>>,
}

/// `[sites.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Domains: the first is nginx's `serverName`, the others its `serverAliases`.
    pub domains: Sp<Vec<Sp<String>>>,
    /// Serve `www.X` (listed beside `X`) as a redirect to `X`.
    #[serde(default)]
    pub redirect_www: bool,
    /// `acme` (default: Let's Encrypt, see [acme]), `none` (plain HTTP), or
    /// `{ certificate = "/path/fullchain.pem", key = "/path/key.pem" }`.
    pub tls: Option<Sp<Tls>>,
    /// Largest request body, nginx syntax (`20m`).
    pub client_max_body_size: Option<Sp<String>>,
    /// How long to wait for the app's response (`300s`).
    pub proxy_read_timeout: Option<Sp<String>>,
    /// Add HSTS, X-Content-Type-Options, X-Frame-Options and Referrer-Policy (default true).
    pub security_headers: Option<bool>,
    /// URL path prefix → where it goes: a process name, or a table (see [`RouteTable`]).
    #[serde(default)]
    pub routes: BTreeMap<Sp<String>, Sp<Route>>,
}

/// A site's TLS: `"acme"`, `"none"`, or certificate files.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Tls {
    /// `acme` or `none`.
    Mode(String),
    /// Bring your own certificate.
    Files {
        /// Certificate chain (PEM), outside the Nix store.
        certificate: String,
        /// Private key (PEM), outside the Nix store.
        key: String,
    },
}

/// Where a route goes: a process name, or a table.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum Route {
    /// Shorthand for `{ process = "name" }`.
    Process(String),
    /// The full form.
    Table(Box<RouteTable>),
}

impl<'de> Deserialize<'de> for Route {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Route;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a process name or a route table")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Route, E> {
                Ok(Route::Process(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Route, A::Error> {
                RouteTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|t| Route::Table(Box::new(t)))
            }
        }
        d.deserialize_any(V)
    }
}

/// `{ process = ..., ... }`: exactly one of `process`, `asset`, `state`, `source` or `redirect`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    /// Proxy to this process (through an nginx upstream).
    pub process: Option<Sp<String>>,
    /// Serve this asset (`[assets.<name>]`); an SPA falls back to `index.html`.
    pub asset: Option<Sp<String>>,
    /// Serve this subdirectory of the state directory (e.g. `static`, `media`).
    pub state: Option<Sp<String>>,
    /// Serve this directory of the built source tree from the store (e.g. `static-collected`,
    /// written by a `[build]` step).
    pub source: Option<Sp<String>>,
    /// Redirect to this URL.
    pub redirect: Option<Sp<String>>,
    /// Redirect status (301, 302, 307 or 308; default 301).
    pub code: Option<Sp<i64>>,
    /// Remove the route's prefix before proxying (`/api/x` reaches the app as `/x`).
    #[serde(default)]
    pub strip_prefix: bool,
    /// Pass WebSocket upgrades through.
    #[serde(default)]
    pub websockets: bool,
    /// `false`: nginx passes the response on as it arrives instead of buffering it (server-sent
    /// events, long polling, streamed downloads): `proxy_buffering off`, `proxy_cache off`, and
    /// an HTTP/1.1 connection to the app that nothing closes in between. Process routes only.
    pub buffering: Option<bool>,
    /// Per-route `client_max_body_size`.
    pub client_max_body_size: Option<Sp<String>>,
    /// Per-route `proxy_read_timeout`.
    pub proxy_read_timeout: Option<Sp<String>>,
}

/// `[acme]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acme {
    /// Account email for Let's Encrypt.
    pub email: Option<Sp<String>>,
    /// You accept the CA's terms of service (required: `security.acme.acceptTerms`).
    #[serde(default)]
    pub accept_terms: bool,
    /// Use Let's Encrypt's staging server (untrusted certificates, generous rate limits).
    #[serde(default)]
    pub staging: bool,
    /// `per-site` (default: one certificate per site) or `shared` (one certificate for every
    /// domain of every site).
    pub certificate: Option<Sp<String>>,
    /// DNS-01 with this lego provider (`cloudflare`, `route53`, ...): needed for wildcards.
    pub dns_provider: Option<Sp<String>>,
    /// Secret (declared with `= "acme"` under [secrets]) holding the provider's credentials as
    /// `KEY=value` lines.
    pub dns_credentials: Option<Sp<String>>,
}

/// `[agenix]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agenix {
    /// SSH host public keys of the machines that decrypt the secrets.
    #[serde(default)]
    pub host_keys: Vec<Sp<String>>,
    /// Public keys (SSH or age) of the people who edit the secrets.
    #[serde(default)]
    pub admin_keys: Vec<Sp<String>>,
}

/// `[app]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// Becomes `services.<name>`, the user, the state directory and unit names:
    /// lowercase letters, digits and `-`, starting with a letter, at most 32 characters.
    pub name: Sp<String>,
    /// A one-line description (used in option and unit descriptions).
    pub description: Option<Sp<String>>,
    /// System user the application runs as (default: the app name).
    pub user: Option<Sp<String>>,
}

/// `[package]`: exactly one of `python`, `nixpkgs` or `flake`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// A Python application built from source in this repository.
    pub python: Option<Sp<PythonPackage>>,
    /// A package from nixpkgs, by attribute path (e.g. `netbox`).
    pub nixpkgs: Option<Sp<String>>,
    /// A package from another flake input.
    pub flake: Option<Sp<FlakePackage>>,
}

/// `[package.python]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PythonPackage {
    /// Source directory, relative to the description.
    pub src: Sp<String>,
    /// Interpreter version, `3.11` to `3.14` (`pkgs.python3XX`). Default: nixpkgs' `python3`
    /// (3.13 on nixos-26.05), the only one with a binary cache: another version builds every
    /// dependency from source.
    pub version: Option<Sp<String>>,
    /// `requirements`: the source tree is put on `PYTHONPATH` as is; `pyproject`: it is built
    /// and installed as a Python package (`pyproject.toml` with a build backend).
    pub layout: Option<Sp<String>>,
    /// Runtime dependencies, as nixpkgs Python package attributes (`flask`, `psycopg2`). The
    /// server (gunicorn, uvicorn) and the database driver are added for you.
    #[serde(default)]
    pub dependencies: Vec<Sp<String>>,
    /// Build backend packages for `layout = "pyproject"` (default `setuptools`).
    #[serde(default)]
    pub build_system: Vec<Sp<String>>,
    /// The `uv.lock` the environment is built from with uv2nix, relative to the description.
    /// Default: a `uv.lock` in `src` or the nearest directory above it in the project (a uv
    /// workspace's root). `false`: map `dependencies` to nixpkgs packages even with a lock.
    pub lock: Option<Sp<Lock>>,
    /// With a uv lock: the build system of each package built from source (uv does not lock
    /// build systems), e.g. `{ psycopg2 = ["setuptools", "wheel"] }`. Default: `setuptools`.
    #[serde(default)]
    pub source_builds: BTreeMap<Sp<String>, Vec<Sp<String>>>,
    /// nixpkgs Python packages replaced in the whole package set, for a version the app needs
    /// that nixpkgs has under another attribute: `{ django = "django_6" }` (every package that
    /// depends on `django` is built against `django_6`, without the binary cache).
    #[serde(default)]
    pub overrides: BTreeMap<Sp<String>, Sp<String>>,
    /// With a uv lock: the project's extras and dependency groups the environment holds too
    /// (what `uv sync --group docker` / `--extra postgres` installs), e.g. `["docker"]`.
    #[serde(default)]
    pub groups: Vec<Sp<String>>,
    /// With a uv lock: the native libraries of locked packages, by package, as nixpkgs
    /// attributes: `[package.python.native.psycopg] libraries = ["libpq"]`.
    #[serde(default)]
    pub native: BTreeMap<Sp<String>, Sp<Native>>,
}

/// `[package.python.native.<package>]`: what a locked package needs of nixpkgs beyond Python.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Native {
    /// Libraries its build links against (an sdist's headers and libraries, a wheel's
    /// extension modules' dependencies): `buildInputs`, e.g. `["libpq", "zeromq"]`.
    #[serde(default)]
    pub build_inputs: Vec<Sp<String>>,
    /// Programs its build runs (`pkg-config`, `pg_config` of `libpq`): `nativeBuildInputs`.
    #[serde(default)]
    pub native_build_inputs: Vec<Sp<String>>,
    /// Packages holding the shared libraries it loads by name at run time
    /// (`ctypes.util.find_library("pq")`, which finds nothing on NixOS): each such call of its
    /// code becomes the library's path, as nixpkgs patches them. `["libpq"]` for psycopg 3
    /// without its `binary` extra.
    #[serde(default)]
    pub libraries: Vec<Sp<String>>,
}

/// `lock`: a path, or `false`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Lock {
    /// The lock file, relative to the description.
    Path(String),
    /// `false`: no lock.
    Use(bool),
}

/// `[package.flake]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlakePackage {
    /// Name of the flake input (e.g. `myapp`).
    pub input: Sp<String>,
    /// Package attribute under `packages.<system>` (default `default`).
    pub attr: Option<Sp<String>>,
}

/// `[assets.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    /// A directory of built files (e.g. a Vite `dist/`), or an npm project (`package.json` and
    /// `package-lock.json`) built from source, relative to the description.
    pub src: Sp<String>,
    /// `spa`: unknown paths fall back to `index.html`; `static`: plain files.
    pub kind: Option<Sp<String>>,
    /// An npm project's build command (default `npm run build`).
    pub build: Option<Sp<String>>,
    /// An npm project's build output, inside `src` (default: Vite's `build.outDir`, else
    /// `dist`).
    pub out: Option<Sp<String>>,
    /// An npm project's build-time environment (`VITE_API_URL = "/api"`): plain values only,
    /// they end up in the public bundle.
    #[serde(default)]
    pub build_env: BTreeMap<Sp<String>, Sp<String>>,
    /// Where the built files go in the Python package's source tree (relative to
    /// `[package.python] src`), for an app that reads them there (`app/frontend`): the units
    /// run in that tree. nginx still serves the asset where a route names it.
    pub into: Option<Sp<String>>,
    /// The fixed-output hash of the dependencies of a project locked by bun, pnpm or Yarn
    /// (`sha256-…`): the first `nix build` without it prints the one to write here.
    pub hash: Option<Sp<String>>,
}

/// A command: a shell command line (string) or an argument vector (array).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Command {
    /// Run by bash: pipes, `&&` and variables work.
    Shell(String),
    /// Run directly, each element one argument.
    Args(Vec<String>),
}

/// `[processes.<name>]`: exactly one of `wsgi`, `asgi` or `command`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Process {
    /// A WSGI application (`module:variable` or `module:factory()`), served by gunicorn.
    pub wsgi: Option<Sp<String>>,
    /// An ASGI application (`module:variable`), served by uvicorn (or gunicorn, see `server`).
    pub asgi: Option<Sp<String>>,
    /// Any command; `$HOST` / `$PORT` (or `$SOCKET`) hold the listen address.
    pub command: Option<Sp<Command>>,
    /// The server: for `wsgi`, `gunicorn` (default), `granian`, `uwsgi` or `hypercorn`; for
    /// `asgi`, `uvicorn` (default), `gunicorn` (managing uvicorn workers), `granian`,
    /// `hypercorn` or `daphne`. Its package joins the environment; `check` refuses the options
    /// a server lacks.
    pub server: Option<Sp<String>>,
    /// gunicorn's worker class: `sync` (the default for `wsgi`), `gthread` (threads, the
    /// default with `threads`), `gevent` or `eventlet` (cooperative, for long-lived requests
    /// such as server-sent events; their package is added), or `uvicorn` (for `asgi`).
    pub worker_class: Option<Sp<String>>,
    /// Threads per worker (gunicorn `--threads`, granian's blocking threads for WSGI, uWSGI
    /// `--threads`).
    pub threads: Option<Sp<i64>>,
    /// Load the application once before the workers fork (gunicorn `--preload`); `false` for
    /// uWSGI loads it in each worker (`--lazy-apps`).
    pub preload: Option<Sp<bool>>,
    /// Restart each worker after `max_requests` plus up to this many more requests, so that the
    /// workers do not all restart at once (gunicorn and hypercorn `--max-requests-jitter`).
    pub max_requests_jitter: Option<Sp<i64>>,
    /// Log every request (default true); `false` turns the access log off.
    pub access_log: Option<Sp<bool>>,
    /// Run this many identical units of a worker (`<app>-<name>-1` … `<app>-<name>-N`), each
    /// with `INSTANCE` set to its number. Not with `listen`.
    pub instances: Option<Sp<i64>>,
    /// nixpkgs packages on the unit's `PATH`, by top-level attribute (`git`, `poppler-utils`,
    /// `ffmpeg`), for programs the application runs.
    #[serde(default)]
    pub path: Vec<Sp<String>>,
    /// `host:port` (`127.0.0.1:8000`, `[::1]:8000`, `0.0.0.0:8000`) or `unix` for a socket in
    /// the runtime directory.
    pub listen: Option<Sp<String>>,
    /// Worker processes (default 2).
    pub workers: Option<Sp<i64>>,
    /// Seconds a request may run before the server ends it (gunicorn `--timeout` for its sync
    /// and threaded workers, uWSGI's harakiri, daphne's `--http-timeout`). Without it, a longer
    /// `proxy_read_timeout` of a route to the process sets it; with it, the routes that set no
    /// `proxy_read_timeout` wait as long.
    pub timeout: Option<Sp<i64>>,
    /// Restart a worker after this many requests (gunicorn `--max-requests`).
    pub max_requests: Option<Sp<i64>>,
    /// Seconds to keep idle HTTP connections open.
    pub keepalive: Option<Sp<i64>>,
    /// Open this process's port in the firewall (it must not listen on loopback only).
    #[serde(default)]
    pub expose: bool,
    /// Write the access log to `<logs dir>/<process>-access.log` instead of the journal.
    #[serde(default)]
    pub access_log_file: bool,
    /// Environment variables for this process only (`{{host}}`, `{{port}}` and `{{listen}}` name
    /// where it listens).
    #[serde(default)]
    pub env: BTreeMap<Sp<String>, Sp<EnvValue>>,
    /// A one-line description of the process.
    pub description: Option<Sp<String>>,
}

/// `[tasks.<name>]`: exactly one of `command` or `sql`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// The command to run, with the app's environment, secrets and working directory.
    pub command: Option<Sp<Command>>,
    /// A SQL file in the package source, run with `psql` against the app's database.
    pub sql: Option<Sp<String>>,
    /// Processes this task must finish before (default: all of them). Not with `schedule`.
    pub before: Option<Vec<Sp<String>>>,
    /// Run on a schedule instead (systemd `OnCalendar=`, e.g. `daily`, `*-*-* 03:00:00`).
    pub schedule: Option<Sp<String>>,
    /// Run only once: with PostgreSQL, recorded in the app's database (schema `app2nix`), so a
    /// restored dump says whether it ran; without one, a stamp file in the state directory.
    #[serde(default)]
    pub once: bool,
    /// Tasks that must succeed before this one starts (`after = ["migrate"]`: a data load after
    /// the migrations). Not tasks with a `schedule`.
    #[serde(default)]
    pub after: Vec<Sp<String>>,
    /// nixpkgs packages on the unit's `PATH`, by top-level attribute (`git`, `gettext`).
    #[serde(default)]
    pub path: Vec<Sp<String>>,
    /// Environment variables for this task only.
    #[serde(default)]
    pub env: BTreeMap<Sp<String>, Sp<EnvValue>>,
    /// A one-line description of the task.
    pub description: Option<Sp<String>>,
}

/// An environment value: a string (which may name values of the deployment, `{{domain}}`), or
/// `{ value = "…", public = true }` for a name the secret classification would refuse.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    /// The value.
    Plain(String),
    /// A value declared public.
    Public(PublicValue),
}

/// `{ value = "…", public = true }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicValue {
    /// The value (it lands in the world-readable Nix store).
    pub value: String,
    /// Must be `true`: the name looks secret, and this value is not.
    #[serde(default)]
    pub public: bool,
}

impl EnvValue {
    /// The value as written.
    pub fn value(&self) -> &str {
        match self {
            EnvValue::Plain(v) => v,
            EnvValue::Public(p) => &p.value,
        }
    }
}

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = EnvValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or `{ value = \"...\", public = true }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EnvValue, E> {
                Ok(EnvValue::Plain(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<EnvValue, A::Error> {
                PublicValue::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(EnvValue::Public)
            }
        }
        d.deserialize_any(V)
    }
}

/// How a secret reaches the app: `"env"`, `"file"`, `"acme"`, or a table.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum SecretSpec {
    /// `env`, `file` or `acme`.
    Delivery(String),
    /// `{ delivery = "env", optional = true }`.
    Table(SecretTable),
}

/// `{ delivery = "env" | "file", optional = true }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretTable {
    /// `env` (default) or `file`.
    pub delivery: Option<String>,
    /// Delivered only when the host provides it (`secretFiles.<NAME>`, or an encrypted file
    /// beside the description when it is generated); the units start without it.
    #[serde(default)]
    pub optional: bool,
}

impl SecretSpec {
    /// The delivery as written (`env` when a table leaves it out).
    pub fn delivery(&self) -> &str {
        match self {
            SecretSpec::Delivery(d) => d,
            SecretSpec::Table(t) => t.delivery.as_deref().unwrap_or("env"),
        }
    }

    /// Whether the secret is optional.
    pub fn optional(&self) -> bool {
        matches!(self, SecretSpec::Table(t) if t.optional)
    }
}

impl<'de> Deserialize<'de> for SecretSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SecretSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`\"env\"`, `\"file\"`, `\"acme\"` or `{ delivery = \"env\", optional = true }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SecretSpec, E> {
                Ok(SecretSpec::Delivery(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<SecretSpec, A::Error> {
                SecretTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(SecretSpec::Table)
            }
        }
        d.deserialize_any(V)
    }
}

/// `[build]`: steps run when the package is built, in the source tree, with the app's Python
/// environment. Their output (collected static files, compiled translations) is part of the
/// source tree the units run in and nginx serves `{ source = "…" }` routes from.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Build {
    /// Shell command lines, run in order in the source tree (`python manage.py collectstatic
    /// --noinput`). The build has no network and no secrets: each declared secret holds a
    /// documented placeholder instead.
    #[serde(default)]
    pub steps: Vec<Sp<String>>,
    /// Environment of the steps only (`DEBUG = "False"`), besides `[env]`.
    #[serde(default)]
    pub env: BTreeMap<Sp<String>, Sp<EnvValue>>,
    /// nixpkgs attributes on the steps' `PATH` (`gettext` for `compilemessages`).
    #[serde(default)]
    pub packages: Vec<Sp<String>>,
}

/// `[files.<name>]`: a configuration file rendered at start into `/run/<app>-files/`, with the
/// deployment's values and secrets filled in. Exactly one of `template` and `text`; at least one
/// of `path` and `env`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Where the app reads it, relative to `[package.python] src`: the source tree holds a link
    /// there to the rendered file.
    pub path: Option<Sp<String>>,
    /// An environment variable every unit gets, naming the rendered file.
    pub env: Option<Sp<String>>,
    /// How values are written into it: `python`, `json`, `yaml`, `toml` (string literals, lists
    /// as lists) or `text` (as they are). Default: from the extension of `path` or `template`.
    pub format: Option<Sp<String>>,
    /// A file of the project holding the template, relative to this file.
    pub template: Option<Sp<String>>,
    /// The template itself.
    pub text: Option<Sp<String>>,
}

/// `[state]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Subdirectories of the state directory to create (`media`, `static`, `uploads`).
    #[serde(default)]
    pub dirs: Vec<Sp<String>>,
    /// Give the app a logs directory (`/var/log/<app>`, `LOGS_DIRECTORY`).
    #[serde(default)]
    pub logs: bool,
}

/// `[postgresql]`: database and role are both named after the app user.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Postgresql {
    /// The Python driver, added to the environment: `psycopg` (psycopg 3, the default when the
    /// app's dependencies name no PostgreSQL driver), `psycopg2` or `asyncpg`; SQLAlchemy URLs
    /// name it (`postgresql+<driver>://`). `libpq` (the former default) names no driver.
    pub driver: Option<Sp<String>>,
    /// The library that parses the URL, which decides its form: `libpq` (psycopg, psycopg2),
    /// `sqlalchemy` (`postgresql+<driver>://`; the default when `driver` is given),
    /// `dj-database-url`, `django-environ`, `pydantic` (`PostgresDsn` needs a host: the URL
    /// names `localhost` and the socket directory) or `asyncpg`.
    pub url: Option<Sp<String>>,
    /// Environment variable receiving the URL (default `DATABASE_URL`); `""`: no URL (the app
    /// reads `parts`).
    pub url_env: Option<Sp<String>>,
    /// Environment variables receiving the connection's parts, for apps that read them apart
    /// (`{ host = "DB_HOST", port = "DB_PORT", name = "DB_NAME", user = "DB_USER" }`): the
    /// socket directory `/run/postgresql`, the port, the database and the role.
    pub parts: Option<Sp<DatabaseParts>>,
}

/// `parts = { ... }` of a database: the variable each part of the connection is written to.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatabaseParts {
    /// The host: PostgreSQL's socket directory, or `localhost` for MySQL (on several hosts,
    /// the database host's address).
    pub host: Option<Sp<String>>,
    /// The server's port.
    pub port: Option<Sp<String>>,
    /// MySQL only: the server's socket (`/run/mysqld/mysqld.sock`).
    pub socket: Option<Sp<String>>,
    /// The database's name.
    pub name: Option<Sp<String>>,
    /// The user (role) the app logs in as.
    pub user: Option<Sp<String>>,
}

/// `[mysql]`: a local MariaDB database and user, both named after the app user (`-` becomes
/// `_` in the database's name), reached over the unix socket with socket authentication.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mysql {
    /// The Python driver, added to the environment: `mysqlclient` (the default; Django's),
    /// `pymysql` or `aiomysql`.
    pub driver: Option<Sp<String>>,
    /// The library that parses the URL: `sqlalchemy` (default: `mysql+<driver>://`),
    /// `dj-database-url` or `django-environ` (`mysql://`).
    pub url: Option<Sp<String>>,
    /// Environment variable receiving the URL (default `DATABASE_URL`); `""`: no URL.
    pub url_env: Option<Sp<String>>,
    /// Environment variables receiving the connection's parts (`host` is `localhost`,
    /// `socket` the server's socket, `port`, `name`, `user`).
    pub parts: Option<Sp<DatabaseParts>>,
}

/// `[sqlite]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sqlite {
    /// Database file, relative to the state directory (default `<app>.sqlite3`).
    pub path: Option<Sp<String>>,
    /// `sqlite` (default, `sqlite:///`) or `aiosqlite` (`sqlite+aiosqlite:///`).
    pub driver: Option<Sp<String>>,
    /// Environment variable receiving the URL (default `DATABASE_URL`).
    pub url_env: Option<Sp<String>>,
}

/// `[redis]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redis {
    /// Environment variable receiving a redis-py URL of database 0 (default `REDIS_URL`):
    /// shorthand for `urls = { REDIS_URL = "redis-py" }`.
    pub url_env: Option<Sp<String>>,
    /// The URLs the app reads, by variable: the library that parses each (a string: database
    /// 0), or `{ library = "...", db = N }`. Libraries: `redis-py` (also rq, django-redis,
    /// Flask-Caching), `celery-broker` (database 0 only), `celery-backend`, `limits`
    /// (Flask-Limiter), `tcp` (any library, over loopback TCP with the password).
    #[serde(default)]
    pub urls: BTreeMap<Sp<String>, Sp<RedisUrl>>,
    /// Also listen on loopback TCP, with a generated password (the secret `REDIS_PASSWORD`):
    /// every URL then goes over TCP (a password applies to the socket too). For libraries that
    /// cannot use a socket (pydantic's `RedisDsn`) and apps that append to the URL.
    #[serde(default)]
    pub tcp: bool,
    /// The TCP port (default 6379): each app's Redis needs its own.
    pub port: Option<Sp<i64>>,
}

/// A Redis URL: the library that parses it, or a table with the database number too.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RedisUrl {
    /// The library; database 0.
    Library(String),
    /// The library and the database number.
    Table(RedisUrlTable),
}

/// `{ library = "...", db = N }`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedisUrlTable {
    /// The library that parses the URL.
    pub library: Sp<String>,
    /// The database number (default 0).
    pub db: Option<Sp<i64>>,
}

impl<'de> Deserialize<'de> for RedisUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RedisUrl;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a library name or a table `{ library = \"...\", db = N }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RedisUrl, E> {
                Ok(RedisUrl::Library(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RedisUrl, A::Error> {
                RedisUrlTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RedisUrl::Table)
            }
        }
        d.deserialize_any(V)
    }
}

/// `[backup]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// Back up the state directory (and database dumps) with restic.
    pub restic: Option<Sp<Restic>>,
    /// Dump the PostgreSQL database on a schedule (`services.postgresqlBackup`).
    pub postgresql: Option<Sp<PostgresqlBackup>>,
    /// Dump the MySQL database every day (`services.mysqlBackup`).
    pub mysql: Option<Sp<MysqlBackup>>,
}

/// `[backup.mysql]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MysqlBackup {
    /// Not accepted: `services.mysqlBackup` dumps every database at one time
    /// (`services.mysqlBackup.calendar`), a setting of the host.
    pub schedule: Option<Sp<String>>,
}

/// `[backup.restic]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Restic {
    /// Repository (`/mnt/backup`, `s3:host/bucket`, `sftp:host:/path`, ...).
    pub repository: Sp<String>,
    /// File holding the repository password, outside the Nix store (required: restic encrypts
    /// every repository).
    pub password_file: Option<Sp<String>>,
    /// Environment file with the repository's credentials (e.g. `AWS_ACCESS_KEY_ID`).
    pub environment_file: Option<Sp<String>>,
    /// When to run (systemd `OnCalendar=`, default `daily`).
    pub schedule: Option<Sp<String>>,
    /// Snapshots to keep, by period (`daily`, `weekly`, `monthly`, `yearly`).
    #[serde(default)]
    pub keep: BTreeMap<Sp<String>, Sp<i64>>,
}

/// `[backup.postgresql]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgresqlBackup {
    /// When to dump this database (systemd `OnCalendar=`; default: the host's
    /// `services.postgresqlBackup.startAt`, `*-*-* 01:15:00`).
    pub schedule: Option<Sp<String>>,
    /// No longer accepted: compression is a host-wide setting of `services.postgresqlBackup`,
    /// which app modules leave to the host so that several apps can share it.
    pub compression: Option<Sp<String>>,
}

/// `[health]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// URL path answering 200 when healthy (e.g. `/healthz`).
    pub path: Sp<String>,
    /// Process serving it (default: the first process that listens).
    pub process: Option<Sp<String>>,
}

/// `[alerts]`: every unit of the app reports its failure here (the unit's name, the host and the
/// last lines of its journal).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// E-mail recipients, sent through the host's `sendmail` (or the `smtp` relay).
    #[serde(default)]
    pub email: Vec<Sp<String>>,
    /// The sender (`From:`) of alert e-mails; required with `smtp`. Default: the host's
    /// mailer decides.
    pub from: Option<Sp<String>>,
    /// An SMTP relay to send alert e-mails through instead of the host's `sendmail`
    /// (`{ host = "smtp.example.org", port = 587, user = "alerts@example.org", password =
    /// "SMTP_PASSWORD" }`). Port 465 is TLS from the start, any other STARTTLS; TLS is required.
    pub smtp: Option<Sp<Smtp>>,
    /// A secret (declared with `= "alerts"` under [secrets]) holding the URL of a webhook that
    /// receives each alert as JSON (`text`, `unit`, `host`, `result`, `journal`).
    pub webhook: Option<Sp<String>>,
    /// Journal lines of the failed unit in each alert (default 50).
    pub lines: Option<Sp<i64>>,
}

/// `[alerts] smtp`: the relay alert e-mails go through.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// The relay's host name or address.
    pub host: Sp<String>,
    /// Its submission port (default 587, STARTTLS; 465 is TLS from the start).
    pub port: Option<Sp<i64>>,
    /// The user to log in as (with `password`).
    pub user: Option<Sp<String>>,
    /// A secret (declared with `= "alerts"` under [secrets]) holding the password.
    pub password: Option<Sp<String>>,
}

/// `[metrics]`: what Prometheus scrapes, reachable from the scraper only.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Run the Prometheus nginx exporter (`services.prometheus.exporters.nginx`), which reads
    /// nginx's `stub_status` page (`services.nginx.statusPage`, answered on localhost only).
    #[serde(default)]
    pub nginx_exporter: bool,
    /// The app's own metrics endpoint (`/metrics` of django-prometheus,
    /// prometheus-fastapi-instrumentator, prometheus-flask-exporter): refused on the public
    /// sites, served to the scraper only.
    pub path: Option<Sp<String>>,
    /// The process serving `path` (default: the health check's process, else the first routed
    /// or listening one).
    pub process: Option<Sp<String>>,
    /// The address of the Prometheus server, the only one let in (default `127.0.0.1`: it runs
    /// on this host).
    pub scraper: Option<Sp<String>>,
    /// Where the exporter (and, for a scraper on another machine, the app's metrics) listen:
    /// an IP address (default `127.0.0.1` for a scraper on this host, else `0.0.0.0` with the
    /// firewall open to the scraper only).
    pub listen: Option<Sp<String>>,
    /// The port a scraper on another machine reaches the app's metrics on (nginx proxies it to
    /// `path`); required then, and different for each app of a host.
    pub port: Option<Sp<i64>>,
}

/// Parse TOML text into a [`Description`]; syntax, type and unknown-key errors become
/// diagnostics (unknown keys with "did you mean").
pub fn parse(source: &str) -> Result<Description, crate::diagnostic::Diagnostics> {
    use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
    toml::from_str::<Description>(source).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let raw = e.message().trim().to_string();
        let diag = match unknown_key(&raw) {
            Some((got, expected)) => {
                let help = match did_you_mean(&got, expected.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if expected.is_empty() => "remove it: this table takes no keys".to_string(),
                    None => format!("remove it; known keys here: {}", expected.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
                };
                Diagnostic::new(span, format!("unknown key `{got}`")).help(help)
            }
            None if raw.starts_with("missing field") => {
                let field = raw.split('`').nth(1).unwrap_or("?").to_string();
                Diagnostic::new(span, format!("missing key `{field}`")).help(format!("add `{field} = ...` to this table (see `app2nix schema`)"))
            }
            None if raw.starts_with("invalid type") => {
                let (got, want) = raw.trim_start_matches("invalid type: ").split_once(", expected ").unwrap_or((&raw, "?"));
                let want = match want {
                    "i64" | "u32" | "u64" => "an integer",
                    "a boolean" | "bool" => "`true` or `false`",
                    "a sequence" => "an array",
                    "a map" => "a table",
                    other => other,
                };
                let written = source.get(span.clone()).unwrap_or("");
                let got = found(got.split(' ').next().unwrap_or(got), written);
                if want == "an integer" && got == "an integer" {
                    Diagnostic::new(span, "this integer is out of range").help("use a number from 1 to the limit the key allows (see `app2nix schema`)")
                } else {
                    Diagnostic::new(span, format!("wrong type: expected {want}, found {got}")).help("see `app2nix schema` for the type of each key")
                }
            }
            None if raw.starts_with("data did not match any variant of untagged enum Tls") => {
                Diagnostic::new(span, "`tls` must be `\"acme\"`, `\"none\"` or `{ certificate = \"...\", key = \"...\" }`").help("certificate files are absolute paths outside the Nix store")
            }
            None if raw.starts_with("duplicate key") => {
                let key = source.get(span.clone()).unwrap_or("this key").to_string();
                Diagnostic::new(span, format!("{key} is declared twice")).help("keep one of them (for routes: two routes cannot share a path)")
            }
            None if raw.starts_with("data did not match any variant of untagged enum Command") => {
                Diagnostic::new(span, "a command must be a string or an array of strings").help("e.g. `command = \"flask db upgrade\"` or `command = [\"python\", \"manage.py\", \"migrate\"]`")
            }
            None => Diagnostic::new(span, format!("invalid TOML: {raw}")).help("fix the syntax at the caret (TOML reference: https://toml.io)"),
        };
        Diagnostics(vec![diag])
    })
}

/// What a TOML value is, in words, from serde's name for it and the text written: TOML's dates
/// and times reach serde as maps.
fn found(serde_kind: &str, written: &str) -> &'static str {
    let looks_like_date = written.len() >= 5
        && written.chars().next().is_some_and(|c| c.is_ascii_digit())
        && written.contains(['-', ':'])
        && !written.contains(['{', '=']);
    match serde_kind {
        "map" if looks_like_date => "a date or time",
        "map" => "a table",
        "sequence" => "an array",
        "integer" => "an integer",
        "floating" => "a float",
        "string" => "a string",
        "boolean" => "a boolean",
        _ => "another type",
    }
}

/// Pull `got` and the expected names out of serde's standard unknown-field message:
/// "unknown field `x`, expected one of `a`, `b`" / "expected `a` or `b`" / "there are no fields".
fn unknown_key(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (got, tail) = rest.split_once('`')?;
    let expected = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((got.to_string(), expected))
}
