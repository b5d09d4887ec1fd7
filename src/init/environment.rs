//! The app's environment, decided from what its code reads and what its deployment files set:
//! the local services (PostgreSQL, MySQL/MariaDB, Redis: from Compose images, the settings'
//! database engine and the drivers among the dependencies), how the app reaches them (a URL in
//! the form its library parses, or the parts its settings read), secrets (required or
//! optional), values that follow the deployment (hosts, origins and the site's URL follow the
//! domain; upload, media and log folders leave the read-only source for the state and log
//! directories; proxy settings trust nginx; debug is off; logs go to the journal), and the
//! other values deployment files set, never a container's path, a development setting, a
//! placeholder or an example value.
//!
//! The reader part reads the environment files (`.env.example`, `.env`) and configuration
//! files whose empty keys the app takes from the environment (an INI file read through an
//! interpolation that falls back to `os.getenv`).

use std::collections::{BTreeMap, BTreeSet};

use super::Init;
use super::evidence::{Default, EnvValue, Evidence, Reader, Service};
use super::plan::DbPlan;
use super::scan::Project;
use crate::draft::{Outcome, ProcessKind, Source};

/// Read the environment files and the INI files whose empty keys are variables.
pub(super) fn read_env_files(project: &Project, ev: &mut Evidence) {
    // The project's own (also when a link within the project: the walk lists no links), then
    // those of its directories.
    let mut files: Vec<String> = crate::secrets::ENV_FILES
        .iter()
        .map(|f| f.to_string())
        .collect();
    files.extend(
        project
            .names
            .iter()
            .filter(|rel| {
                let base = rel.rsplit('/').next().unwrap_or(rel);
                rel.contains('/')
                    && crate::secrets::ENV_FILES.contains(&base)
                    && rel.split('/').count() <= 3
            })
            .cloned(),
    );
    for rel in &files {
        let Some(t) = project.read(rel) else { continue };
        for e in crate::import::parse::dotenv(&t) {
            ev.env_values.push(EnvValue {
                source: Source::new(rel, e.line),
                name: e.key,
                value: e.value,
                example: true,
            });
        }
    }
    ini_fallback(project, ev);
}

/// An INI file read through a `configparser` interpolation that falls back to the
/// environment (`os.getenv(option)`): every key of it is a variable, its value in the file
/// the default (empty: none).
fn ini_fallback(project: &Project, ev: &mut Evidence) {
    // Only modules beside an INI file can read it this way.
    let dirs: BTreeSet<&str> = project
        .names
        .iter()
        .filter(|n| n.ends_with(".ini"))
        .map(|n| n.rsplit_once('/').map_or("", |(d, _)| d))
        .collect();
    for rel in project
        .names
        .iter()
        .filter(|n| n.ends_with(".py") && dirs.contains(n.rsplit_once('/').map_or("", |(d, _)| d)))
    {
        let Some(t) = project.read(rel) else { continue };
        if !(t.contains("Interpolation")
            && (t.contains("os.getenv(") || t.contains("environ.get(")))
        {
            continue;
        }
        let dir = rel
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        for ini in project.names.iter().filter(|n| {
            n.ends_with(".ini")
                && n.rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .unwrap_or_default()
                    == dir
        }) {
            let Some(text) = project.read(ini) else {
                continue;
            };
            if text.contains("[uwsgi]") {
                continue;
            }
            for (i, l) in text.lines().enumerate() {
                let l = l.trim();
                if l.starts_with(['#', ';', '[']) {
                    continue;
                }
                let Some((k, v)) = l.split_once('=') else {
                    continue;
                };
                let k = k.trim();
                if !k
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    || k.is_empty()
                {
                    continue;
                }
                let v = v.trim();
                ev.env_reads.push(super::evidence::EnvRead {
                    source: Source::new(ini, i + 1),
                    name: k.to_string(),
                    default: if v.is_empty() {
                        Default::None
                    } else {
                        Default::Literal(v.to_string())
                    },
                    reader: Reader::Plain,
                    choices: Vec::new(),
                });
            }
        }
    }
}

/// Drivers (nixpkgs names) and the database they reach.
const DRIVERS: &[(&str, Service)] = &[
    ("psycopg", Service::Postgresql),
    ("psycopg-binary", Service::Postgresql),
    ("psycopg2", Service::Postgresql),
    ("psycopg2-binary", Service::Postgresql),
    ("asyncpg", Service::Postgresql),
    ("pg8000", Service::Postgresql),
    ("pymysql", Service::Mysql),
    ("mysqlclient", Service::Mysql),
    ("aiomysql", Service::Mysql),
    ("asyncmy", Service::Mysql),
];

/// What a variable name says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    DatabaseUrl,
    RedisUrl(&'static str, u32),
    Hosts,
    Origins,
    SiteUrl,
    Debug,
    Mode,
    Proxy,
    LogsDir,
    StaticRoot,
    MediaRoot,
    DataDir,
    LogToStdout,
    Covered,
    Other,
}

fn has(n: &str, parts: &[&str]) -> bool {
    parts.iter().any(|p| n.contains(p))
}

/// What a variable is, by its name (and the reader of it).
fn kind_of(name: &str, reader: Option<&Reader>) -> Kind {
    let n = name;
    if matches!(
        reader,
        Some(Reader::DjangoEnvironDb | Reader::DjDatabaseUrl)
    ) || matches!(reader, Some(Reader::Pydantic(t)) if t.contains("PostgresDsn") || t.contains("MySQLDsn") || t.contains("MariaDBDsn"))
    {
        return Kind::DatabaseUrl;
    }
    if [
        "PYTHONPATH",
        "PATH",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "HOME",
        "VIRTUAL_ENV",
        "LANG",
        "LC_ALL",
        // The image's locale and apt's prompt setting: nothing the app reads under systemd.
        "LANGUAGE",
        "DEBIAN_FRONTEND",
        "PORT",
        "HOST",
        "BIND",
        "WEB_CONCURRENCY",
        "DJANGO_SETTINGS_MODULE",
        "FLASK_APP",
        "NODE_ENV",
        "UID",
        "GID",
        "PUID",
        "PGID",
    ]
    .contains(&n)
        || n.starts_with("UV_")
        || n.starts_with("PIP_")
        || n.starts_with("POSTGRES_")
        || n.starts_with("MYSQL_")
        || n.starts_with("MARIADB_")
        || n.starts_with("GUNICORN_")
        || n.starts_with("UWSGI_")
        || n.starts_with("COMPOSE_")
        || n.starts_with("DOCKER_")
        || n.starts_with("FLASK_RUN_")
    {
        return Kind::Covered;
    }
    if n == "DATABASE_URL"
        || n == "DATABASE_URI"
        || n == "DB_URL"
        || n == "DB_URI"
        || n == "SQLALCHEMY_DATABASE_URI"
        || (has(n, &["DATABASE_URL", "DATABASE_URI", "DB_URL"]) && !n.contains("TEST"))
    {
        return Kind::DatabaseUrl;
    }
    // A broker's URL (`CELERY_BROKER_URL`, `BROKER`), not a part or a setting of the broker
    // (`REDIS_BROKER_PORT`, `BROKER_POOL_LIMIT`) a URL in its place would break.
    if has(n, &["BROKER"])
        && !n.contains("TRANSPORT")
        && !n.contains("OPTIONS")
        && (n.ends_with("BROKER")
            || ["_URL", "_URLS", "_URI", "_DSN"]
                .iter()
                .any(|s| n.ends_with(s)))
    {
        return Kind::RedisUrl("celery-broker", 0);
    }
    if n == "CELERY_RESULT_BACKEND" || n == "CELERY_BACKEND" || n == "RESULT_BACKEND" {
        return Kind::RedisUrl("celery-backend", 2);
    }
    if has(
        n,
        &[
            "RATELIMIT_STORAGE",
            "LIMITER_STORAGE",
            "RATELIMIT_STORAGE_URI",
        ],
    ) {
        return Kind::RedisUrl("limits", 3);
    }
    if n.contains("REDIS")
        && (n.ends_with("_URL")
            || n.ends_with("_URI")
            || n.ends_with("_LOCATION")
            || n == "REDIS"
            || n.ends_with("_REDIS"))
    {
        return Kind::RedisUrl("redis-py", if n.contains("CACHE") { 1 } else { 0 });
    }
    if n == "CACHE_URL" && matches!(reader, Some(Reader::DjangoEnvironCache)) {
        // django-environ's cache URLs name no socket a measured form reaches: TCP.
        return Kind::RedisUrl("tcp", 1);
    }
    if n.ends_with("ALLOWED_HOSTS") || n == "TRUSTED_HOSTS" || n == "VIRTUAL_HOST" {
        return Kind::Hosts;
    }
    if n.ends_with("TRUSTED_ORIGINS")
        || n.ends_with("CORS_ORIGINS")
        || n.ends_with("CORS_ALLOWED_ORIGINS")
        || n == "ALLOWED_ORIGINS"
    {
        return Kind::Origins;
    }
    if [
        "SITE_ROOT",
        "SITE_URL",
        "BASE_URL",
        "APP_URL",
        "PUBLIC_URL",
        "EXTERNAL_URL",
        "ROOT_URL",
        "SERVER_URL",
        "FRONTEND_HOST",
        "FRONTEND_URL",
        "WEB_URL",
        "HOST_URL",
        "APP_BASE_URL",
        "PUBLIC_BASE_URL",
    ]
    .contains(&n)
    {
        return Kind::SiteUrl;
    }
    if n == "DEBUG" || n.ends_with("_DEBUG") {
        return Kind::Debug;
    }
    if [
        "ENVIRONMENT",
        "ENV",
        "APP_ENV",
        "FLASK_ENV",
        "DJANGO_ENV",
        "FASTAPI_ENV",
        "RUN_MODE",
        "STAGE",
        "APP_MODE",
    ]
    .contains(&n)
    {
        return Kind::Mode;
    }
    if [
        "REVERSE_PROXY",
        "BEHIND_PROXY",
        "USE_PROXY",
        "PROXY_FIX",
        "TRUST_PROXY",
        "USE_X_FORWARDED_HOST",
        "USE_X_FORWARDED_PORT",
        "X_FORWARDED_PROTO_HEADER_SET",
        "SECURE_PROXY_SSL_HEADER",
        "AXES_IPWARE_PROXY_COUNT",
        "AXES_PROXY_COUNT",
        "AXES_IPWARE_META_PRECEDENCE_ORDER",
    ]
    .contains(&n)
    {
        return Kind::Proxy;
    }
    if has(
        n,
        &[
            "LOG_TO_STDOUT",
            "LOGS_TO_STDOUT",
            "LOG_STDOUT",
            "LOG_TO_CONSOLE",
        ],
    ) {
        return Kind::LogToStdout;
    }
    if n.ends_with("STATIC_ROOT") {
        return Kind::StaticRoot;
    }
    if n.ends_with("MEDIA_ROOT") {
        return Kind::MediaRoot;
    }
    let dir_like = n.ends_with("_FOLDER")
        || n.ends_with("_DIR")
        || n.ends_with("_ROOT")
        || n.ends_with("_PATH")
        || n.ends_with("_DIRECTORY");
    if dir_like && has(n, &["LOG"]) {
        return Kind::LogsDir;
    }
    if dir_like
        && has(
            n,
            &[
                "UPLOAD",
                "MEDIA",
                "DATA",
                "STORAGE",
                "FILES",
                "ATTACHMENT",
                "CACHE",
                "BACKUP",
                "EXPORT",
                "REPORTS",
                "SCRIPTS",
            ],
        )
    {
        return Kind::DataDir;
    }
    Kind::Other
}

/// Whether a name says it holds a credential (a key, a password, a token, a secret, a DSN),
/// not only a word the secret classification is wary of (`SESSION`, `AUTH`, `COOKIE`).
fn names_a_credential(name: &str) -> bool {
    [
        "PASSWORD",
        "PASSWD",
        "PASS",
        "SECRET",
        "TOKEN",
        "KEY",
        "DSN",
        "CREDENTIAL",
        "PEPPER",
        "SALT",
        "SEED",
        "MNEMONIC",
    ]
    .iter()
    .any(|w| name.contains(w))
}

/// A variable that chooses the database engine (`DB_ENGINE`, `DATABASE_TYPE`, `DB_BACKEND`).
fn selects_a_database(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    (n.starts_with("DB_")
        || n.starts_with("DATABASE_")
        || n.contains("_DB_")
        || n.contains("_DATABASE_"))
        && ["ENGINE", "TYPE", "BACKEND", "PROVIDER", "DIALECT", "VENDOR"]
            .iter()
            .any(|w| n.ends_with(w))
}

/// A word (`read-write`, `prefer`, `lax`): a setting's value, not a secret's.
fn is_plain_word(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 24
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
}

/// A switch (`True`, `false`, `0`, `yes`) or a number: never a secret's value.
fn is_switch_or_number(v: &str) -> bool {
    ["true", "false", "yes", "no", "on", "off", "none"].contains(&v.to_ascii_lowercase().as_str())
        || v.parse::<f64>().is_ok()
}

/// The state subdirectory for a data folder: the last component of its default, else its
/// name's subject (`UPLOAD_FOLDER` → `uploads`, `MEDIA_ROOT` → `media`).
fn data_dir_leaf(name: &str, default: &Default) -> String {
    let from_default = match default {
        Default::Literal(p) | Default::SourcePath(p) => p
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    };
    if !from_default.is_empty()
        && !from_default.contains('.')
        && from_default
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return from_default.to_ascii_lowercase();
    }
    let stem = ["_FOLDER", "_DIRECTORY", "_DIR", "_ROOT", "_PATH"]
        .iter()
        .fold(name.to_string(), |n, suffix| {
            n.trim_end_matches(suffix).to_string()
        });
    let subject = stem
        .rsplit('_')
        .next()
        .unwrap_or("data")
        .to_ascii_lowercase();
    match subject.as_str() {
        "upload" | "attachment" | "file" | "export" | "backup" | "report" | "script" => {
            format!("{subject}s")
        }
        "" => "data".into(),
        other => other.to_string(),
    }
}

/// A value no production host should get: a container's path, a Compose service's host, a
/// development address, a placeholder or an example.
/// A path, or a `:`-separated list of them (`LD_LIBRARY_PATH`), only an image's file system
/// has: `/usr/local` and `/usr/lib` are a distribution's, which NixOS does not lay out.
fn image_only_paths(value: &str) -> bool {
    value.split(':').all(|p| {
        ["/usr/local", "/usr/lib", "/usr/share", "/usr/include"]
            .iter()
            .any(|d| p == *d || p.starts_with(&format!("{d}/")))
    })
}

/// A variable an image sets to tell the app it runs in a container (`SHOP_CONTAINERIZED`,
/// `RUNNING_IN_DOCKER`, `IS_KUBERNETES`).
fn says_in_a_container(name: &str) -> bool {
    name.to_ascii_uppercase().split('_').any(|w| {
        matches!(
            w,
            "CONTAINERIZED" | "CONTAINER" | "DOCKER" | "DOCKERIZED" | "KUBERNETES" | "K8S"
        )
    }) && !name.to_ascii_uppercase().contains("HOST")
        && !name.to_ascii_uppercase().contains("URL")
}

fn trap(value: &str, compose_hosts: &[String]) -> Option<&'static str> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if super::processes::container_path(v) || image_only_paths(v) {
        return Some("a container's path");
    }
    if v.starts_with('$')
        || v.contains("${")
        || lower.contains("changethis")
        || lower.contains("change-me")
        || lower.contains("changeme")
        || lower.contains("fixme")
        || lower.starts_with("your-")
        || lower.starts_with("your_")
        || lower == "xxx"
        || lower == "---"
    {
        return Some("a placeholder");
    }
    if lower.contains("localhost") || lower.contains("127.0.0.1") || lower.contains("0.0.0.0") {
        return Some("a development address");
    }
    if lower.contains("example.com") || lower.contains("example.org") {
        return Some("an example value");
    }
    if compose_hosts.iter().any(|h| {
        lower.contains(&format!("://{h}"))
            || lower.contains(&format!("@{h}"))
            || lower.contains(&format!("{h}:"))
            || lower == *h
    }) {
        return Some("the address of a Compose service");
    }
    None
}

impl Init<'_> {
    /// What code outside the package source reads (CI scripts, tools beside the app) is not
    /// the app's environment.
    pub(super) fn scope_reads(&mut self) {
        let src = self.src.clone();
        // A maintainer's script (`bin/release.py`, `scripts/bump.py`) that no deployment
        // file runs is a tool beside the app, whatever its directory's place.
        let run: Vec<String> = self
            .ev
            .commands
            .iter()
            .flat_map(|c| c.argv.iter())
            .filter_map(|w| w.rsplit('/').next())
            .filter(|b| b.ends_with(".py"))
            .map(str::to_string)
            .collect();
        let tool = |file: &str| {
            let rel = file
                .strip_prefix(&format!("{src}/"))
                .filter(|_| !src.is_empty())
                .unwrap_or(file);
            let top = rel.split('/').next().unwrap_or("");
            ["bin", "scripts", "tools", "ci", ".github", "dev"].contains(&top)
                && rel.matches('/').count() == 1
                && !run.iter().any(|b| rel.ends_with(&format!("/{b}")))
        };
        self.ev.env_reads.retain(|r| {
            (src.is_empty()
                || r.source.file.starts_with(&format!("{src}/"))
                || r.source.file.ends_with(".ini"))
                && !tool(&r.source.file)
        });
    }

    /// The local services the app uses, and how it reaches its database.
    pub(super) fn services(&mut self) {
        let mut why: BTreeMap<Service, (Source, String)> = BTreeMap::new();
        for (s, src, w) in &self.ev.services {
            why.entry(*s).or_insert((src.clone(), w.clone()));
        }
        let drivers: Vec<(String, Service)> = DRIVERS
            .iter()
            .filter(|(d, _)| self.python_packages.iter().any(|p| p == d))
            .map(|(d, s)| (d.to_string(), *s))
            .collect();
        for (d, s) in &drivers {
            why.entry(*s).or_insert((
                Source::new(".", 0),
                format!("the driver `{d}` is among the dependencies"),
            ));
        }
        let redis_read = self
            .ev
            .env_reads
            .iter()
            .any(|r| matches!(kind_of(&r.name, Some(&r.reader)), Kind::RedisUrl(..)))
            || self
                .ev
                .env_values
                .iter()
                .any(|v| matches!(kind_of(&v.name, None), Kind::RedisUrl(..)))
            || self
                .ev
                .config_modules
                .iter()
                .any(|m| m.names.iter().any(|(n, _)| n.contains("REDIS")));
        let redis_deps = self.python_packages.iter().any(|p| {
            [
                "rq",
                "django-rq",
                "django-redis",
                "celery",
                "flask-caching",
                "arq",
                "redis",
            ]
            .contains(&p.as_str())
        });
        if !why.contains_key(&Service::Redis) && redis_read && redis_deps {
            let r = self
                .ev
                .env_reads
                .iter()
                .find(|r| matches!(kind_of(&r.name, Some(&r.reader)), Kind::RedisUrl(..)))
                .map(|r| r.source.clone())
                .or_else(|| {
                    self.ev
                        .env_values
                        .iter()
                        .find(|v| matches!(kind_of(&v.name, None), Kind::RedisUrl(..)))
                        .map(|v| v.source.clone())
                })
                .or_else(|| {
                    self.ev
                        .config_modules
                        .first()
                        .map(|m| Source::new(&m.example, 0))
                })
                .unwrap_or_else(|| Source::new(".", 0));
            why.insert(Service::Redis, (r, "the settings read a Redis URL".into()));
        }
        // A production file that selects SQLite by name (`DB_ENGINE: sqlite`) outweighs a
        // database server that only a development or test Compose file runs, or a driver
        // among the dependencies (an option the app supports, not the one deployed).
        if let Some(v) = self.ev.env_values.iter().find(|v| {
            !v.example
                && selects_a_database(&v.name)
                && v.value.to_ascii_lowercase().contains("sqlite")
        }) {
            let (source, name) = (v.source.clone(), v.name.clone());
            self.plan.sqlite_selected = true;
            for db in [Service::Postgresql, Service::Mysql] {
                let in_production = self
                    .ev
                    .services
                    .iter()
                    .any(|(s, src, _)| *s == db && !super::compose::is_example(&src.file));
                if !in_production && let Some((_, w)) = why.remove(&db) {
                    self.report.add(
                        source.clone(),
                        name.clone(),
                        Outcome::Decided(format!(
                            "SQLite, which the production configuration selects: no database server (not from: {w})"
                        )),
                    );
                }
            }
        }
        // One database: PostgreSQL where the project names it, else MySQL.
        let database = if why.contains_key(&Service::Postgresql)
            && (!why.contains_key(&Service::Mysql)
                || self
                    .ev
                    .services
                    .iter()
                    .any(|(s, _, _)| *s == Service::Postgresql))
            && (drivers.iter().any(|(_, s)| *s == Service::Postgresql)
                || !drivers.iter().any(|(_, s)| *s == Service::Mysql))
        {
            Some(Service::Postgresql)
        } else if why.contains_key(&Service::Mysql) {
            Some(Service::Mysql)
        } else {
            None
        };
        if let Some(db) = database {
            let (s, w) = why[&db].clone();
            let kind = if db == Service::Postgresql {
                "postgresql"
            } else {
                "mysql"
            };
            let driver = drivers
                .iter()
                .find(|(_, s)| *s == db)
                .map(|(d, _)| d.trim_end_matches("-binary").to_string());
            self.report.add(
                s,
                kind.to_string(),
                Outcome::Mapped(format!(
                    "[{kind}]: a local server, reached over its unix socket ({w})"
                )),
            );
            self.plan.db = Some(DbPlan {
                kind,
                driver: driver.clone(),
                ..DbPlan::default()
            });
            // A driver the project declares only in an extra (`pip install "app[postgres]"`):
            // the environment holds that extra.
            let names: Vec<&str> = DRIVERS
                .iter()
                .filter(|(_, s)| *s == db)
                .map(|(d, _)| *d)
                .collect();
            self.select_extra(&names, &format!("the {kind} driver"));
            // An extra of only the other database's drivers (`mariadb = ["mysqlclient"]` beside
            // PostgreSQL) builds a driver nothing uses, from source with its C library.
            let others: Vec<&str> = DRIVERS
                .iter()
                .filter(|(_, s)| *s != db)
                .map(|(d, _)| *d)
                .collect();
            self.drop_extras_of(
                &others,
                "only a driver of the database the deployment does not use",
            );
        }
        if let Some((s, w)) = why.get(&Service::Redis).cloned() {
            self.report.add(
                s,
                "redis",
                Outcome::Mapped(format!(
                    "[redis]: a private Redis server over its unix socket ({w})"
                )),
            );
            self.draft.redis = true;
        }
    }

    /// Every variable the app reads or the deployment sets, decided.
    pub(super) fn environment(&mut self) {
        self.settings_module();
        let compose_hosts: Vec<String> = self.compose_hosts();
        let mut names: BTreeSet<String> =
            self.ev.env_reads.iter().map(|r| r.name.clone()).collect();
        names.extend(
            self.ev
                .env_values
                .iter()
                .filter(|v| !v.example)
                .map(|v| v.name.clone()),
        );
        // Example files name what the app reads when its code reads them indirectly.
        let any_reads = !self.ev.env_reads.is_empty();
        if !any_reads {
            names.extend(self.ev.env_values.iter().map(|v| v.name.clone()));
        }
        self.database_wiring();
        for name in names {
            if !crate::model::is_env_name(&name)
                || self.draft.env.contains_key(&name)
                || self.handled(&name)
            {
                continue;
            }
            if let Some(why) = self.server_configuration(&name) {
                let source = self
                    .ev
                    .env_values
                    .iter()
                    .find(|v| v.name == name)
                    .map(|v| v.source.clone())
                    .or_else(|| {
                        self.ev
                            .env_reads
                            .iter()
                            .find(|r| r.name == name)
                            .map(|r| r.source.clone())
                    })
                    .unwrap_or_else(|| Source::new(".", 0));
                // `GRANIAN_WORKERS=2` beside a command line without `--workers`: the count
                // moves onto the process, whose command line then sets it.
                let value = self
                    .ev
                    .env_values
                    .iter()
                    .find(|v| v.name == name && !v.example)
                    .and_then(|v| v.value.trim().parse::<i64>().ok())
                    .filter(|n| *n > 0);
                let process = self.draft.processes.iter_mut().find(|(_, p)| {
                    p.workers.is_none()
                        && matches!(p.kind, ProcessKind::Wsgi(_) | ProcessKind::Asgi(_))
                });
                if name.ends_with("_WORKERS")
                    && let (Some(n), Some((key, p))) = (value, process)
                    && why.contains(&format!("[processes.{key}]"))
                {
                    p.workers = Some(n);
                    let what = format!(
                        "[processes.{key}] workers = {n}: the server's own variable, on its command line"
                    );
                    self.report.add(source, &name, Outcome::Mapped(what));
                    continue;
                }
                self.report.add(source, &name, Outcome::Covered(why));
                continue;
            }
            self.variable(&name, &compose_hosts);
        }
        self.flask_app();
        self.config_files();
        self.media_root_in_source();
    }

    /// Uploads the settings put in the source tree (`MEDIA_ROOT = os.path.join(BASE_DIR,
    /// "media")`) with no variable to move them: the deployed source is read-only, and init
    /// cannot redirect the directory through the environment. Reported, not guessed: a link
    /// from the store into the state directory would need the built source to hold a link
    /// the module creates, which app2nix.toml does not describe.
    fn media_root_in_source(&mut self) {
        // An example settings file is the user's to copy, not what runs.
        let runs = |s: &Source| {
            let base = s.file.rsplit('/').next().unwrap_or(&s.file);
            !base.contains("example") && !base.contains("sample")
        };
        let in_source: Vec<(String, Source)> = self
            .ev
            .media_root_in_source
            .iter()
            .filter(|(_, s)| runs(s))
            .cloned()
            .collect();
        let assigned = self
            .ev
            .settings
            .iter()
            .filter(|(n, _, s)| n == "MEDIA_ROOT" && runs(s))
            .count();
        let read = self
            .ev
            .env_reads
            .iter()
            .any(|r| matches!(kind_of(&r.name, None), Kind::MediaRoot))
            || self
                .ev
                .config_reads
                .iter()
                .any(|(n, _, _)| n == "MEDIA_ROOT");
        if assigned == 0 || assigned != in_source.len() || read {
            return;
        }
        for (dir, source) in in_source {
            self.report.add(
                source,
                format!("MEDIA_ROOT {dir}"),
                Outcome::Unmapped(format!(
                    "uploads go into the source tree ({dir}), which is read-only when deployed, and the settings read no variable for it: read one (`MEDIA_ROOT = os.environ.get(\"MEDIA_ROOT\", …)`) and set [env] MEDIA_ROOT = \"{{{{state_dir}}}}/{leaf}\", or render a settings module that sets it with [files]",
                    leaf = dir.rsplit('/').next().unwrap_or("media"),
                )),
            );
        }
    }

    /// `FLASK_APP` for the `flask` commands the deployment runs (`flask db upgrade`): the
    /// project's own value (`.flaskenv`), else the web process's application.
    fn flask_app(&mut self) {
        let uses_flask =
            |c: &str| c.split_whitespace().next() == Some("flask") && !c.contains("--app");
        let needed = self
            .draft
            .tasks
            .values()
            .filter_map(|t| t.command.as_deref())
            .any(uses_flask)
            || self.plan.build_steps.iter().any(|c| uses_flask(c));
        if !needed || self.draft.env.contains_key("FLASK_APP") {
            return;
        }
        let from_file = self
            .ev
            .env_values
            .iter()
            .find(|v| v.name == "FLASK_APP")
            .cloned();
        let web = self.draft.processes.get("web").and_then(|p| match &p.kind {
            crate::draft::ProcessKind::Wsgi(a) | crate::draft::ProcessKind::Asgi(a) => {
                Some(a.clone())
            }
            _ => None,
        });
        let (value, source, why) = match (from_file, web) {
            (Some(v), _) if trap(&v.value, &[]).is_none() => {
                (v.value.clone(), v.source.clone(), "the project's own value")
            }
            (_, Some(w)) => (w, Source::new(".", 0), "the web process's application"),
            _ => return,
        };
        self.report.add(
            source,
            "FLASK_APP",
            Outcome::Mapped(format!(
                "[env] FLASK_APP = {value:?}: the `flask` commands find the app ({why})"
            )),
        );
        self.draft.env.insert("FLASK_APP".into(), value);
    }

    /// A configuration module the app requires and the repository has an example of: written
    /// at start with the deployment's values (the example's required names: hosts, the
    /// database, Redis, the secret key, and folders that leave the source).
    fn config_files(&mut self) {
        let modules = self.ev.config_modules.clone();
        for m in modules {
            let Some(path) = self.in_source(&m.path) else {
                self.report.add(
                    m.source.clone(),
                    m.path.clone(),
                    Outcome::Unmapped("a configuration module outside the package source".into()),
                );
                continue;
            };
            let example = self.project.read(&m.example).unwrap_or_default();
            let mut lines = vec![
                "# Written at start by the NixOS module (app2nix) with this deployment's values;"
                    .to_string(),
                "# every other setting keeps the application's default.".to_string(),
            ];
            let mut missing = Vec::new();
            for (name, line) in &m.names {
                let value = self.config_value(name, &example);
                match value {
                    Some(v) => lines.push(format!("{name} = {v}")),
                    None if *line > 0 => missing.push(name.clone()),
                    None => {}
                }
            }
            // Folders the settings read from the module with a default inside the source.
            for (name, default, _) in self.ev.config_reads.clone() {
                if m.names.iter().any(|(n, _)| *n == name)
                    || !matches!(default, Default::SourcePath(_))
                {
                    continue;
                }
                if matches!(kind_of(&name, None), Kind::MediaRoot | Kind::DataDir) {
                    let leaf = data_dir_leaf(&name, &default);
                    if !self.plan.state_dirs.contains(&leaf) {
                        self.plan.state_dirs.push(leaf.clone());
                    }
                    lines.push(format!("{name} = {{{{state_dir}}}} + \"/{leaf}\""));
                }
            }
            if lines.iter().any(|l| l.contains("os.environ.get(")) {
                // After the header's comments: the connection settings read the environment.
                let at = lines.iter().take_while(|l| l.starts_with('#')).count();
                lines.insert(at, "import os".to_string());
            }
            let text = lines.join("\n") + "\n";
            let file = crate::model::suggest_name(
                path.rsplit('/')
                    .next()
                    .unwrap_or(&path)
                    .trim_end_matches(".py"),
            );
            self.report.add(
                m.source.clone(),
                format!("import of {}", m.path),
                Outcome::Mapped(format!(
                    "[files.{file}] path = {path:?}: required and not in the repository ({} is its example); written at start with this deployment's values{}",
                    m.example,
                    if missing.is_empty() { String::new() } else { format!(" (the example's {} keep the application's defaults)", missing.join(", ")) }
                )),
            );
            self.plan.files.insert(
                file,
                super::plan::FilePlan {
                    path,
                    format: "python".into(),
                    text,
                },
            );
        }
    }

    /// A required setting's value in a Python configuration module, from the deployment (as a
    /// placeholder the module renders), when init knows it.
    fn config_value(&mut self, name: &str, example: &str) -> Option<String> {
        match kind_of(name, None) {
            Kind::Hosts => return Some("{{domains}}".into()),
            Kind::Origins => return Some("{{origins}}".into()),
            Kind::SiteUrl => return Some("{{url}}".into()),
            _ => {}
        }
        if crate::secrets::is_secret_name(name) && name.contains("SECRET_KEY") {
            self.draft.secrets.insert(name.to_string(), "env".into());
            return Some(format!("{{{{secret.{name}}}}}"));
        }
        if (name == "DATABASES" || name == "DATABASE")
            && let Some(db) = self.plan.db.as_mut()
        {
            // The connection comes from the module as the client libraries' own variables
            // (`[postgresql] parts`): they follow the `user` option, point at the database host
            // on several hosts, and are the administrator's to set when the database is not
            // created locally. Literal names and socket paths followed nothing. Empty when
            // unset: the build steps import the file without the units' environment.
            let mysql = db.kind == "mysql";
            let (engine, host_part, vars): (&str, &str, &[(&str, &str)]) = if mysql {
                (
                    "django.db.backends.mysql",
                    "socket",
                    &[
                        ("socket", "MYSQL_UNIX_PORT"),
                        ("name", "MYSQL_DATABASE"),
                        ("user", "MYSQL_USER"),
                    ],
                )
            } else {
                (
                    "django.db.backends.postgresql",
                    "host",
                    &[
                        ("host", "PGHOST"),
                        ("port", "PGPORT"),
                        ("name", "PGDATABASE"),
                        ("user", "PGUSER"),
                    ],
                )
            };
            for (part, var) in vars {
                db.parts
                    .entry((*part).to_string())
                    .or_insert_with(|| (*var).to_string());
            }
            let env = |part: &str| {
                db.parts
                    .get(part)
                    .map_or_else(String::new, |v| format!("os.environ.get(\"{v}\", \"\")"))
            };
            let port = if mysql {
                String::new()
            } else {
                format!(", \"PORT\": {}", env("port"))
            };
            let one = format!(
                "{{\"ENGINE\": \"{engine}\", \"NAME\": {}, \"USER\": {}, \"HOST\": {}{port}, \"CONN_MAX_AGE\": 300}}",
                env("name"),
                env("user"),
                env(host_part),
            );
            return Some(if name == "DATABASES" {
                format!("{{\"default\": {one}}}")
            } else {
                one
            });
        }
        if name.contains("REDIS") && self.draft.redis {
            // Each section of the example's Redis settings, by the database number it uses.
            let block = example.split(&format!("{name} =")).nth(1).unwrap_or("");
            let sections: Vec<String> = block
                .lines()
                .take_while(|l| !l.starts_with('}'))
                .filter_map(|l| {
                    let t = l.trim();
                    let key = t.strip_suffix(": {")?.trim_matches(['\'', '"']);
                    (!key.is_empty()).then(|| key.to_string())
                })
                .collect();
            // Each section's URL is a `[redis] urls` variable in redis-py's form: the module
            // writes the socket (or, on several hosts, the Redis host with its password).
            let mut url = |var: String, db: u32| {
                self.plan
                    .redis_urls
                    .entry(var.clone())
                    .or_insert_with(|| ("redis-py".to_string(), db));
                format!("os.environ.get(\"{var}\", \"\")")
            };
            if sections.is_empty() {
                let u = url(format!("{name}_URL"), 0);
                return Some(format!("{{\"URL\": {u}}}"));
            }
            let parts: Vec<String> = sections
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let var = format!(
                        "{name}_{}_URL",
                        s.to_ascii_uppercase()
                            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                    );
                    let db = u32::try_from(i).unwrap_or(0);
                    format!(
                        "\"{s}\": {{\"URL\": {}, \"DATABASE\": {i}, \"SSL\": False}}",
                        url(var, db)
                    )
                })
                .collect();
            return Some(format!("{{{}}}", parts.join(", ")));
        }
        None
    }

    /// Names of Compose services: a value naming one is the container network's address.
    fn compose_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = [
            "db",
            "database",
            "postgres",
            "postgresql",
            "mysql",
            "mariadb",
            "redis",
            "cache",
            "broker",
            "rabbitmq",
            "memcached",
            "elasticsearch",
            "mail",
            "mailhog",
            "mailpit",
            "smtp",
            "minio",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (_, s, why) in &self.ev.services {
            if let Some(name) = why.split('`').nth(1) {
                hosts.push(name.to_string());
                let _ = s;
            }
        }
        hosts
    }

    /// Whether a variable is decided already (the database wiring, the Redis URLs).
    /// A server's own configuration variable (`GRANIAN_PORT`, `UVICORN_WORKERS`,
    /// `GUNICORN_CMD_ARGS`): the command line app2nix writes for a mapped process sets the
    /// listen address, interface and workers (the variables would contradict it), and a server
    /// no process runs does not read them. Kept when a process runs that server as written.
    fn server_configuration(&self, name: &str) -> Option<String> {
        let server = if name == "GUNICORN_CMD_ARGS" {
            "gunicorn"
        } else if name.starts_with("GRANIAN_") {
            "granian"
        } else if name.starts_with("UVICORN_") {
            "uvicorn"
        } else if name.starts_with("HYPERCORN_") {
            "hypercorn"
        } else {
            return None;
        };
        let is_server = |w: &str| w.rsplit('/').next() == Some(server);
        let as_written = self.draft.processes.values().any(|p| match &p.kind {
            ProcessKind::Command(argv) => argv.iter().take(3).any(|w| is_server(w)),
            ProcessKind::Shell(line) => line.split_whitespace().any(is_server),
            _ => false,
        });
        if as_written {
            return None;
        }
        let mapped = self.draft.processes.iter().find(|(_, p)| {
            let runs = match &p.kind {
                ProcessKind::Wsgi(_) => p.server.as_deref().unwrap_or("gunicorn"),
                ProcessKind::Asgi(_) => p.server.as_deref().unwrap_or("uvicorn"),
                _ => "",
            };
            runs == server
        });
        // What app2nix's command line for the server sets; the server's other variables
        // (`GRANIAN_WEBSOCKETS`) still apply and stay in [env].
        let setting = name.split_once('_').map(|(_, k)| k).unwrap_or("");
        let on_the_command_line = name == "GUNICORN_CMD_ARGS"
            || [
                "HOST",
                "PORT",
                "BIND",
                "UDS",
                "WORKERS",
                "INTERFACE",
                "THREADS",
                "BLOCKING_THREADS",
                "FACTORY",
            ]
            .contains(&setting);
        if mapped.is_some() && !on_the_command_line {
            return None;
        }
        Some(match mapped {
            Some((n, _)) => format!(
                "{server}'s configuration: [processes.{n}] runs {server} with its listen address and workers on the command line"
            ),
            None => format!("{server}'s configuration, and no process runs {server}: not needed"),
        })
    }

    fn handled(&self, name: &str) -> bool {
        self.plan.db.as_ref().is_some_and(|d| {
            d.url_env.as_deref() == Some(name) || d.parts.values().any(|v| v == name)
        }) || self.plan.redis_urls.contains_key(name)
    }

    /// `DJANGO_SETTINGS_MODULE`: the production image's `ENV`, else what `manage.py` sets, else
    /// another deployment file's value, else the module defining the WSGI application.
    /// `manage.py` only sets a default (often the development settings) that the image's value
    /// overrides where the app runs in production.
    fn settings_module(&mut self) {
        if self.framework != "Django" {
            return;
        }
        let from_manage = self
            .ev
            .django
            .iter()
            .find(|d| d.source.file.ends_with("manage.py"))
            .map(|d| (d.settings.clone(), d.source.clone()));
        let value = |image: bool| {
            self.ev
                .env_values
                .iter()
                .find(|v| {
                    v.name == "DJANGO_SETTINGS_MODULE"
                        && !v.example
                        && super::container::is_dockerfile(&v.source.file) == image
                })
                .map(|v| (v.value.clone(), v.source.clone()))
        };
        let (from_image, from_other) = (value(true), value(false));
        let from_wsgi = self
            .found
            .django
            .first()
            .map(|d| (self.relative_module(&d.0), Source::new(&d.3, 0)));
        if let Some((m, s)) = from_image.or(from_manage).or(from_other).or(from_wsgi) {
            self.report.add(
                s,
                "Django settings",
                Outcome::Mapped(format!("[env] DJANGO_SETTINGS_MODULE = {m:?}")),
            );
            self.draft.env.insert("DJANGO_SETTINGS_MODULE".into(), m);
        }
    }

    /// How the app reaches its database: a URL variable in the form its library parses, or
    /// the parts its settings dict reads (and the variable that switches it on), or a
    /// configuration module.
    fn database_wiring(&mut self) {
        let Some(mut db) = self.plan.db.clone() else {
            return;
        };
        let service = if db.kind == "postgresql" {
            Service::Postgresql
        } else {
            Service::Mysql
        };
        // Parts: `"HOST": os.getenv("DB_HOST")` in a settings dict naming this database.
        let parts: Vec<(String, String, Source)> = self
            .ev
            .db_parts
            .iter()
            .filter(|(_, _, s, _)| *s == service)
            .map(|(k, v, _, src)| (k.clone(), v.clone(), src.clone()))
            .collect();
        let url_read = self
            .ev
            .env_reads
            .iter()
            .filter(|r| kind_of(&r.name, Some(&r.reader)) == Kind::DatabaseUrl)
            .max_by_key(|r| (r.reader != Reader::Plain, r.name == "DATABASE_URL"))
            .cloned();
        if let Some(r) = url_read {
            let sqlalchemy = self
                .python_packages
                .iter()
                .any(|p| p == "sqlalchemy" || p == "flask-sqlalchemy" || p == "sqlmodel");
            db.url = Some(match &r.reader {
                Reader::DjangoEnvironDb => "django-environ",
                Reader::DjDatabaseUrl => "dj-database-url",
                Reader::Pydantic(_) => "pydantic",
                _ if sqlalchemy => "sqlalchemy",
                _ if self.python_packages.iter().any(|p| p == "dj-database-url") => {
                    "dj-database-url"
                }
                _ if self.python_packages.iter().any(|p| p == "django-environ") => "django-environ",
                _ => "libpq",
            });
            db.url_env = Some(r.name.clone());
            self.report.add(
                r.source.clone(),
                r.name.clone(),
                Outcome::Mapped(format!(
                    "the {} URL, in the form {} parses (over the unix socket)",
                    db.kind,
                    db.url.unwrap_or("libpq")
                )),
            );
        } else if let Some(v) = self
            .ev
            .env_values
            .iter()
            .find(|v| kind_of(&v.name, None) == Kind::DatabaseUrl)
            .cloned()
        {
            // An environment file names the URL variable; the dependencies say who parses it.
            let sqlalchemy = self
                .python_packages
                .iter()
                .any(|p| p == "sqlalchemy" || p == "flask-sqlalchemy" || p == "sqlmodel");
            db.url = Some(if sqlalchemy {
                "sqlalchemy"
            } else if self.python_packages.iter().any(|p| p == "dj-database-url") {
                "dj-database-url"
            } else {
                "libpq"
            });
            db.url_env = Some(v.name.clone());
            self.report.add(v.source.clone(), v.name.clone(), Outcome::Mapped(format!("the {} URL, in the form {} parses (over the unix socket; the file's value is not copied)", db.kind, db.url.unwrap_or("libpq"))));
        } else if !parts.is_empty() {
            for (k, v, s) in &parts {
                let part = match k.as_str() {
                    "HOST" => "host",
                    "PORT" => "port",
                    "NAME" => "name",
                    "USER" => "user",
                    _ => {
                        self.report.add(s.clone(), v.clone(), Outcome::Covered("no password: the local database authenticates the app's user over its socket".into()));
                        continue;
                    }
                };
                db.parts.insert(part.to_string(), v.clone());
                self.report.add(
                    s.clone(),
                    v.clone(),
                    Outcome::Mapped(format!("[{}] parts: {part} = {v:?}", db.kind)),
                );
            }
            for (var, lit, s, src) in self.ev.db_switch.clone() {
                if s == service {
                    self.report.add(
                        src,
                        format!("{var} == {lit:?}"),
                        Outcome::Mapped(format!(
                            "[env] {var} = {lit:?}: switches the settings to this database"
                        )),
                    );
                    self.draft.env.insert(var, lit);
                }
            }
        }
        self.plan.db = Some(db);
    }

    /// One variable.
    fn variable(&mut self, name: &str, compose_hosts: &[String]) {
        let read = self.ev.reads(name).next().cloned();
        let deployed: Option<EnvValue> = self
            .ev
            .env_values
            .iter()
            .find(|v| v.name == name && !v.example)
            .cloned();
        let example: Option<EnvValue> = self
            .ev
            .env_values
            .iter()
            .find(|v| v.name == name && v.example)
            .cloned();
        let source = read
            .as_ref()
            .map(|r| r.source.clone())
            .or(deployed.as_ref().map(|v| v.source.clone()))
            .or(example.as_ref().map(|v| v.source.clone()))
            .unwrap_or_else(|| Source::new(".", 0));
        let reader = read.as_ref().map(|r| &r.reader);
        let kind = kind_of(name, reader);
        let default = read
            .as_ref()
            .map(|r| r.default.clone())
            .unwrap_or(Default::None);
        let secret_type = matches!(reader, Some(Reader::Pydantic(t)) if t.contains("SecretStr"));
        if self.ev.script_vars.iter().any(|v| v == name) && !self.ev.is_read(name) {
            self.report.add(
                source,
                name,
                Outcome::Covered(
                    "a knob of the container's start script: mapped to the process's options"
                        .into(),
                ),
            );
            return;
        }
        if deployed.is_none()
            && example.is_none()
            && let Some(cmd) = self.only_in_unrun_command(name)
        {
            self.report.add(
                source,
                name,
                Outcome::Covered(format!(
                    "read only by the management command `{cmd}`, which the deployment does not run (give it when you run it)"
                )),
            );
            return;
        }
        if crate::secrets::is_secret_name(name) || secret_type {
            if self.local_credential(name) {
                self.report.add(source, name, Outcome::Covered(if self.plan.db.is_none() && !name.contains("REDIS") {
                    "a database server's credential, and the deployment uses SQLite: not needed".into()
                } else {
                    "a credential of the local database or Redis: the app's user reaches them over their sockets, without one".into()
                }));
                return;
            }
            // A secret-looking name whose default is a switch or a number is a setting; so is one
            // that names no credential (`DB_TARGET_SESSION_ATTRS`) with a word for a default.
            let public = matches!(&default, Default::Literal(d) if is_switch_or_number(d)
                || (!names_a_credential(name) && is_plain_word(d)));
            if !public {
                let named = deployed.is_some() || example.is_some();
                self.secret(name, &default, source, named);
                return;
            }
        }
        let set = |me: &mut Self, value: String, why: String| {
            me.report.add(
                source.clone(),
                name,
                Outcome::Mapped(format!("[env] {name} = {value:?}: {why}")),
            );
            me.draft.env.insert(name.to_string(), value);
        };
        match kind {
            Kind::Covered | Kind::DatabaseUrl => {
                if kind == Kind::DatabaseUrl && self.plan.db.is_none() && deployed.is_some() {
                    self.report.add(source, name, Outcome::Unmapped("a database URL, but no local database was found: add [postgresql] or set it in an environment file".into()));
                }
            }
            Kind::RedisUrl(library, db) => {
                // pydantic's `RedisDsn` cannot name a socket.
                let library = if read.as_ref().is_some_and(
                    |r| matches!(&r.reader, Reader::Pydantic(t) if t.contains("RedisDsn")),
                ) {
                    "tcp"
                } else {
                    library
                };
                if self.draft.redis {
                    self.report.add(
                        source,
                        name,
                        Outcome::Mapped(format!("[redis] URL for {library} (database {db})")),
                    );
                    self.plan
                        .redis_urls
                        .insert(name.to_string(), (library.to_string(), db));
                } else {
                    self.report.add(source, name, Outcome::Unmapped("a Redis URL, but the app uses no local Redis: set it in an environment file".into()));
                }
            }
            Kind::Hosts | Kind::Origins | Kind::SiteUrl => {
                let (value, why) = match kind {
                    Kind::Hosts => ("{{domains}}", "the site's domains"),
                    Kind::Origins => ("{{origins}}", "the site's URLs"),
                    _ => ("{{url}}", "the site's URL"),
                };
                if self.opts.domains.is_empty() {
                    // No site yet (it is written as comments): the value follows it once it exists.
                    self.report.add(source, name, Outcome::Decided(format!("follows the site: once [sites.main] is filled in, set {name} = {value:?} under [env]")));
                    self.draft
                        .comments
                        .entry("env".into())
                        .or_default()
                        .push(format!(
                            "Once the site below is filled in: {name} = \"{value}\" ({why})."
                        ));
                } else {
                    set(self, value.into(), why.into());
                }
            }
            Kind::Debug => {
                let value = match &default {
                    Default::Literal(d) if d == "0" || d == "1" => "0",
                    Default::Literal(d)
                        if d.chars().all(|c| c.is_ascii_lowercase()) && !d.is_empty() =>
                    {
                        "false"
                    }
                    _ => "False",
                };
                set(self, value.into(), "never debug in production".into());
            }
            Kind::Mode => self.mode(
                name,
                read.as_ref().map(|r| r.choices.clone()).unwrap_or_default(),
                deployed.as_ref().or(example.as_ref()),
                source,
            ),
            Kind::Proxy => {
                let value = match name {
                    "SECURE_PROXY_SSL_HEADER" => "HTTP_X_FORWARDED_PROTO,https".to_string(),
                    "AXES_IPWARE_PROXY_COUNT" | "AXES_PROXY_COUNT" => "1".into(),
                    "AXES_IPWARE_META_PRECEDENCE_ORDER" => {
                        "HTTP_X_FORWARDED_FOR,REMOTE_ADDR".into()
                    }
                    _ => deployed
                        .as_ref()
                        .map(|d| d.value.clone())
                        .filter(|v| !v.is_empty())
                        .unwrap_or_else(|| "True".into()),
                };
                set(
                    self,
                    value,
                    "behind nginx, which sets X-Forwarded-For, -Proto and -Host".into(),
                );
            }
            Kind::LogToStdout => set(
                self,
                "1".into(),
                "logs go to the journal (the source is read-only)".into(),
            ),
            Kind::LogsDir => {
                self.draft.logs = true;
                set(
                    self,
                    "{{logs_dir}}".into(),
                    "the app's log directory (the source is read-only)".into(),
                );
            }
            Kind::StaticRoot => {
                if self
                    .plan
                    .build_steps
                    .iter()
                    .any(|s| s.contains("collectstatic"))
                {
                    self.plan
                        .source_routes
                        .insert("/static/".into(), "static".into());
                    set(
                        self,
                        "{{source}}/static".into(),
                        "collected at build time into the package, served by nginx".into(),
                    );
                }
            }
            Kind::MediaRoot | Kind::DataDir => {
                let in_source = matches!(
                    default,
                    Default::SourcePath(_) | Default::None | Default::Required
                ) || matches!(&default, Default::Literal(p) if !p.starts_with('/') || super::processes::container_path(p));
                if in_source {
                    let leaf = data_dir_leaf(name, &default);
                    if !self.plan.state_dirs.contains(&leaf) {
                        self.plan.state_dirs.push(leaf.clone());
                    }
                    set(
                        self,
                        format!("{{{{state_dir}}}}/{leaf}"),
                        "state belongs in the state directory (the source is read-only)".into(),
                    );
                }
            }
            Kind::Other => self.plain(name, &default, deployed, example, source, compose_hosts),
        }
    }

    /// A secret: declared by name (never a value). An optional one (the app runs without it)
    /// is declared only when a deployment or example file names it: the app's every optional
    /// integration is not the deployment's.
    fn secret(&mut self, name: &str, default: &Default, source: Source, named: bool) {
        let main_key = name == "SECRET_KEY"
            || (name.ends_with("_SECRET_KEY") && !name.contains("AWS") && !name.contains("S3"))
            || name == "APP_SECRET";
        let insecure_default = matches!(default, Default::Literal(d) if !d.is_empty());
        let optional = !main_key && !matches!(default, Default::Required) && !insecure_default;
        if optional && !named {
            self.report.add(source, name, Outcome::Decided("an optional secret the deployment files do not name: not declared (declare it under [secrets] to use what needs it)".into()));
            return;
        }
        self.draft.secrets.insert(name.to_string(), "env".into());
        if optional {
            self.plan.optional_secrets.push(name.to_string());
        }
        let how = if optional {
            "optional: the app runs without it"
        } else {
            "required"
        };
        self.report.add(source, name, Outcome::Mapped(format!("[secrets] {name} = \"env\" ({how}; the value is never copied: encrypt it with `agenix -e`)")));
    }

    /// The Django management command (`management/commands/<cmd>.py`) that is the only reader
    /// of `name`, when no process or task runs it: an operator's command, given its variables
    /// when run by hand.
    fn only_in_unrun_command(&self, name: &str) -> Option<String> {
        let mut command = None;
        for r in self.ev.reads(name) {
            let (dir, file) = r.source.file.rsplit_once('/')?;
            if !dir.ends_with("management/commands") {
                return None;
            }
            let cmd = file.strip_suffix(".py")?.to_string();
            if command.as_ref().is_some_and(|c| *c != cmd) {
                return None;
            }
            command = Some(cmd);
        }
        let cmd = command?;
        let runs = |line: &str| line.split_whitespace().any(|w| w == cmd);
        let in_processes = self.draft.processes.values().any(|p| match &p.kind {
            crate::draft::ProcessKind::Command(words) => words.contains(&cmd),
            crate::draft::ProcessKind::Shell(line) => runs(line),
            _ => false,
        });
        let in_tasks = self
            .draft
            .tasks
            .values()
            .any(|t| t.command.as_deref().is_some_and(runs));
        (!in_processes && !in_tasks).then_some(cmd)
    }

    /// A user or password of the local database or Redis (`DB_PASSWORD`, `REDIS_PASSWORD`):
    /// the local services need none.
    fn local_credential(&self, name: &str) -> bool {
        let db = (self.plan.db.is_some() || self.plan.sqlite_selected)
            && ["DB_", "DATABASE_", "POSTGRES", "PG", "MYSQL", "MARIADB"]
                .iter()
                .any(|p| name.starts_with(p) || name.contains(&format!("_{p}")));
        let redis = self.draft.redis && name.contains("REDIS");
        (db || redis)
            && (name.contains("PASSWORD")
                || name.contains("PASS")
                || name.ends_with("_USER")
                || name.ends_with("_USERNAME"))
    }

    /// A mode variable (`ENVIRONMENT`, `FLASK_ENV`): production when the app allows it, else
    /// the app's default; a development value is never copied.
    fn mode(&mut self, name: &str, choices: Vec<String>, value: Option<&EnvValue>, source: Source) {
        let production = ["production", "prod"]
            .into_iter()
            .find(|p| choices.iter().any(|c| c == p));
        let given = value.map(|v| v.value.clone()).unwrap_or_default();
        let given_is_production =
            ["production", "prod"].contains(&given.to_ascii_lowercase().as_str());
        if let Some(p) = production.or(given_is_production.then_some(given.as_str())) {
            self.report.add(
                source,
                name,
                Outcome::Mapped(format!("[env] {name} = {p:?}")),
            );
            self.draft.env.insert(name.to_string(), p.to_string());
            return;
        }
        self.report.add(source, name, Outcome::Decided(format!("not set: `{given}` is a development setting and the app's default is its production behaviour")));
    }

    /// Any other variable: the deployment's value when it is a production value; a required
    /// one without it is reported (an e-mail address the operator gave stands in for an
    /// example one).
    fn plain(
        &mut self,
        name: &str,
        default: &Default,
        deployed: Option<EnvValue>,
        example: Option<EnvValue>,
        source: Source,
        compose_hosts: &[String],
    ) {
        if let Some(d) = &deployed
            && says_in_a_container(name)
        {
            self.report.add(
                d.source.clone(),
                name,
                Outcome::Decided(
                    "not copied: it tells the app it runs in a container, which it does not here"
                        .into(),
                ),
            );
            return;
        }
        if let Some(d) = &deployed {
            // Where the image copies a build stage's output (a frontend's build) is a path
            // of the image's only: the built files are an asset here.
            let copied = self
                .ev
                .stage_copies
                .iter()
                .find(|(p, _)| {
                    let v = d.value.trim().trim_end_matches('/');
                    !v.is_empty() && p.trim_end_matches('/') == v
                })
                .map(|(_, s)| {
                    format!("a path inside the image, where it copies a build stage's output ({s}); the build is an asset here")
                });
            match copied.or_else(|| trap(&d.value, compose_hosts).map(str::to_string)) {
                None if !d.value.is_empty() && !crate::secrets::is_secret(name, &d.value) => {
                    self.report.add(
                        d.source.clone(),
                        name,
                        Outcome::Mapped(format!("[env] {name} = {:?}", d.value)),
                    );
                    self.draft.env.insert(name.to_string(), d.value.clone());
                    return;
                }
                Some(why) => {
                    self.report.add(
                        d.source.clone(),
                        name,
                        Outcome::Decided(format!("not copied: {why}")),
                    );
                }
                None => {}
            }
        }
        if *default != Default::Required {
            return;
        }
        // Required, and no production value: the example's, an operator's e-mail, or the user.
        let value = example
            .as_ref()
            .map(|e| e.value.clone())
            .unwrap_or_default();
        if value.contains('@')
            && trap(&value, compose_hosts).is_some()
            && let Some(email) = &self.opts.acme_email
        {
            self.report.add(source, name, Outcome::Decided(format!("[env] {name} = {email:?}: required, and the example's value is an example address: the ACME e-mail given to init")));
            self.draft.env.insert(name.to_string(), email.clone());
        } else if !value.is_empty() && trap(&value, compose_hosts).is_none() {
            let from = example.map(|e| e.source.to_string()).unwrap_or_default();
            self.report.add(
                source,
                name,
                Outcome::Decided(format!(
                    "[env] {name} = {value:?}: required; the value of {from} (review it)"
                )),
            );
            self.draft.env.insert(name.to_string(), value);
        } else {
            self.report.add(
                source,
                name,
                Outcome::Unmapped(
                    "required and no production value is known: add it to [env]".into(),
                ),
            );
        }
    }
}
