//! The module's data part: the environment, state directories and logs, the database
//! (PostgreSQL, MySQL or SQLite), Redis, backups (restic, PostgreSQL and MySQL dumps) and the
//! health check.
//!
//! May call: `model` (read only).

use std::collections::BTreeMap;

use serde::Serialize;

use super::values::{Source, nix_value};
use crate::model::{self, Database, Model, REDIS_PASSWORD, RedisLibrary, UrlReader};

#[derive(Debug, Serialize)]
pub(super) struct DataCtx {
    env: BTreeMap<String, String>,
    environment_files: Vec<String>,
    state_dirs: Vec<String>,
    logs: bool,
    postgresql: Option<ServerDbCtx>,
    mysql: Option<ServerDbCtx>,
    sqlite: Option<DbCtx>,
    redis: Option<RedisCtx>,
    restic: Option<ResticCtx>,
    postgresql_backup: Option<model::PostgresqlBackup>,
    mysql_backup: bool,
    /// The local services the app's units start after, each with the Nix condition under
    /// which this host runs it.
    local_services: Vec<LocalService>,
    /// Redis's URLs hold its password, set when a unit starts: it listens on TCP (loopback, or
    /// the database host's private address).
    redis_tcp: bool,
    /// The generated secret holding Redis's password, when it has one.
    redis_password: Option<&'static str>,
    /// The variables the database section sets, in words (`DATABASE_URL`, `DB_HOST` and
    /// `DB_NAME`), for option descriptions.
    database_variables: String,
    /// Likewise for Redis's URLs.
    redis_variables: String,
    health: Option<HealthCtx>,
}

#[derive(Debug, Serialize)]
struct DbCtx {
    url_env: String,
    scheme: String,
    path: String,
    /// The file name alone (SQLite).
    file: String,
}

/// PostgreSQL or MySQL.
#[derive(Debug, Serialize)]
struct ServerDbCtx {
    /// The variable receiving the URL (`None`: no URL).
    url_env: Option<String>,
    scheme: String,
    /// The URL names `localhost` (pydantic's `PostgresDsn` requires a host).
    hostful: bool,
    /// Part (`host`, `port`, `socket`, `name`, `user`) → the variable receiving it.
    parts: BTreeMap<&'static str, String>,
}

#[derive(Debug, Serialize)]
struct RedisCtx {
    /// The URLs, by variable.
    urls: Vec<RedisUrlCtx>,
    /// Every URL goes over loopback TCP with the password.
    tcp: bool,
    /// The TCP port (the module option's default).
    port: u16,
    /// The variable of the first URL (named in option descriptions).
    url_env: String,
}

#[derive(Debug, Serialize)]
struct RedisUrlCtx {
    env: String,
    /// Over the socket: the scheme (`unix`, `redis+socket`, `redis+unix`) and the query after
    /// the socket's path (`?db=1`, or empty).
    scheme: &'static str,
    query: String,
    /// The database, for TCP URLs (`/N`, or empty for 0: apps that append `/N` get a valid
    /// URL).
    path: String,
}

#[derive(Debug, Serialize)]
struct LocalService {
    condition: &'static str,
    unit: String,
}

#[derive(Debug, Serialize)]
struct ResticCtx {
    repository: String,
    password_file: String,
    environment_file: Option<String>,
    schedule: String,
    prune: Vec<String>,
}

#[derive(Debug, Serialize)]
struct HealthCtx {
    path: String,
    process: String,
    /// The site whose first domain the probe sends as `Host`.
    site: Option<String>,
    /// That site redirects `www.`: its vhost is named by the first other domain.
    redirect_www: bool,
    /// `https`, or `http` for a site without TLS: the `X-Forwarded-Proto` nginx sends.
    scheme: String,
    /// Its first domain is a wildcard (`*.example.org`): the probe names a host under it.
    wildcard: bool,
}

pub(super) fn context(m: &Model) -> DataCtx {
    let (postgresql, mysql, sqlite) = database(m);
    let redis_tcp = m
        .redis
        .as_ref()
        .is_some_and(|r| r.tcp || m.cluster.is_some());
    DataCtx {
        // Nix expressions: a value naming the deployment's (`{{domain}}`) reads its options.
        env: m
            .env
            .iter()
            .map(|(k, v)| (k.clone(), nix_value(m, v, Source::Units, None)))
            .collect(),
        environment_files: m.environment_files.clone(),
        state_dirs: m.state_dirs.clone(),
        logs: m.logs,
        postgresql,
        mysql,
        sqlite,
        redis: m.redis.as_ref().map(redis),
        restic: m.restic.as_ref().map(|r| ResticCtx {
            repository: r.repository.clone(),
            password_file: r.password_file.clone(),
            environment_file: r.environment_file.clone(),
            schedule: r.schedule.clone(),
            prune: r
                .keep
                .iter()
                .map(|(k, v)| format!("--keep-{k} {v}"))
                .collect(),
        }),
        postgresql_backup: m.postgresql_backup.clone(),
        mysql_backup: m.mysql_backup,
        local_services: local_services(m),
        redis_tcp,
        redis_password: redis_tcp.then_some(REDIS_PASSWORD),
        database_variables: words(
            m.database
                .as_ref()
                .and_then(Database::server)
                .map(|s| {
                    s.url_env
                        .iter()
                        .map(String::as_str)
                        .chain(s.parts.variables().map(|(_, v)| v))
                        .collect()
                })
                .unwrap_or_default(),
            "the app's database settings",
        ),
        redis_variables: words(
            m.redis
                .as_ref()
                .map(|r| r.urls.keys().map(String::as_str).collect())
                .unwrap_or_default(),
            "the Redis URLs",
        ),
        health: m.health.as_ref().map(|h| {
            let site = m.health_site();
            HealthCtx {
                path: h.path.clone(),
                process: h.process.clone(),
                site: site.map(|s| s.name.clone()),
                redirect_www: site.is_some_and(|s| s.redirect_www),
                scheme: match site.map(|s| &s.tls) {
                    Some(model::Tls::None) => "http",
                    _ => "https",
                }
                .into(),
                wildcard: site
                    .is_some_and(|s| s.domains.first().is_some_and(|d| d.starts_with("*."))),
            }
        }),
    }
}

/// `A`, `B` and `C` (each in backquotes), or `none` when there is nothing to list.
fn words(names: Vec<&str>, none: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => none.to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The database and Redis servers the app's units wait for.
fn local_services(m: &Model) -> Vec<LocalService> {
    let cluster = m.cluster.is_some();
    let mut services = Vec::new();
    match &m.database {
        Some(Database::Postgresql(_)) => services.push(LocalService {
            condition: if cluster {
                "databaseHere"
            } else {
                "cfg.database.createLocally"
            },
            unit: "postgresql.target".into(),
        }),
        Some(Database::Mysql(_)) => services.push(LocalService {
            condition: "cfg.database.createLocally",
            unit: "mysql.service".into(),
        }),
        _ => {}
    }
    if m.redis.is_some() {
        services.push(LocalService {
            condition: if cluster {
                "redisHere"
            } else {
                "cfg.redis.createLocally"
            },
            unit: format!("redis-{}.service", m.name),
        });
    }
    services
}

/// The PostgreSQL, MySQL or SQLite context (the others are `None`).
fn database(m: &Model) -> (Option<ServerDbCtx>, Option<ServerDbCtx>, Option<DbCtx>) {
    let server = |db: &Database| {
        db.server().map(|s| ServerDbCtx {
            url_env: s.url_env.clone(),
            scheme: db.scheme(),
            hostful: s.reader == UrlReader::Pydantic,
            parts: s
                .parts
                .variables()
                .map(|(part, v)| (part, v.to_string()))
                .collect(),
        })
    };
    match &m.database {
        Some(db @ Database::Postgresql(_)) => (server(db), None, None),
        Some(db @ Database::Mysql(_)) => (None, server(db), None),
        Some(Database::Sqlite {
            path,
            scheme,
            url_env,
        }) => (
            None,
            None,
            Some(DbCtx {
                url_env: url_env.clone(),
                scheme: scheme.clone(),
                path: path.clone(),
                file: path.rsplit('/').next().unwrap_or(path).to_string(),
            }),
        ),
        None => (None, None, None),
    }
}

/// Redis's URLs in the form each library reads (see `connection-urls.md`).
fn redis(r: &model::Redis) -> RedisCtx {
    let urls = r
        .urls
        .iter()
        .map(|(env, u)| {
            let (scheme, query) = match u.library {
                RedisLibrary::RedisPy => ("unix", db_query("db", u.db)),
                RedisLibrary::CeleryBroker => ("redis+socket", String::new()),
                RedisLibrary::CeleryBackend => ("redis+socket", db_query("virtual_host", u.db)),
                RedisLibrary::Limits => ("redis+unix", db_query("db", u.db)),
                RedisLibrary::Tcp => ("redis", String::new()),
            };
            RedisUrlCtx {
                env: env.clone(),
                scheme,
                query,
                path: if u.db == 0 {
                    String::new()
                } else {
                    format!("/{}", u.db)
                },
            }
        })
        .collect();
    RedisCtx {
        urls,
        tcp: r.tcp,
        port: r.port,
        url_env: r.urls.keys().next().cloned().unwrap_or_default(),
    }
}

/// `?<key>=N`, or nothing for database 0: apps that append a query of their own (`?db=0`)
/// still get a valid URL then.
fn db_query(key: &str, db: u32) -> String {
    if db == 0 {
        String::new()
    } else {
        format!("?{key}={db}")
    }
}
