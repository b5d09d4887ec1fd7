//! `app2nix init [DIR]`: a first description from a source tree. Python modules are parsed with
//! tree-sitter (not searched for substrings) to find Django settings, Flask apps and factories,
//! FastAPI apps, health routes and gunicorn settings; packaging metadata, Procfiles, migrations,
//! Vite builds and `.env` files fill in the rest. Every decision goes to the report with the
//! file and line it rests on, and what could not be decided is said too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser};

use crate::draft::{Draft, Outcome, Process, ProcessKind, Report, Route, Site, Source, Task};
use crate::import::{line_of, parse};

/// Directories never searched.
const SKIP: &[&str] = &[
    ".git",
    "node_modules",
    "venv",
    ".venv",
    "env",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    "target",
    "site-packages",
    "dist",
    "build",
    ".direnv",
    "result",
];

/// A Python file of the tree.
struct PyFile {
    /// Relative path with `/`.
    rel: String,
    /// Module path (`backend.wsgi`).
    module: String,
    text: String,
}

/// What the Python sources declare.
#[derive(Debug, Default)]
struct Found {
    /// (module, variable, file, line, framework)
    apps: Vec<(String, String, String, usize, &'static str)>,
    /// Flask factories: (module, function, file, line)
    factories: Vec<(String, String, String, usize)>,
    /// Modules calling a factory at top level: (module, variable, factory, file, line)
    factory_calls: Vec<(String, String, String, String, usize)>,
    /// Django: (settings module, WSGI/ASGI target, asgi?, file, line)
    django: Vec<(String, String, bool, String, usize)>,
    /// Health routes: (path, file, line)
    health: Vec<(String, String, usize)>,
    /// gunicorn.conf.py settings: (name, value, file, line)
    gunicorn: Vec<(String, String, String, usize)>,
}

fn text<'a>(n: Node, src: &'a str) -> &'a str {
    n.utf8_text(src.as_bytes()).unwrap_or("")
}

fn line(n: Node) -> usize {
    n.start_position().row + 1
}

/// The value of a Python string literal node (no f-strings, no concatenation).
fn string_value(n: Node, src: &str) -> Option<String> {
    if n.kind() != "string" {
        return None;
    }
    let mut out = String::new();
    let mut cursor = n.walk();
    for c in n.children(&mut cursor) {
        match c.kind() {
            "string_content" => out.push_str(text(c, src)),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

/// The called function's last name (`Flask` for `flask.Flask(...)`).
fn callee(n: Node, src: &str) -> Option<String> {
    if n.kind() != "call" {
        return None;
    }
    let f = n.child_by_field_name("function")?;
    let t = text(f, src);
    Some(t.rsplit('.').next().unwrap_or(t).to_string())
}

fn first_argument(call: Node) -> Option<Node> {
    let args = call.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    args.named_children(&mut cursor).next()
}

fn scan_python(f: &PyFile, parser: &mut Parser, found: &mut Found) {
    let Some(tree) = parser.parse(&f.text, None) else {
        return;
    };
    let src = f.text.as_str();
    let root = tree.root_node();
    let is_gunicorn_conf =
        f.rel.ends_with("gunicorn.conf.py") || f.rel.ends_with("gunicorn_conf.py");
    let mut cursor = root.walk();
    for stmt in root.children(&mut cursor) {
        match stmt.kind() {
            "expression_statement" => {
                let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
                    continue;
                };
                let (Some(left), Some(right)) = (
                    a.child_by_field_name("left"),
                    a.child_by_field_name("right"),
                ) else {
                    continue;
                };
                if left.kind() != "identifier" {
                    continue;
                }
                let name = text(left, src).to_string();
                if is_gunicorn_conf {
                    found.gunicorn.push((
                        name.clone(),
                        text(right, src).trim_matches(['"', '\'']).to_string(),
                        f.rel.clone(),
                        line(stmt),
                    ));
                    continue;
                }
                if name == "WSGI_APPLICATION" || name == "ASGI_APPLICATION" {
                    if let Some(target) = string_value(right, src) {
                        found.django.push((
                            f.module.clone(),
                            target,
                            name == "ASGI_APPLICATION",
                            f.rel.clone(),
                            line(stmt),
                        ));
                    }
                    continue;
                }
                match callee(right, src).as_deref() {
                    Some("Flask") => found.apps.push((
                        f.module.clone(),
                        name,
                        f.rel.clone(),
                        line(stmt),
                        "Flask",
                    )),
                    Some("FastAPI") => found.apps.push((
                        f.module.clone(),
                        name,
                        f.rel.clone(),
                        line(stmt),
                        "FastAPI",
                    )),
                    Some("Starlette") => found.apps.push((
                        f.module.clone(),
                        name,
                        f.rel.clone(),
                        line(stmt),
                        "Starlette",
                    )),
                    Some(c) if c.starts_with("create_") || c == "make_app" => {
                        found.factory_calls.push((
                            f.module.clone(),
                            name,
                            c.to_string(),
                            f.rel.clone(),
                            line(stmt),
                        ))
                    }
                    _ => {}
                }
            }
            "function_definition" | "decorated_definition" => {
                let def = if stmt.kind() == "decorated_definition" {
                    stmt.child_by_field_name("definition")
                } else {
                    Some(stmt)
                };
                if let Some(def) = def
                    && def.kind() == "function_definition"
                    && let Some(n) = def.child_by_field_name("name")
                {
                    let fname = text(n, src);
                    if fname == "create_app" || fname == "make_app" {
                        found.factories.push((
                            f.module.clone(),
                            fname.to_string(),
                            f.rel.clone(),
                            line(def),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    // Health routes anywhere: `@app.get("/healthz")`, `@bp.route("/health")`, `path("healthz", …)`.
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "call"
            && let Some(c) = callee(n, src)
            && ["get", "route", "path", "re_path", "api_route"].contains(&c.as_str())
            && let Some(arg) = first_argument(n)
            && let Some(p) = string_value(arg, src)
        {
            let p = if p.starts_with('/') {
                p
            } else {
                format!("/{p}")
            };
            let last = p.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if [
                "health",
                "healthz",
                "healthcheck",
                "livez",
                "readyz",
                "ping",
            ]
            .contains(&last)
            {
                found.health.push((p, f.rel.clone(), line(n)));
            }
        }
        let mut c = n.walk();
        for child in n.children(&mut c) {
            stack.push(child);
        }
    }
}

fn walk(dir: &Path, root: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 6 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if !SKIP.contains(&name.as_str()) && !name.starts_with('.') {
                walk(&path, root, depth + 1, out);
            }
        } else if ft.is_file() {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
}

fn rel(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn module_of(rel: &str) -> String {
    let m = rel.trim_end_matches(".py").replace('/', ".");
    m.trim_end_matches(".__init__").to_string()
}

/// Run `init` on `dir`: the draft and the report.
pub fn init(dir: &Path) -> Result<(Draft, Report), String> {
    let mut files = Vec::new();
    walk(dir, dir, 0, &mut files);
    let mut report = Report::default();
    let mut draft = Draft::default();
    let read = |r: &str| crate::input::read_text_if_any(&dir.join(r));
    let names: Vec<String> = files.iter().map(|p| rel(p)).collect();
    let has = |n: &str| names.iter().any(|x| x == n);

    let app = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "app".into());
    let name = crate::model::suggest_name(&app);
    report.add(
        Source::new(".", 0),
        "app name",
        Outcome::Decided(format!("`{name}`, from the directory name")),
    );
    draft.name = Some(name.clone());
    draft.python_src = Some(".".into());

    // Python sources.
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .map_err(|e| format!("internal error: tree-sitter-python: {e}\nThis is a bug in app2nix; please report it."))?;
    let mut found = Found::default();
    for n in names.iter().filter(|n| n.ends_with(".py")) {
        if let Some(text) = read(n) {
            scan_python(
                &PyFile {
                    rel: n.clone(),
                    module: module_of(n),
                    text,
                },
                &mut parser,
                &mut found,
            );
        }
    }

    // Packaging: dependencies and the interpreter.
    let mut deps: Vec<(String, String, usize)> = Vec::new(); // (name, file, line)
    let mut requires_python: Option<(String, String, usize)> = None;
    if let Some(text) = read("pyproject.toml") {
        if let Ok(t) = text.parse::<toml::Table>() {
            let project = t.get("project");
            for d in project
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.as_array())
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str())
            {
                deps.push((d.to_string(), "pyproject.toml".into(), line_of(&text, d)));
            }
            if let Some(rp) = project
                .and_then(|p| p.get("requires-python"))
                .and_then(|r| r.as_str())
            {
                requires_python = Some((
                    rp.to_string(),
                    "pyproject.toml".into(),
                    line_of(&text, "requires-python"),
                ));
            }
            if let Some(poetry) = t
                .get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.as_table())
            {
                for (k, v) in poetry {
                    if k == "python" {
                        if let Some(s) = v.as_str() {
                            requires_python = Some((
                                s.to_string(),
                                "pyproject.toml".into(),
                                line_of(&text, "python ="),
                            ));
                        }
                    } else {
                        deps.push((k.clone(), "pyproject.toml".into(), line_of(&text, k)));
                    }
                }
            }
            if t.get("build-system").is_some() {
                draft.pyproject = true;
                report.add(
                    Source::new("pyproject.toml", line_of(&text, "[build-system]")),
                    "[build-system]",
                    Outcome::Mapped("layout = \"pyproject\": built with buildPythonPackage".into()),
                );
            }
        }
    } else if let Some(text) = read("requirements.txt") {
        for (i, l) in text.lines().enumerate() {
            let l = l.split('#').next().unwrap_or("").trim();
            if !l.is_empty() && !l.starts_with('-') {
                deps.push((l.to_string(), "requirements.txt".into(), i + 1));
            }
        }
    }
    for lock in ["uv.lock", "poetry.lock", "Pipfile.lock"] {
        if has(lock) {
            report.add(Source::new(lock, 0), lock, Outcome::Decided("locked versions are not reproduced: nixpkgs' versions of the same packages are used".into()));
        }
    }
    let mut im = crate::import::Importer::resume(draft, report);
    for (spec, file, line) in &deps {
        im.dependency(file, *line, spec);
    }
    let (d, r, drivers) = im.into_parts();
    (draft, report) = (d, r);
    // The interpreter: what the project requires decides; a pin only when there is no
    // requirement (see python_version).
    let pin = [".python-version", "runtime.txt"]
        .iter()
        .find_map(|f| read(f).map(|t| (f.to_string(), t.trim().to_string())));
    let from_requirement = requires_python.as_ref().map(|(rp, file, line)| {
        (
            Source::new(file, *line),
            format!("requires-python {rp}"),
            crate::python_version::from_requirement(rp),
        )
    });
    let from_pin = pin.map(|(f, t)| {
        let choice = crate::python_version::from_pin(&t, &f);
        (Source::new(&f, 1), t, choice)
    });
    match from_requirement.into_iter().chain(from_pin).next() {
        Some((source, what, Some(choice))) => {
            draft.python_version = choice.version.clone();
            let outcome = match choice.version {
                Some(_) => Outcome::Mapped(choice.why),
                None => Outcome::Decided(choice.why),
            };
            report.add(source, what, outcome);
        }
        Some((source, what, None)) => report.add(
            source,
            what,
            Outcome::Unmapped(format!(
                "no Python nixos-26.05 has ({}) satisfies it",
                crate::python_version::VERSIONS.join(", ")
            )),
        ),
        None => report.add(
            Source::new(".", 0),
            "Python version",
            Outcome::Decided(format!(
                "nixos-26.05's python3 ({}): no .python-version, runtime.txt or requires-python",
                crate::model::DEFAULT_PYTHON
            )),
        ),
    }

    // The web process.
    let gunicorn_conf: BTreeMap<String, (String, String, usize)> = found
        .gunicorn
        .iter()
        .map(|(k, v, f, l)| (k.clone(), (v.clone(), f.clone(), *l)))
        .collect();
    let mut web: Option<Process> = None;
    let procfile = read("Procfile");
    if let Some(pf) = &procfile {
        for (i, l) in pf.lines().enumerate() {
            let Some((kind, cmd)) = l.split_once(':') else {
                continue;
            };
            let kind = kind.trim();
            let cmd = cmd.trim();
            match kind {
                "web" => {
                    if let Some(p) = crate::import::server_from_command(
                        &parse::words(cmd),
                        "Procfile",
                        i + 1,
                        &mut report,
                    ) {
                        report.add(
                            Source::new("Procfile", i + 1),
                            format!("web: {cmd}"),
                            Outcome::Mapped("[processes.web]".into()),
                        );
                        web = Some(p);
                    }
                }
                "release" if crate::secrets::command_secret(&crate::shell::words(cmd)).is_some() => report.add(
                    Source::new("Procfile", i + 1),
                    format!("release: {cmd}"),
                    Outcome::Unmapped("the command holds a secret, which a description never copies: declare it under [secrets] and let the command read it from the environment (`$NAME`)".into()),
                ),
                "release" => {
                    draft.tasks.insert(
                        "migrate".into(),
                        Task {
                            command: Some(cmd.to_string()),
                            ..Task::default()
                        },
                    );
                    report.add(
                        Source::new("Procfile", i + 1),
                        format!("release: {cmd}"),
                        Outcome::Mapped(
                            "[tasks.migrate], run before the processes on every start".into(),
                        ),
                    );
                }
                other => {
                    if let Some(p) = crate::import::server_from_command(
                        &parse::words(cmd),
                        "Procfile",
                        i + 1,
                        &mut report,
                    ) {
                        draft.processes.insert(crate::model::suggest_name(other), p);
                        report.add(
                            Source::new("Procfile", i + 1),
                            format!("{other}: {cmd}"),
                            Outcome::Mapped(format!(
                                "[processes.{}]",
                                crate::model::suggest_name(other)
                            )),
                        );
                    }
                }
            }
        }
    }
    let mut framework = "";
    if web.is_none() {
        let app_target = if let Some((settings, target, asgi, file, l)) = found.django.first() {
            framework = "Django";
            let (m, v) = target.rsplit_once('.').unwrap_or((target, "application"));
            let t = format!("{m}:{v}");
            report.add(
                Source::new(file, *l),
                format!(
                    "{} = {target:?}",
                    if *asgi {
                        "ASGI_APPLICATION"
                    } else {
                        "WSGI_APPLICATION"
                    }
                ),
                Outcome::Mapped(format!(
                    "{} `{t}` (Django)",
                    if *asgi { "uvicorn" } else { "gunicorn" }
                )),
            );
            draft
                .env
                .insert("DJANGO_SETTINGS_MODULE".into(), settings.clone());
            report.add(
                Source::new(file, 0),
                "Django settings",
                Outcome::Mapped(format!("[env] DJANGO_SETTINGS_MODULE = {settings:?}")),
            );
            Some((t, *asgi))
        } else if let Some((m, v, f, c, l)) = found
            .factory_calls
            .iter()
            .find(|(_, _, f, _, _)| found.factories.iter().any(|(_, n, _, _)| n == f))
            .cloned()
        {
            framework = "Flask";
            let t = format!("{m}:{v}");
            report.add(
                Source::new(&c, l),
                format!("{v} = {f}()"),
                Outcome::Mapped(format!("gunicorn `{t}` (application factory `{f}`)")),
            );
            Some((t, false))
        } else if let Some((m, v, f, l, fw)) = found
            .apps
            .iter()
            .find(|a| a.0.ends_with("wsgi") || a.0.ends_with("main") || a.0.ends_with("app"))
            .or(found.apps.first())
            .cloned()
        {
            framework = fw;
            let asgi = fw != "Flask";
            let t = format!("{m}:{v}");
            report.add(
                Source::new(&f, l),
                format!("{v} = {fw}(…)"),
                Outcome::Mapped(format!(
                    "{} `{t}` ({fw})",
                    if asgi { "uvicorn" } else { "gunicorn" }
                )),
            );
            Some((t, asgi))
        } else if let Some((m, fname, f, l)) = found.factories.first().cloned() {
            framework = "Flask";
            let t = format!("{m}:{fname}()");
            report.add(
                Source::new(&f, l),
                format!("def {fname}()"),
                Outcome::Decided(format!(
                    "gunicorn `{t}`: no module calls the factory, so gunicorn calls it"
                )),
            );
            Some((t, false))
        } else {
            None
        };
        if found.apps.len() + found.django.len() > 1 {
            for (m, v, f, l, fw) in found.apps.iter().skip(1) {
                report.add(
                    Source::new(f, *l),
                    format!("{v} = {fw}(…) in {m}"),
                    Outcome::Unmapped(
                        "another application object: add a process for it if it is served too"
                            .into(),
                    ),
                );
            }
        }
        if let Some((target, asgi)) = app_target {
            web = Some(Process {
                kind: if asgi {
                    ProcessKind::Asgi(target)
                } else {
                    ProcessKind::Wsgi(target)
                },
                listen: Some("127.0.0.1:8000".into()),
                ..Process::default()
            });
        }
    }
    if let Some(mut p) = web {
        for (k, (v, f, l)) in &gunicorn_conf {
            match k.as_str() {
                "bind" => {
                    p.listen = Some(v.clone());
                    report.add(
                        Source::new(f, *l),
                        format!("bind = {v:?}"),
                        Outcome::Mapped("listen".into()),
                    );
                }
                "workers" => {
                    p.workers = v.parse().ok();
                    report.add(
                        Source::new(f, *l),
                        format!("workers = {v}"),
                        Outcome::Mapped("workers".into()),
                    );
                }
                "timeout" => {
                    p.timeout = v.parse().ok();
                    report.add(
                        Source::new(f, *l),
                        format!("timeout = {v}"),
                        Outcome::Mapped("timeout".into()),
                    );
                }
                "keepalive" => {
                    p.keepalive = v.parse().ok();
                    report.add(
                        Source::new(f, *l),
                        format!("keepalive = {v}"),
                        Outcome::Mapped("keepalive".into()),
                    );
                }
                "max_requests" => {
                    p.max_requests = v.parse().ok();
                    report.add(
                        Source::new(f, *l),
                        format!("max_requests = {v}"),
                        Outcome::Mapped("max_requests".into()),
                    );
                }
                // `raw_env = ["NAME=value", …]`: the process's environment, secrets by name.
                "raw_env" => {
                    for item in python_strings(v) {
                        let Some((name, value)) = item.split_once('=') else {
                            continue;
                        };
                        let what = format!("raw_env {name}=…");
                        if !crate::model::is_env_name(name) {
                            report.add(
                                Source::new(f, *l),
                                what,
                                Outcome::Unmapped("not an environment variable name".into()),
                            );
                        } else if crate::secrets::is_secret(name, value) {
                            draft.secrets.insert(name.to_string(), "env".into());
                            report.add(Source::new(f, *l), what, Outcome::Mapped(format!("[secrets] {name} = \"env\" (the value is not copied: encrypt it with `agenix -e`)")));
                        } else {
                            p.env.insert(name.to_string(), value.to_string());
                            report.add(
                                Source::new(f, *l),
                                what,
                                Outcome::Mapped("the web process's env".into()),
                            );
                        }
                    }
                }
                _ => report.add(
                    Source::new(f, *l),
                    format!("{k} = {v}"),
                    Outcome::Unmapped(
                        "gunicorn setting without an equivalent in app2nix.toml".into(),
                    ),
                ),
            }
        }
        if p.listen
            .as_deref()
            .is_some_and(|l| l.starts_with("0.0.0.0"))
        {
            let port = p
                .listen
                .as_deref()
                .and_then(|l| l.rsplit_once(':'))
                .map(|(_, p)| p.to_string())
                .unwrap_or_else(|| "8000".into());
            p.listen = Some(format!("127.0.0.1:{port}"));
        }
        if p.listen.as_deref() == Some("127.0.0.1:8000") && !gunicorn_conf.contains_key("bind") {
            report.add(
                Source::new(".", 0),
                "listen address",
                Outcome::Decided("127.0.0.1:8000 behind nginx".into()),
            );
        }
        draft.processes.insert("web".into(), p);
    } else {
        report.add(Source::new(".", 0), "web process", Outcome::Unmapped("no Django settings, Flask or FastAPI application, or Procfile `web:` line found: add [processes.web] by hand".into()));
    }

    // Migrations.
    if !draft.tasks.contains_key("migrate") {
        if framework == "Django" {
            draft.tasks.insert(
                "migrate".into(),
                Task {
                    command: Some("python -m django migrate --noinput".into()),
                    ..Task::default()
                },
            );
            report.add(
                Source::new("manage.py", 0),
                "Django",
                Outcome::Mapped(
                    "[tasks.migrate] `python -m django migrate --noinput` before the processes"
                        .into(),
                ),
            );
        } else if has("alembic.ini") {
            let cmd = if draft.dependencies.iter().any(|d| d == "flask-migrate") {
                "flask db upgrade".to_string()
            } else {
                "alembic upgrade head".to_string()
            };
            report.add(
                Source::new("alembic.ini", 0),
                "Alembic",
                Outcome::Mapped(format!("[tasks.migrate] `{cmd}` before the processes")),
            );
            draft.tasks.insert(
                "migrate".into(),
                Task {
                    command: Some(cmd),
                    ..Task::default()
                },
            );
        } else if names.iter().any(|n| n.ends_with("migrations/env.py"))
            && draft.dependencies.iter().any(|d| d == "flask-migrate")
        {
            report.add(
                Source::new("migrations/env.py", 0),
                "Flask-Migrate",
                Outcome::Mapped("[tasks.migrate] `flask db upgrade` before the processes".into()),
            );
            draft.tasks.insert(
                "migrate".into(),
                Task {
                    command: Some("flask db upgrade".into()),
                    ..Task::default()
                },
            );
        }
    }

    // Health.
    if let Some((p, f, l)) = found.health.first() {
        draft.health = Some((p.clone(), None));
        report.add(
            Source::new(f, *l),
            format!("route {p}"),
            Outcome::Mapped(format!("[health] path = {p:?}")),
        );
    }

    // Environment.
    for f in [".env.example", ".env.sample", ".env"] {
        let Some(t) = crate::input::read_text_if_any(&dir.join(f)) else {
            continue;
        };
        let mut im = crate::import::Importer::resume(draft, report);
        im.use_drivers(&drivers);
        for e in parse::dotenv(&t) {
            im.variable(f, e.line, &e.key, &e.value, None);
        }
        (draft, report, _) = im.into_parts();
    }

    // A Vite single-page app.
    for pkg in names.iter().filter(|n| n.ends_with("package.json")) {
        let Some(t) = read(pkg) else { continue };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&t) else {
            continue;
        };
        let uses_vite = ["dependencies", "devDependencies"]
            .iter()
            .any(|k| json.get(k).and_then(|d| d.get("vite")).is_some());
        let build = json
            .get("scripts")
            .and_then(|s| s.get("build"))
            .and_then(|b| b.as_str())
            .unwrap_or("");
        if !uses_vite && !build.contains("vite") {
            continue;
        }
        let base = pkg.trim_end_matches("package.json").trim_end_matches('/');
        let mut out_dir = "dist".to_string();
        for cfg in [
            "vite.config.ts",
            "vite.config.js",
            "vite.config.mjs",
            "vite.config.mts",
        ] {
            let p = if base.is_empty() {
                cfg.to_string()
            } else {
                format!("{base}/{cfg}")
            };
            if let Some(c) = read(&p) {
                match vite_out_dir(&c) {
                    Some((d, l)) => {
                        out_dir = d.clone();
                        report.add(
                            Source::new(&p, l),
                            format!("outDir: {d:?}"),
                            Outcome::Mapped("the built files".into()),
                        );
                    }
                    None => report.add(
                        Source::new(&p, 0),
                        "build.outDir",
                        Outcome::Decided("not set: Vite's default `dist`".into()),
                    ),
                }
            }
        }
        let src = if base.is_empty() {
            out_dir.clone()
        } else {
            format!("{base}/{out_dir}")
        };
        report.add(Source::new(pkg, line_of(&t, "\"build\"")), format!("build: {build}"), Outcome::Decided(format!("[assets.frontend] src = {src:?}: a single-page app; run the build before `app2nix generate`")));
        draft.assets.insert("frontend".into(), (src, true));
        break;
    }

    // Sites need a domain only the user knows: the description gets them as comments.
    let mut routes = Vec::new();
    if draft.assets.contains_key("frontend") {
        routes.push(("/".to_string(), Route::Asset("frontend".into())));
        if draft.processes.contains_key("web") {
            routes.push(("/api/".to_string(), Route::Process("web".into(), false)));
        }
    } else if draft.processes.contains_key("web") {
        routes.push(("/".to_string(), Route::Process("web".into(), false)));
    }
    report.add(Source::new(".", 0), "sites", Outcome::Unmapped("the public domain is not in the sources: uncomment [sites.main] and [acme] in app2nix.toml and fill them in".into()));
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
        "fill in what it could not decide, then run `app2nix check` and `app2nix generate`.".into(),
    ];
    Ok((draft, report))
}

/// `build.outDir` in a Vite config: the value of an `outDir:` property (a string literal).
/// The string literals of a Python list's source (`["A=1", 'B=2']`), without escapes.
fn python_strings(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\'' {
            let mut s = String::new();
            for d in chars.by_ref() {
                if d == c {
                    break;
                }
                s.push(d);
            }
            out.push(s);
        }
    }
    out
}

fn vite_out_dir(config: &str) -> Option<(String, usize)> {
    for (i, l) in config.lines().enumerate() {
        if let Some(rest) = l.split("outDir").nth(1) {
            let rest = rest.trim_start().strip_prefix(':')?.trim_start();
            let quote = rest.chars().next()?;
            if quote == '\'' || quote == '"' || quote == '`' {
                let value: String = rest[1..].chars().take_while(|c| *c != quote).collect();
                return Some((value, i + 1));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_is_parsed_not_searched() {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("python");
        let text = "# app = Flask(__name__) in a comment\ns = 'app = Flask(x)'\n\nfrom flask import Flask\napplication = Flask(__name__)\n\n@application.get(\"/healthz\")\ndef h():\n    return 'ok'\n";
        let mut found = Found::default();
        scan_python(
            &PyFile {
                rel: "srv/main.py".into(),
                module: "srv.main".into(),
                text: text.into(),
            },
            &mut parser,
            &mut found,
        );
        assert_eq!(found.apps.len(), 1, "{:?}", found.apps);
        assert_eq!(
            (found.apps[0].1.as_str(), found.apps[0].3),
            ("application", 5)
        );
        assert_eq!(
            found.health,
            [("/healthz".to_string(), "srv/main.py".to_string(), 7)]
        );
    }

    #[test]
    fn vite_out_dir_values() {
        assert_eq!(
            vite_out_dir("export default { build: { outDir: 'public/app' } }"),
            Some(("public/app".into(), 1))
        );
        assert_eq!(vite_out_dir("export default {}"), None);
    }
}
