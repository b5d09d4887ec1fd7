//! The app's data: its database (PostgreSQL or SQLite), Redis, the state directory's
//! subdirectories, and backups of them (restic, PostgreSQL dumps).
//!
//! Owns [`Database`], [`Restic`] and [`PostgresqlBackup`]; validates `[postgresql]`,
//! `[sqlite]`, `[redis]`, `[state]` and `[backup.*]`, and that the variables app2nix sets from
//! them (`DATABASE_URL`, `REDIS_URL`) are not set by hand.
//!
//! May call [`super::check`]; `crate::secrets` judges the restic repository.

use std::collections::BTreeMap;

use super::check::{
    Checker, PLAIN_PATH_HELP, is_plain_path, normalize_relative, path_to_slash, shown,
};
use crate::description::{self as d, Sp};
use crate::diagnostic::did_you_mean;
use crate::secrets;

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

/// `[postgresql]` or `[sqlite]`: one database at most.
pub(super) fn database(c: &mut Checker, desc: &d::Description) -> Option<Database> {
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
        return Some(postgresql(c, pg));
    }
    let sq = desc.sqlite.as_ref()?;
    Some(sqlite(c, desc, sq))
}

/// Local PostgreSQL through a driver.
fn postgresql(c: &mut Checker, pg: &d::Postgresql) -> Database {
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
    Database::Postgresql { scheme, url_env }
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

/// `[redis]`: the variable receiving its URL. Also checks that the variables app2nix sets
/// itself, the database's and Redis's URLs, are not set by hand as well.
pub(super) fn redis_url_env(
    c: &mut Checker,
    desc: &d::Description,
    database: &Option<Database>,
) -> Option<String> {
    let mut generated: Vec<&str> = Vec::new();
    if let Some(db) = database {
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
    redis_url_env
}

/// `[backup.restic]` and `[backup.postgresql]`.
pub(super) fn backups(
    c: &mut Checker,
    desc: &d::Description,
) -> (Option<Restic>, Option<PostgresqlBackup>) {
    let restic = desc.backup.restic.as_ref().and_then(|r| restic(c, desc, r));
    let pg = desc
        .backup
        .postgresql
        .as_ref()
        .and_then(|b| postgresql_backup(c, desc, b));
    (restic, pg)
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
