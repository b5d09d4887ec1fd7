//! `app2nix init [DIR]`: a description of a project from everything it carries, read the way an
//! expert would. The pipeline is in three rooms:
//!
//! 1. **Readers** add facts, each with its file and line, to the [`evidence::Evidence`]:
//!    `sources` and `settings` (the Python modules, parsed with tree-sitter: application
//!    objects and factories, Django's settings, health and streaming routes, every variable the
//!    settings read with its default, pydantic settings classes, configuration modules the app
//!    requires), `container` (the production Dockerfile and the scripts it runs), `procs`
//!    (Procfile, uWSGI ini files, supervisor programs, systemd units and nginx configuration in
//!    the tree, upgrade scripts), `compose` (Compose files) and the environment files. Shell
//!    scripts are read by `script`; every command line is classified by `commands`.
//! 2. **Reconciliation** reads all facts at once, decides, and reports each decision with the
//!    facts it rests on: `packaging` (dependencies, lock, interpreter), `processes` (the web
//!    process, workers, tasks, build steps, health), `environment` (local services, database
//!    and Redis connections, variables, secrets), `frontend` (a frontend build), `monitoring` (the app's metrics endpoint) and `site`
//!    (the domains, routes and ACME).
//! 3. The decisions become the [`Draft`] (and [`plan::Plan`] for what the draft writes later),
//!    whose TOML the CLI checks with the normal pipeline before writing it.
//!
//! Where `import` maps the same thing, init calls import's mapper (dependencies, variables,
//! server command lines, gunicorn configuration) through [`Init::importing`].

mod commands;
mod compose;
mod container;
mod environment;
mod evidence;
mod frontend;
mod monitoring;
mod packaging;
mod plan;
mod processes;
mod procs;
mod scan;
mod script;
mod settings;
mod site;
mod sources;
mod web;

use std::path::Path;

use crate::draft::{Draft, Outcome, Report, Source};
use crate::import::Importer;

/// What the user told `init` (the only things not in the sources).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The public domains (`--domain`, repeatable): the first is the site's name.
    pub domains: Vec<String>,
    /// The ACME account e-mail (`--acme-email`).
    pub acme_email: Option<String>,
}

/// A description being written for a project: its files, the evidence, the draft and the
/// report so far, and the decisions made.
struct Init<'a> {
    /// The project's files.
    project: &'a scan::Project,
    /// Everything the readers found.
    ev: evidence::Evidence,
    /// What the Python sources declare.
    found: sources::Found,
    /// What the user said.
    opts: &'a Options,
    draft: Draft,
    report: Report,
    /// Decisions the draft holds later.
    plan: plan::Plan,
    /// Database drivers among the dependencies: they decide DATABASE_URLs.
    drivers: Vec<String>,
    /// The project's Python dependencies by normalized name, whether mapped to nixpkgs or
    /// locked in uv.lock (what later steps look for, e.g. Flask-Migrate).
    python_packages: Vec<String>,
    /// The project's console scripts (`[project.scripts]`): their subcommands are the app's.
    scripts: Vec<String>,
    /// The package source, relative to the project (`""` for the project's root).
    src: String,
    /// The framework the web process serves (`Django`, `Flask`, `FastAPI`, `""`).
    framework: &'static str,
}

/// Run `init` on `dir`: the draft and the report.
pub fn init(dir: &Path, opts: &Options) -> Result<(Draft, Report), String> {
    run(dir, opts, None)
}

/// Run `init` on `dir` without the frontend assets, reporting `why` (a description with them
/// did not pass `check`): a frontend never makes init fail.
pub fn init_without_frontend(
    dir: &Path,
    opts: &Options,
    why: &str,
) -> Result<(Draft, Report), String> {
    run(dir, opts, Some(why))
}

/// `init`, with the frontend left out for the reason given.
fn run(dir: &Path, opts: &Options, skip_frontend: Option<&str>) -> Result<(Draft, Report), String> {
    let project = scan::Project::scan(dir);
    let mut ev = evidence::Evidence::default();
    let found = sources::scan(&project, &mut ev)?;
    let scripts = packaging::console_scripts(&project);
    container::read(&project, &mut ev, &scripts);
    procs::read(&project, &mut ev);
    compose::read(&project, &mut ev);
    environment::read_env_files(&project, &mut ev);
    let mut init = Init {
        project: &project,
        ev,
        found,
        opts,
        draft: Draft::default(),
        report: Report::default(),
        plan: plan::Plan::default(),
        drivers: Vec::new(),
        python_packages: Vec::new(),
        scripts,
        src: String::new(),
        framework: "",
    };
    let name = init.app_name(dir);
    init.source_root();
    init.scope_reads();
    let requires_python = init.packaging();
    init.interpreter(requires_python);
    init.processes();
    init.tasks();
    init.build_steps();
    init.health();
    init.services();
    init.celery_worker();
    init.metrics();
    init.environment();
    match skip_frontend {
        None => init.frontend(),
        Some(why) => init.report.add(
            Source::new(".", 0),
            "[assets]",
            Outcome::Unmapped(format!(
                "the frontend is left out: with it the description did not pass `check` ({why}); build it before deploying, or describe it by hand"
            )),
        ),
    }
    init.site(&name);
    init.unread();
    for rel in project.links_out() {
        init.report.add(
            Source::new(&rel, 0),
            "symbolic link",
            Outcome::Unmapped(
                "not read: it leads out of the project, and init reads nothing through such a link"
                    .into(),
            ),
        );
    }
    let plan = std::mem::take(&mut init.plan);
    plan.write(&mut init.draft);
    Ok((init.draft, init.report))
}

impl Init<'_> {
    /// Run `f` with import's mapper over this draft and report (and the database drivers found
    /// so far): init maps dependencies, variables and commands exactly as import does.
    fn importing<T>(&mut self, f: impl FnOnce(&mut Importer) -> T) -> T {
        let mut im = Importer::resume(
            std::mem::take(&mut self.draft),
            std::mem::take(&mut self.report),
        );
        im.use_drivers(&self.drivers);
        let out = f(&mut im);
        (self.draft, self.report, self.drivers) = im.into_parts();
        out
    }

    /// The app's name: the project's own (`[project] name`), else the directory's.
    fn app_name(&mut self, dir: &Path) -> String {
        let (raw, source, why) = match packaging::project_name(self.project) {
            Some((n, s)) => (n, s, "the project's name"),
            None => (
                dir.canonicalize()
                    .ok()
                    .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .unwrap_or_else(|| "app".into()),
                Source::new(".", 0),
                "the directory name",
            ),
        };
        let name = crate::model::suggest_name(&raw);
        self.report.add(
            source,
            "app name",
            Outcome::Decided(format!("`{name}`, from {why}")),
        );
        self.draft.name = Some(name.clone());
        name
    }

    /// What the readers found and could not use: reported, never fatal.
    fn unread(&mut self) {
        let unread = std::mem::take(&mut self.ev.unread);
        for (source, why) in unread {
            self.report.add(source, "file", Outcome::Unmapped(why));
        }
    }

    /// A path of the project relative to the package source (`inventory/manage.py` with source
    /// `inventory` → `manage.py`), or `None` outside it.
    fn in_source(&self, rel: &str) -> Option<String> {
        if self.src.is_empty() {
            return Some(rel.to_string());
        }
        if rel == self.src {
            return Some(String::new());
        }
        rel.strip_prefix(&format!("{}/", self.src))
            .map(str::to_string)
    }
}
