//! What the reconciliation decided beyond the draft's own fields, kept until [`Plan::write`]
//! puts it into the draft: build steps, configuration files, database URL forms and parts,
//! Redis URLs per library, process options, dependency groups and package overrides, optional
//! and public variables. Every decision here was reported where it was made.
//!
//! It calls [`crate::draft`] only.

use std::collections::BTreeMap;

use crate::draft::Draft;

/// A configuration file the deployment writes (rendered at start).
#[derive(Debug, Clone, Default)]
pub(super) struct FilePlan {
    /// Where the app reads it, relative to the package source.
    pub(super) path: String,
    /// How values are written into it (`python`).
    pub(super) format: String,
    /// Its template (placeholders for deployment values and secrets).
    pub(super) text: String,
}

/// How the app reaches its database.
#[derive(Debug, Clone, Default)]
pub(super) struct DbPlan {
    /// `postgresql` or `mysql`.
    pub(super) kind: &'static str,
    /// The variable receiving the URL; `None` when the app reads parts only.
    pub(super) url_env: Option<String>,
    /// The library parsing the URL (`sqlalchemy`, `dj-database-url`, `django-environ`,
    /// `pydantic`, `libpq`).
    pub(super) url: Option<&'static str>,
    /// The Python driver (`psycopg`, `psycopg2`, `pymysql`, …).
    pub(super) driver: Option<String>,
    /// Variables receiving the connection's parts: part → variable.
    pub(super) parts: BTreeMap<String, String>,
}

impl DbPlan {
    /// `[postgresql]` or `[mysql]`: the driver and URL reader the section accepts (others are
    /// left to its defaults, which `check` then reports), the URL variable, the parts.
    fn write(&self, draft: &mut Draft) {
        let (drivers, readers): (&[&str], &[&str]) = if self.kind == "mysql" {
            (
                &["mysqlclient", "pymysql", "aiomysql"],
                &["sqlalchemy", "dj-database-url", "django-environ"],
            )
        } else {
            (
                &["psycopg", "psycopg2", "asyncpg"],
                &[
                    "libpq",
                    "sqlalchemy",
                    "dj-database-url",
                    "django-environ",
                    "pydantic",
                    "asyncpg",
                ],
            )
        };
        let driver = self
            .driver
            .clone()
            .filter(|d| drivers.contains(&d.as_str()));
        if self.kind == "mysql" {
            draft.mysql = Some(driver);
        } else {
            draft.postgresql = Some(driver);
        }
        // libpq is the section's default reader: said only when it is not.
        draft.database_url_reader = self
            .url
            .filter(|u| readers.contains(u) && *u != "libpq")
            .map(str::to_string);
        draft.database_url_env = match &self.url_env {
            Some(v) if v != "DATABASE_URL" => Some(v.clone()),
            Some(_) => None,
            // An app reading the parts only gets no URL it would ignore.
            None if !self.parts.is_empty() => Some(String::new()),
            None => None,
        };
        draft.database_parts = self.parts.clone();
    }
}

/// The decisions the draft cannot hold yet.
#[derive(Debug, Clone, Default)]
pub(super) struct Plan {
    /// Build steps, in order.
    pub(super) build_steps: Vec<String>,
    /// Build-only variables.
    pub(super) build_env: BTreeMap<String, String>,
    /// nixpkgs packages the build needs on its PATH.
    pub(super) build_packages: Vec<String>,
    /// Configuration files, by name.
    pub(super) files: BTreeMap<String, FilePlan>,
    /// The database connection.
    pub(super) db: Option<DbPlan>,
    /// The production configuration selects SQLite (`DB_ENGINE: sqlite`): a database server's
    /// credentials are the unused option's.
    pub(super) sqlite_selected: bool,
    /// Redis URLs: variable → (library, database number).
    pub(super) redis_urls: BTreeMap<String, (String, u32)>,
    /// Routes served from the built source tree: path → directory.
    pub(super) source_routes: BTreeMap<String, String>,
    /// Routes whose responses stream (no proxy buffering).
    pub(super) unbuffered: Vec<String>,
    /// uv dependency groups / extras the environment holds.
    pub(super) groups: Vec<String>,
    /// Secrets the app runs without.
    pub(super) optional_secrets: Vec<String>,
    /// Tasks that run after another task: task → the tasks before it.
    pub(super) after: BTreeMap<String, Vec<String>>,
    /// State subdirectories to create.
    pub(super) state_dirs: Vec<String>,
}

impl Plan {
    /// Put what the draft can express into it.
    pub(super) fn write(&self, draft: &mut Draft) {
        for d in &self.state_dirs {
            if !draft.state_dirs.contains(d) {
                draft.state_dirs.push(d.clone());
            }
        }
        if !self.build_steps.is_empty() {
            draft.build = Some(crate::draft::BuildDraft {
                steps: self.build_steps.clone(),
                env: self.build_env.clone(),
                packages: self.build_packages.clone(),
            });
        }
        for (name, f) in &self.files {
            draft.files.insert(
                name.clone(),
                crate::draft::FileDraft {
                    path: Some(f.path.clone()),
                    format: Some(f.format.clone()),
                    text: Some(f.text.clone()),
                    ..crate::draft::FileDraft::default()
                },
            );
        }
        if let Some(db) = &self.db {
            db.write(draft);
        }
        for (var, (library, n)) in &self.redis_urls {
            draft.redis_urls.insert(var.clone(), (library.clone(), *n));
        }
        for (task, before) in &self.after {
            let known: Vec<String> = before
                .iter()
                .filter(|b| draft.tasks.contains_key(*b))
                .cloned()
                .collect();
            if let Some(t) = draft.tasks.get_mut(task) {
                t.after = known;
            }
        }
        draft.groups = self.groups.clone();
        for s in &self.optional_secrets {
            draft.optional_secrets.insert(s.clone());
        }
    }
}
