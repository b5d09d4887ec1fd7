//! The app's data: its database (PostgreSQL, MySQL or SQLite), Redis, the state directory's
//! subdirectories, and backups of them (restic, PostgreSQL dumps).
//!
//! Owns [`Database`], [`Redis`], [`Restic`] and [`PostgresqlBackup`]; validates
//! `[postgresql]`, `[mysql]`, `[sqlite]`, `[redis]`, `[state]` and `[backup.*]`, and that the
//! variables app2nix sets from them (`DATABASE_URL`, the parts, `REDIS_URL`) are not set by
//! hand.
//!
//! May call [`super::check`]; `crate::secrets` judges the restic repository.

use std::collections::BTreeMap;

use super::check::{
    Checker, PLAIN_PATH_HELP, is_plain_path, normalize_relative, path_to_slash, shown,
};
use crate::description::{self as d, Sp};
use crate::diagnostic::did_you_mean;
use crate::secrets;

/// The library that parses a database URL: it decides the URL's form (see
/// `../shared/reference/connection-urls.md`, where each was measured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlReader {
    /// libpq (psycopg, psycopg2) or a MySQL client library.
    Libpq,
    /// SQLAlchemy: the scheme names the dialect's driver.
    Sqlalchemy,
    /// dj-database-url (Django).
    DjDatabaseUrl,
    /// django-environ (Django).
    DjangoEnviron,
    /// pydantic's `PostgresDsn`, which requires a host.
    Pydantic,
    /// asyncpg itself.
    Asyncpg,
}

impl UrlReader {
    const ALL: [(&'static str, UrlReader); 6] = [
        ("libpq", UrlReader::Libpq),
        ("sqlalchemy", UrlReader::Sqlalchemy),
        ("dj-database-url", UrlReader::DjDatabaseUrl),
        ("django-environ", UrlReader::DjangoEnviron),
        ("pydantic", UrlReader::Pydantic),
        ("asyncpg", UrlReader::Asyncpg),
    ];

    /// Its name in descriptions.
    pub fn as_str(self) -> &'static str {
        UrlReader::ALL
            .iter()
            .find(|(_, r)| *r == self)
            .map_or("", |(s, _)| s)
    }

    fn named(name: &str) -> Option<UrlReader> {
        UrlReader::ALL
            .iter()
            .find(|(s, _)| *s == name)
            .map(|(_, r)| *r)
    }
}

/// The variables receiving a database connection's parts (`[postgresql] parts`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    /// The host: PostgreSQL's socket directory, `localhost` for MySQL, the database host's
    /// address on several hosts.
    pub host: Option<String>,
    /// The server's port.
    pub port: Option<String>,
    /// MySQL's socket.
    pub socket: Option<String>,
    /// The database's name.
    pub name: Option<String>,
    /// The user the app logs in as.
    pub user: Option<String>,
}

impl Parts {
    /// The variables, with the part each receives.
    pub fn variables(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("host", &self.host),
            ("port", &self.port),
            ("socket", &self.socket),
            ("name", &self.name),
            ("user", &self.user),
        ]
        .into_iter()
        .filter_map(|(part, v)| v.as_deref().map(|v| (part, v)))
    }
}

/// A database server's database for the app: PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct ServerDatabase {
    /// The library that parses the URL.
    pub reader: UrlReader,
    /// The Python driver (the nixpkgs attribute, also its name on PyPI).
    pub driver: String,
    /// The description names the driver (it is not taken from the dependencies).
    pub driver_given: bool,
    /// The variable receiving the URL (`None`: no URL).
    pub url_env: Option<String>,
    /// The variables receiving the parts.
    pub parts: Parts,
}

/// The app's database.
#[derive(Debug, Clone)]
pub enum Database {
    /// Local PostgreSQL: database and role named after the user.
    Postgresql(ServerDatabase),
    /// Local MySQL (MariaDB): database and user named after the app's user.
    Mysql(ServerDatabase),
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

/// PostgreSQL's Python drivers, and the URL readers each may serve.
const PG_DRIVERS: [&str; 3] = ["psycopg", "psycopg2", "asyncpg"];
/// MySQL's Python drivers.
const MYSQL_DRIVERS: [&str; 3] = ["mysqlclient", "pymysql", "aiomysql"];

impl Database {
    /// The URL's scheme (`postgresql`, `postgresql+psycopg`, `mysql+pymysql`, `sqlite`, …).
    pub fn scheme(&self) -> String {
        match self {
            Database::Postgresql(db) => match db.reader {
                UrlReader::Sqlalchemy => format!("postgresql+{}", db.driver),
                UrlReader::Pydantic if db.driver_given => format!("postgresql+{}", db.driver),
                _ => "postgresql".into(),
            },
            Database::Mysql(db) => match db.reader {
                // SQLAlchemy's dialect for mysqlclient is `mysqldb`, its module's name.
                UrlReader::Sqlalchemy if db.driver == "mysqlclient" => "mysql+mysqldb".into(),
                UrlReader::Sqlalchemy => format!("mysql+{}", db.driver),
                _ => "mysql".into(),
            },
            Database::Sqlite { scheme, .. } => scheme.clone(),
        }
    }

    /// The variable receiving the URL, if any.
    pub fn url_env(&self) -> Option<&str> {
        match self {
            Database::Postgresql(db) | Database::Mysql(db) => db.url_env.as_deref(),
            Database::Sqlite { url_env, .. } => Some(url_env),
        }
    }

    /// The server database (PostgreSQL or MySQL).
    pub fn server(&self) -> Option<&ServerDatabase> {
        match self {
            Database::Postgresql(db) | Database::Mysql(db) => Some(db),
            Database::Sqlite { .. } => None,
        }
    }

    /// The Python drivers that can reach this database through its URL reader, the default
    /// first.
    fn drivers(&self) -> &'static [&'static str] {
        match self {
            Database::Postgresql(db) => match db.reader {
                UrlReader::Asyncpg => &PG_DRIVERS[2..],
                UrlReader::Sqlalchemy | UrlReader::Pydantic => &PG_DRIVERS,
                _ => &PG_DRIVERS[..2],
            },
            Database::Mysql(db) => match db.reader {
                UrlReader::Sqlalchemy => &MYSQL_DRIVERS,
                _ => &MYSQL_DRIVERS[..2],
            },
            Database::Sqlite { .. } => &[],
        }
    }

    /// The driver the environment must hold: the one the description names, else one the
    /// app names itself (`named`: its dependencies or its lock), else the default. `None`
    /// when the app names one (nothing to add) or for SQLite.
    pub(super) fn settle_driver(&mut self, named: impl Fn(&str) -> bool) -> Option<String> {
        let drivers = self.drivers();
        let (Database::Postgresql(db) | Database::Mysql(db)) = self else {
            return None;
        };
        if db.driver_given {
            return Some(db.driver.clone());
        }
        match drivers.iter().find(|d| named(d)) {
            Some(d) => {
                db.driver = d.to_string();
                None
            }
            None => Some(db.driver.clone()),
        }
    }
}

/// `[postgresql]`, `[mysql]` or `[sqlite]`: one database at most.
pub(super) fn database(c: &mut Checker, desc: &d::Description) -> Option<Database> {
    let declared: Vec<(&str, std::ops::Range<usize>)> = [
        ("[postgresql]", desc.postgresql.as_ref().map(|p| p.span())),
        ("[mysql]", desc.mysql.as_ref().map(|p| p.span())),
        ("[sqlite]", desc.sqlite.as_ref().map(|p| p.span())),
    ]
    .into_iter()
    .filter_map(|(n, s)| s.map(|s| (n, s)))
    .collect();
    if declared.len() > 1 {
        let (later, span) = declared
            .iter()
            .max_by_key(|(_, s)| s.start)
            .cloned()
            .unwrap_or(("", 0..0));
        let others: Vec<&str> = declared
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| *n != later)
            .collect();
        c.err(
            span,
            format!(
                "both {} and {later} are declared as the database",
                others.join(" and ")
            ),
            "keep one: an app has one database URL",
        );
        return None;
    }
    if let Some(pg) = &desc.postgresql {
        return Some(postgresql(c, pg));
    }
    if let Some(my) = &desc.mysql {
        return Some(mysql(c, my));
    }
    let sq = desc.sqlite.as_ref()?;
    Some(sqlite(c, desc, sq))
}

/// Local PostgreSQL through a driver, its URL in the form its reader accepts.
fn postgresql(c: &mut Checker, pg: &d::Postgresql) -> Database {
    let driver = c.choice(
        &pg.driver,
        "PostgreSQL driver",
        &["libpq", "psycopg", "psycopg2", "asyncpg"],
        "libpq",
    );
    // A driver named for SQLAlchemy's sake made its URL `postgresql+<driver>://` before `url`
    // existed: that stays the default.
    let named = pg.driver.is_some() && driver != "libpq";
    let default_reader = if named { "sqlalchemy" } else { "libpq" };
    let reader_names: Vec<&str> = UrlReader::ALL.iter().map(|(s, _)| *s).collect();
    let reader_name = c.choice(&pg.url, "URL reader", &reader_names, default_reader);
    let reader = UrlReader::named(&reader_name).unwrap_or(UrlReader::Libpq);
    let span = pg.url.as_ref().or(pg.driver.as_ref()).map(|s| s.span());
    let conflict = match (reader, driver.as_str()) {
        (UrlReader::Sqlalchemy, "libpq") => Some(
            "SQLAlchemy names its driver in the URL (`postgresql+<driver>://`): set `driver` to `psycopg`, `psycopg2` or `asyncpg`, or leave it out (psycopg)",
        ),
        (UrlReader::Asyncpg, "psycopg" | "psycopg2") => Some(
            "the asyncpg library connects itself: leave `driver` out, or use `url = \"sqlalchemy\"` for SQLAlchemy with this driver",
        ),
        (UrlReader::Libpq | UrlReader::DjDatabaseUrl | UrlReader::DjangoEnviron, "asyncpg") => {
            Some(
                "libpq and Django connect through psycopg or psycopg2, not asyncpg: use `url = \"asyncpg\"` or `\"sqlalchemy\"`, or another driver",
            )
        }
        _ => None,
    };
    if let (Some(help), Some(span), true) = (conflict, span, pg.driver.is_some()) {
        c.err(
            span,
            format!("`url = \"{reader_name}\"` does not go with `driver = \"{driver}\"`"),
            help,
        );
    }
    let (driver, driver_given) = match driver.as_str() {
        "libpq" if reader == UrlReader::Asyncpg => ("asyncpg".to_string(), false),
        "libpq" => ("psycopg".to_string(), false),
        _ => (driver, true),
    };
    let url_env = url_env(c, &pg.url_env);
    let parts = pg
        .parts
        .as_ref()
        .map(|p| parts(c, p, false, url_env.as_deref()))
        .unwrap_or_default();
    Database::Postgresql(ServerDatabase {
        reader,
        driver,
        driver_given,
        url_env,
        parts,
    })
}

/// Local MySQL (MariaDB) through a driver.
fn mysql(c: &mut Checker, my: &d::Mysql) -> Database {
    let driver = c.choice(&my.driver, "MySQL driver", &MYSQL_DRIVERS, "mysqlclient");
    let reader_name = c.choice(
        &my.url,
        "MySQL URL reader",
        &["sqlalchemy", "dj-database-url", "django-environ"],
        "sqlalchemy",
    );
    let reader = UrlReader::named(&reader_name).unwrap_or(UrlReader::Sqlalchemy);
    if reader != UrlReader::Sqlalchemy
        && driver == "aiomysql"
        && let Some(d) = &my.driver
    {
        c.err(
            d.span(),
            format!("`url = \"{reader_name}\"` does not go with `driver = \"aiomysql\"`"),
            "Django connects through mysqlclient (or PyMySQL installed as MySQLdb): use `driver = \"mysqlclient\"` or `\"pymysql\"`",
        );
    }
    let url_env = url_env(c, &my.url_env);
    let parts = my
        .parts
        .as_ref()
        .map(|p| parts(c, p, true, url_env.as_deref()))
        .unwrap_or_default();
    Database::Mysql(ServerDatabase {
        reader,
        driver,
        driver_given: my.driver.is_some(),
        url_env,
        parts,
    })
}

/// `url_env`: a variable name (default `DATABASE_URL`), or `""` for no URL.
fn url_env(c: &mut Checker, u: &Option<Sp<String>>) -> Option<String> {
    match u {
        None => Some("DATABASE_URL".to_string()),
        Some(u) if u.is_empty() => None,
        Some(u) => {
            c.env_name(u, "url_env");
            Some(u.to_string())
        }
    }
}

/// `parts = { ... }`: a variable per part, each named once.
fn parts(c: &mut Checker, p: &Sp<d::DatabaseParts>, mysql: bool, url_env: Option<&str>) -> Parts {
    let mut seen: Vec<String> = url_env.into_iter().map(str::to_string).collect();
    let mut take = |c: &mut Checker, v: &Option<Sp<String>>, part: &str| -> Option<String> {
        let v = v.as_ref()?;
        if !c.env_name(v, &format!("`{part}` part variable")) {
            return None;
        }
        if seen.iter().any(|s| s == v.as_str()) {
            c.err(
                v.span(),
                format!(
                    "`{}` is named twice among the URL's and the parts' variables",
                    shown(v)
                ),
                "give the URL and each part a variable of its own",
            );
            return None;
        }
        seen.push(v.to_string());
        Some(v.to_string())
    };
    let socket = if mysql {
        take(c, &p.socket, "socket")
    } else {
        if let Some(s) = &p.socket {
            c.err(
                s.span(),
                "PostgreSQL's socket is a directory, the `host` part",
                "write `host = \"...\"`: the variable receives `/run/postgresql`",
            );
        }
        None
    };
    let parts = Parts {
        host: take(c, &p.host, "host"),
        port: take(c, &p.port, "port"),
        socket,
        name: take(c, &p.name, "name"),
        user: take(c, &p.user, "user"),
    };
    let named = [&p.host, &p.port, &p.socket, &p.name, &p.user];
    if named.iter().all(|v| v.is_none()) {
        c.err(
            p.span(),
            "`parts` names no variable",
            "name the variables the app reads, e.g. `parts = { host = \"DB_HOST\", name = \"DB_NAME\", user = \"DB_USER\" }`, or remove it",
        );
    }
    parts
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

/// A SQLite file in the state directory (`<app>.sqlite3` unless named).
fn sqlite(c: &mut Checker, desc: &d::Description, sq: &d::Sqlite) -> Database {
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
    Database::Sqlite {
        path,
        scheme,
        url_env,
    }
}

/// `[state] dirs`: plain subdirectories of the state directory.
pub(super) fn state_dirs(c: &mut Checker, desc: &d::Description) -> Vec<String> {
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
    state_dirs
}

/// The app's own Redis server.
#[derive(Debug, Clone)]
pub struct Redis {
    /// The URLs the app reads, by variable.
    pub urls: BTreeMap<String, RedisUrl>,
    /// Redis also listens on loopback TCP, with the generated password; every URL is a TCP
    /// URL then (the password applies to the socket too).
    pub tcp: bool,
    /// Its TCP port.
    pub port: u16,
}

/// One Redis URL: the library that reads it and the database it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisUrl {
    /// Which library parses it.
    pub library: RedisLibrary,
    /// The database number.
    pub db: u32,
}

/// The libraries whose Redis URL forms differ (measured in connection-urls.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisLibrary {
    /// redis-py and what builds on it (rq, django-redis, Django's RedisCache, Flask-Caching):
    /// `unix://<socket>?db=N`.
    RedisPy,
    /// Celery's broker (kombu): `redis+socket://<socket>`, database 0 only.
    CeleryBroker,
    /// Celery's result backend: `redis+socket://<socket>?virtual_host=N`.
    CeleryBackend,
    /// limits (Flask-Limiter): `redis+unix://<socket>?db=N`.
    Limits,
    /// Any library, over loopback TCP with the password: `redis://:<password>@127.0.0.1:<port>/N`.
    Tcp,
}

impl RedisLibrary {
    const ALL: [(&'static str, RedisLibrary); 5] = [
        ("redis-py", RedisLibrary::RedisPy),
        ("celery-broker", RedisLibrary::CeleryBroker),
        ("celery-backend", RedisLibrary::CeleryBackend),
        ("limits", RedisLibrary::Limits),
        ("tcp", RedisLibrary::Tcp),
    ];
}

/// The highest database number: Redis has 16 unless configured otherwise.
const REDIS_LAST_DB: i64 = 15;

/// `[redis]`: the URLs the app reads and whether Redis listens on TCP.
pub(super) fn redis(c: &mut Checker, desc: &d::Description) -> Option<Redis> {
    let r = desc.redis.as_ref()?;
    let mut urls = BTreeMap::new();
    if let (Some(u), Some((first, _))) = (&r.url_env, r.urls.iter().next()) {
        c.err(
            first.span().start.min(u.span().start)..u.span().end.max(first.span().end),
            "[redis] has both `url_env` and `urls`",
            format!(
                "`url_env` is the shorthand of one redis-py URL: write `{} = \"redis-py\"` in `urls` and remove `url_env`",
                shown(u)
            ),
        );
    }
    for (name, url) in &r.urls {
        if !c.env_name(name, "Redis URL variable") {
            continue;
        }
        if let Some(u) = redis_url(c, url) {
            urls.insert(name.to_string(), u);
        }
    }
    if r.urls.is_empty() {
        let name = r.url_env.as_ref().map_or("REDIS_URL".to_string(), |u| {
            c.env_name(u, "url_env");
            u.to_string()
        });
        let url = RedisUrl {
            library: RedisLibrary::RedisPy,
            db: 0,
        };
        urls.insert(name, url);
    }
    let tcp = r.tcp || urls.values().any(|u| u.library == RedisLibrary::Tcp);
    if !tcp {
        for (name, url) in &r.urls {
            if let Some(u) = urls.get(name.as_str())
                && u.library == RedisLibrary::CeleryBroker
                && u.db != 0
            {
                c.err(
                    url.span(),
                    format!("`{}`: Celery's broker reaches database 0 only over the socket (kombu ignores `?db=` there)", shown(name)),
                    "use database 0 for the broker, `celery-backend` for a result backend, or `tcp` (kombu honours the database over TCP)",
                );
            }
        }
    }
    let port = match &r.port {
        Some(p) if (1..=65535).contains(&**p) => u16::try_from(**p).unwrap_or(6379),
        Some(p) => {
            c.err(
                p.span(),
                format!("Redis port {} is not a TCP port", **p),
                "use a port from 1 to 65535 that no other server of the host uses",
            );
            6379
        }
        None => 6379,
    };
    if let Some(p) = &r.port
        && !tcp
        && desc.hosts.is_empty()
    {
        c.err(
            p.span(),
            "`port` is Redis's TCP port, but it listens on its socket only",
            "add `tcp = true` (or a `tcp` URL), or remove `port`",
        );
    }
    // On several hosts `cluster` refuses it for Redis and PostgreSQL alike.
    if tcp
        && desc.hosts.is_empty()
        && let Some(k) = desc
            .secrets
            .keys()
            .find(|k| k.as_str() == super::REDIS_PASSWORD)
    {
        c.err(
            k.span(),
            format!("`{}` is the password app2nix gives the app's Redis on TCP", super::REDIS_PASSWORD),
            format!("remove it from [secrets]: the encrypted `<app>-{}` secret (or `secretFiles.{}`) is declared for Redis and the app", super::REDIS_PASSWORD, super::REDIS_PASSWORD),
        );
    }
    Some(Redis { urls, tcp, port })
}

/// One `urls` entry: a library, or `{ library, db }`.
fn redis_url(c: &mut Checker, url: &Sp<d::RedisUrl>) -> Option<RedisUrl> {
    let (library, db) = match &**url {
        d::RedisUrl::Library(l) => (Sp::new(l.clone(), url.span()), None),
        d::RedisUrl::Table(t) => (t.library.clone(), t.db.clone()),
    };
    let names: Vec<&str> = RedisLibrary::ALL.iter().map(|(s, _)| *s).collect();
    let name = c.choice(&Some(library), "Redis library", &names, "");
    let library = RedisLibrary::ALL
        .iter()
        .find(|(s, _)| *s == name)
        .map(|(_, l)| *l)?;
    let db = match db {
        Some(n) if (0..=REDIS_LAST_DB).contains(&*n) => u32::try_from(*n).unwrap_or(0),
        Some(n) => {
            c.err(
                n.span(),
                format!("Redis database {} does not exist", *n),
                format!("Redis has the databases 0 to {REDIS_LAST_DB}"),
            );
            return None;
        }
        None => 0,
    };
    Some(RedisUrl { library, db })
}

/// The variables app2nix sets from the database and Redis sections are not set by hand as well,
/// nor twice.
pub(super) fn generated_variables(
    c: &mut Checker,
    desc: &d::Description,
    database: &Option<Database>,
    redis: &Option<Redis>,
) {
    let mut generated: Vec<&str> = Vec::new();
    if let Some(db) = database {
        generated.extend(db.url_env());
        if let Some(s) = db.server() {
            generated.extend(s.parts.variables().map(|(_, v)| v));
        }
    }
    if let Some(r) = redis {
        for name in r.urls.keys() {
            if generated.contains(&name.as_str()) {
                // The `urls` key, else `url_env`, else the `[redis]` table (the default name).
                let span = desc.redis.as_ref().map_or(0..0, |r| {
                    r.urls
                        .keys()
                        .find(|k| k.as_str() == name)
                        .map(|k| k.span())
                        .or_else(|| r.url_env.as_ref().map(|u| u.span()))
                        .unwrap_or_else(|| r.span())
                });
                c.err(
                    span,
                    format!("`{name}` is set from the database section already"),
                    "give the Redis URL another variable (`url_env`, or a key of `urls`)",
                );
            }
            generated.push(name);
        }
    }
    for g in generated {
        if let Some((k, _)) = desc.env.iter().find(|(k, _)| k.as_str() == g) {
            c.err(
                k.span(),
                format!("`{g}` is set by app2nix from the database/redis section"),
                format!("remove `{g}` from env (or have the section set another variable: `url_env`, `parts` or `urls`)"),
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
}

/// What `[backup.*]` asks for.
pub(super) struct Backups {
    /// `[backup.restic]`.
    pub(super) restic: Option<Restic>,
    /// `[backup.postgresql]`.
    pub(super) postgresql: Option<PostgresqlBackup>,
    /// `[backup.mysql]`: the database is dumped with `services.mysqlBackup`.
    pub(super) mysql: bool,
}

/// `[backup.restic]`, `[backup.postgresql]` and `[backup.mysql]`.
pub(super) fn backups(c: &mut Checker, desc: &d::Description) -> Backups {
    let restic = desc.backup.restic.as_ref().and_then(|r| restic(c, desc, r));
    let postgresql = desc
        .backup
        .postgresql
        .as_ref()
        .and_then(|b| postgresql_backup(c, desc, b));
    let mysql = desc
        .backup
        .mysql
        .as_ref()
        .is_some_and(|b| mysql_backup(c, desc, b));
    Backups {
        restic,
        postgresql,
        mysql,
    }
}

/// restic: a repository without credentials in it, root-only files for its password and
/// credentials, a schedule and a retention policy.
fn restic(c: &mut Checker, desc: &d::Description, r: &Sp<d::Restic>) -> Option<Restic> {
    if let Some(why) = secrets::secret_value(&r.repository) {
        c.err_redacted(
            r.repository.span(),
            format!("the restic repository holds a secret ({why})"),
            "keep credentials out of the repository URL: put them in `environment_file` (e.g. `RESTIC_REST_PASSWORD`, `AWS_SECRET_ACCESS_KEY`), outside the Nix store",
        );
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
    let password_file = root_file(c, &r.password_file, "password_file");
    let environment_file = root_file(c, &r.environment_file, "environment_file");
    if r.password_file.is_none() {
        c.err(r.span(), "restic needs a password: [backup.restic] has no `password_file`", format!("add `password_file = \"/etc/restic/{}-password\"`: a root-only file outside the Nix store (restic encrypts every repository with it)", *desc.app.name));
    }
    let keep = retention(c, r);
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
}

/// A file restic reads as root: an absolute path outside the Nix store.
fn root_file(c: &mut Checker, f: &Option<Sp<String>>, what: &str) -> Option<String> {
    f.as_ref().and_then(|f| {
        if !c.one_line(f, what) {
            None
        } else if f.contains('%') {
            // nixpkgs' restic module writes these paths into its unit unescaped
            // (`RESTIC_PASSWORD_FILE` in `Environment=`, `EnvironmentFile=`), where systemd would
            // expand `%` as a specifier; the generated module asserts the same.
            c.err(
                f.span(),
                format!("{what} `{}` contains `%`", shown(f)),
                "nixpkgs' restic unit gets this path unescaped and systemd would expand `%` as a specifier: choose a path without `%`",
            );
            None
        } else if f.starts_with('/') && !f.starts_with("/nix/store") {
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
}

/// restic's `keep`: snapshots to keep, by period.
fn retention(c: &mut Checker, r: &d::Restic) -> BTreeMap<String, u32> {
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
    keep
}

/// Dumps of the local PostgreSQL database.
fn postgresql_backup(
    c: &mut Checker,
    desc: &d::Description,
    b: &Sp<d::PostgresqlBackup>,
) -> Option<PostgresqlBackup> {
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
}

/// Dumps of the local MySQL database: `services.mysqlBackup` has one schedule for every
/// database, which is the host's.
fn mysql_backup(c: &mut Checker, desc: &d::Description, b: &Sp<d::MysqlBackup>) -> bool {
    if desc.mysql.is_none() {
        c.err(
            b.span(),
            "[backup.mysql] needs a local [mysql] database",
            "add [mysql], or remove [backup.mysql]",
        );
        return false;
    }
    if let Some(s) = &b.schedule {
        c.err(
            s.span(),
            "services.mysqlBackup dumps every database of the host at one time, a setting of the host",
            "remove `schedule`, and set `services.mysqlBackup.calendar` in the host's configuration if the default (01:15) does not suit",
        );
        return false;
    }
    true
}
