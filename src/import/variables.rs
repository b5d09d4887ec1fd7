//! What an environment variable becomes, wherever it was set: a `.env` line, a Dockerfile
//! `ENV`, a unit's `Environment=`, a Compose service's `environment:`, a server's `--env`, or
//! (through `init`) gunicorn's `raw_env`. This file owns the one classification they share: a
//! database URL (`[postgresql]`, `[sqlite]`), Redis, a setting the module covers, a secret
//! (declared, never copied) or a plain value (`[env]` or the process's env).
//!
//! It may call [`crate::secrets`] and [`crate::model`]'s name rules, and fills the importer's
//! draft and report; it reads no file itself.

use std::path::Path;

use super::Importer;
use crate::draft::{Outcome, Process};
use crate::secrets;

/// Variables that are set by the module, or mean nothing under systemd.
const COVERED: &[&str] = &[
    "PYTHONPATH",
    "PATH",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
];

/// How the report names a secret's mapping (every source says it the same way).
fn secret_mapped(key: &str) -> Outcome {
    Outcome::Mapped(format!(
        "[secrets] {key} = \"env\" (the value is not copied: encrypt it with `agenix -e`)"
    ))
}

impl Importer {
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
        if (key == "DATABASE_URL" || key.ends_with("_DATABASE_URL"))
            && self.database_url(file, line, key, value)
        {
            return;
        }
        let what = format!("{key}=…");
        if COVERED.contains(&key) {
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
            self.add(file, line, what, secret_mapped(key));
            return;
        }
        self.plain_variable(file, line, key, value, process);
    }

    /// A database URL that app2nix provides itself (PostgreSQL, SQLite): `false` for other
    /// databases, which stay ordinary variables.
    fn database_url(&mut self, file: &str, line: usize, key: &str, value: &str) -> bool {
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
            self.add(file, line, format!("{key}=…"), Outcome::Mapped(format!(
                "[postgresql] driver = {:?}: a local PostgreSQL reached over its unix socket with peer authentication; app2nix sets {key} itself, so the URL (and its password) is not copied",
                driver.unwrap_or_default()
            )));
            return true;
        }
        if scheme.starts_with("sqlite") {
            self.sqlite_url(file, line, key, scheme, value);
            return true;
        }
        false
    }

    /// A variable that is neither a database, nor covered, nor secret: `[env]`, or the
    /// process's env when it differs from `[env]`.
    fn plain_variable(
        &mut self,
        file: &str,
        line: usize,
        key: &str,
        value: &str,
        process: Option<&str>,
    ) {
        let what = format!("{key}=…");
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

    /// `KEY=value` given to one process (a server's `--env`, gunicorn's `raw_env`): the
    /// process's environment, or a secret (never copied). `what` names it in the report,
    /// `mapped` says where a plain value went.
    pub(crate) fn process_variable(
        &mut self,
        file: &str,
        line: usize,
        what: String,
        (key, value): (&str, &str),
        p: &mut Process,
        mapped: &str,
    ) {
        if !crate::model::is_env_name(key) {
            self.add(
                file,
                line,
                what,
                Outcome::Unmapped("not an environment variable name".into()),
            );
        } else if secrets::is_secret(key, value) {
            self.draft.secrets.insert(key.to_string(), "env".into());
            self.add(file, line, what, secret_mapped(key));
        } else {
            p.env.insert(key.to_string(), value.to_string());
            self.add(file, line, what, Outcome::Mapped(mapped.into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::import::testing::imported;
    use crate::import::{Input, Options, import};

    /// Found by fuzzing: `.env` lines whose names are not variable names (quotes, control
    /// characters) made the description invalid TOML. They are now reported, not imported.
    #[test]
    fn odd_env_lines_keep_the_description_valid() {
        let input = Input {
            name: ".env".into(),
            text: "r%K;\u{1}\u{0}=rains\" always;\n\"\"\"A\"\"\"=x\nMAIL_PASSWORD=hunter2\nOK=1\n"
                .into(),
            path: None,
        };
        let (draft, report) = import(&[input], &Options::default()).expect("imports");
        let text = draft.to_toml();
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{text}\n{e}"));
        assert_eq!(table["env"].as_table().map(|t| t.len()), Some(1));
        assert!(report.unmapped() >= 2, "{}", report.render());
        assert!(!text.contains("hunter2") && !report.render().contains("hunter2"));
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
