//! The module's data part: the environment, state directories and logs, the database
//! (PostgreSQL or SQLite), Redis, backups (restic, PostgreSQL dumps) and the health check.
//!
//! May call: `model` (read only).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{self, Database, Model};

#[derive(Debug, Serialize)]
pub(super) struct DataCtx {
    env: BTreeMap<String, String>,
    environment_files: Vec<String>,
    state_dirs: Vec<String>,
    logs: bool,
    postgresql: Option<DbCtx>,
    sqlite: Option<DbCtx>,
    redis: Option<RedisCtx>,
    restic: Option<ResticCtx>,
    postgresql_backup: Option<model::PostgresqlBackup>,
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

#[derive(Debug, Serialize)]
struct RedisCtx {
    url_env: String,
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
    let (postgresql, sqlite) = database(m);
    DataCtx {
        env: m.env.clone(),
        environment_files: m.environment_files.clone(),
        state_dirs: m.state_dirs.clone(),
        logs: m.logs,
        postgresql,
        sqlite,
        redis: m
            .redis_url_env
            .as_ref()
            .map(|u| RedisCtx { url_env: u.clone() }),
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

/// The PostgreSQL or the SQLite context (the other is `None`).
fn database(m: &Model) -> (Option<DbCtx>, Option<DbCtx>) {
    match &m.database {
        Some(Database::Postgresql { scheme, url_env }) => (
            Some(DbCtx {
                url_env: url_env.clone(),
                scheme: scheme.clone(),
                path: String::new(),
                file: String::new(),
            }),
            None,
        ),
        Some(Database::Sqlite {
            path,
            scheme,
            url_env,
        }) => (
            None,
            Some(DbCtx {
                url_env: url_env.clone(),
                scheme: scheme.clone(),
                path: path.clone(),
                file: path.rsplit('/').next().unwrap_or(path).to_string(),
            }),
        ),
        None => (None, None),
    }
}
