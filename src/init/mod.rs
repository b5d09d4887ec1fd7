//! `app2nix init [DIR]`: a first description from a source tree. Python modules are parsed with
//! tree-sitter (not searched for substrings) to find Django settings, Flask apps and factories,
//! FastAPI apps, health routes and gunicorn settings; packaging metadata, Procfiles, migrations,
//! Vite builds and `.env` files fill in the rest. Every decision goes to the report with the
//! file and line it rests on, and what could not be decided is said too.
//!
//! This file owns the order of the steps ([`init`]) and the state they share (`Init`: the
//! project's files, the draft, the report). Each step has its own file: `scan` (the project's
//! files), `sources` (what the Python modules declare), `packaging` (dependencies and
//! interpreter), `procfile` and `web` (the processes), `migrate` (the migration task) and
//! `frontend` (a Vite app). Where `import` maps the same thing, init calls import's mapper
//! (dependencies, environment variables, server command lines, a process's variables, the
//! interpreter's outcome, the packaging readers) through `Init::importing`; the steps may also
//! call [`crate::draft`], [`crate::model`], [`crate::secrets`] and [`crate::python_version`].

mod frontend;
mod migrate;
mod packaging;
mod procfile;
mod scan;
mod sources;
mod web;

use std::path::Path;

use crate::draft::{Draft, Outcome, Report, Route, Site, Source};
use crate::import::Importer;

/// A description being written for a project: its files, the draft and the report so far.
struct Init<'a> {
    /// The project's files.
    project: &'a scan::Project,
    draft: Draft,
    report: Report,
    /// Database drivers among the dependencies: they decide DATABASE_URLs.
    drivers: Vec<String>,
    /// The project's Python dependencies by normalized name, whether mapped to nixpkgs or
    /// locked in uv.lock (what later steps look for, e.g. Flask-Migrate).
    python_packages: Vec<String>,
}

/// Run `init` on `dir`: the draft and the report.
pub fn init(dir: &Path) -> Result<(Draft, Report), String> {
    let project = scan::Project::scan(dir);
    let mut init = Init {
        project: &project,
        draft: Draft::default(),
        report: Report::default(),
        drivers: Vec::new(),
        python_packages: Vec::new(),
    };
    let name = init.app_name(dir);
    let found = sources::scan(&project)?;
    let requires_python = init.packaging();
    init.interpreter(requires_python);
    let mut web = init.procfile();
    let mut framework = "";
    if web.is_none() {
        (web, framework) = init.application(&found);
    }
    init.web_process(web, &found);
    init.migrations(framework);
    init.health(&found);
    init.environment();
    init.frontend();
    init.finish(&name);
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

    /// The app's name, from the directory's; the package source is the directory itself.
    fn app_name(&mut self, dir: &Path) -> String {
        let app = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "app".into());
        let name = crate::model::suggest_name(&app);
        self.report.add(
            Source::new(".", 0),
            "app name",
            Outcome::Decided(format!("`{name}`, from the directory name")),
        );
        self.draft.name = Some(name.clone());
        self.draft.python_src = Some(".".into());
        name
    }

    /// The variables of the project's environment files, as import maps them.
    fn environment(&mut self) {
        for f in crate::secrets::ENV_FILES {
            let Some(t) = self.project.read(f) else {
                continue;
            };
            self.importing(|im| im.dotenv_variables(f, &t));
        }
    }

    /// The site, as comments (only the user knows the domain), and the description's intro.
    fn finish(&mut self, name: &str) {
        let draft = &mut self.draft;
        let mut routes = Vec::new();
        if draft.assets.contains_key("frontend") {
            routes.push(("/".to_string(), Route::Asset("frontend".into())));
            if draft.processes.contains_key("web") {
                routes.push(("/api/".to_string(), Route::Process("web".into(), false)));
            }
        } else if draft.processes.contains_key("web") {
            routes.push(("/".to_string(), Route::Process("web".into(), false)));
        }
        self.report.add(Source::new(".", 0), "sites", Outcome::Unmapped("the public domain is not in the sources: uncomment [sites.main] and [acme] in app2nix.toml and fill them in".into()));
        let mut site = Site {
            domains: vec!["example.org".into()],
            routes,
            ..Site::default()
        };
        site.client_max_body_size = None;
        draft.commented_sites = Some(("main".into(), site, format!("admin@{}", "example.org")));
        if draft.assets.contains_key("frontend") {
            draft.comments.insert(
                "assets.frontend".into(),
                vec!["Served by the site below once you uncomment it.".into()],
            );
        }
        draft.intro = vec![
            format!(
                "{name}: written by `app2nix init` from this directory. Check the report it printed,"
            ),
            "fill in what it could not decide, then run `app2nix check` and `app2nix generate`."
                .into(),
        ];
    }
}
