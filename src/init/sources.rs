//! What the project's Python modules declare, read with tree-sitter (parsed, not searched for
//! substrings, so comments and strings do not count): application objects (Flask, FastAPI,
//! Starlette), Flask factories and their calls, Django's WSGI/ASGI settings, health routes, and
//! the settings of a `gunicorn.conf.py` (with import's reader, [`crate::import::gunicorn`]).
//!
//! It may call tree-sitter, the project's file list ([`super::scan`]) and import's gunicorn
//! configuration reader; it decides nothing
//! and reports nothing: the web step ([`super::web`]) does.

use tree_sitter::{Node, Parser};

use super::evidence::{Evidence, RouteHint};
use super::scan::Project;
use crate::draft::Source;
use crate::import::gunicorn::{self, Setting};

/// Constructors of application objects, as frameworks.
const FRAMEWORKS: &[&str] = &["Flask", "FastAPI", "Starlette"];

/// Last path segments of health-check routes.
const HEALTH: &[&str] = &[
    "health",
    "healthz",
    "healthcheck",
    "livez",
    "readyz",
    "ping",
];

/// A Python file of the tree.
pub(super) struct PyFile {
    /// Relative path with `/`.
    pub(super) rel: String,
    /// Module path (`backend.wsgi`).
    pub(super) module: String,
    /// Source text.
    pub(super) text: String,
}

/// What the Python sources declare.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// (module, variable, file, line, framework)
    pub(super) apps: Vec<(String, String, String, usize, &'static str)>,
    /// Flask factories: (module, function, file, line)
    pub(super) factories: Vec<(String, String, String, usize)>,
    /// Factories that build an ASGI application instead (`def create_app() -> FastAPI:`):
    /// (function, framework).
    pub(super) asgi_factories: Vec<(String, &'static str)>,
    /// Modules calling a factory at top level: (module, variable, factory, file, line)
    pub(super) factory_calls: Vec<(String, String, String, String, usize)>,
    /// Django: (settings module, WSGI/ASGI target, asgi?, file, line)
    pub(super) django: Vec<(String, String, bool, String, usize)>,
    /// Health routes: (path, file, line)
    pub(super) health: Vec<(String, String, usize)>,
    /// gunicorn configuration files (`gunicorn.conf.py`, `gunicorn_conf.py`) and their settings,
    /// read by import's reader.
    pub(super) gunicorn: Vec<(String, Vec<Setting>)>,
    /// Modules imported by name (`from pkg import mod`, `import_module("pkg.mod")`): (module,
    /// file, line).
    pub(super) imports: Vec<(String, String, usize)>,
    /// Routes that stream (server-sent events): the proxy must not buffer them.
    pub(super) streams: Vec<RouteHint>,
    /// Celery applications (`app = Celery("proj")`): (module, variable, file, line).
    pub(super) celery: Vec<(String, String, String, usize)>,
}

/// Substrings that make a module worth parsing: an application object or factory, Django's
/// settings, a variable read, a settings class, an import by name, an event stream. A large
/// project has thousands of modules; those without any of them declare nothing init reads
/// (parse what can matter, once).
const WORTH_PARSING: &[&str] = &[
    "Flask(",
    "FastAPI(",
    "Starlette(",
    "create_app(",
    "make_app(",
    "_APPLICATION",
    "os.environ",
    "getenv(",
    "environ.Env",
    "BaseSettings",
    "import_module",
    "event-stream",
    "DATABASES",
    "dj_database_url",
    "STATIC_ROOT",
    "Celery(",
];

/// Route paths of health checks as they appear in a route's string.
const HEALTH_LITERALS: &[&str] = &["health", "livez", "readyz", "/ping", "'ping", "\"ping"];

/// Whether a module can declare something init reads: by a marker, or by being a route module
/// with a health check's path.
fn worth_parsing(text: &str) -> bool {
    WORTH_PARSING.iter().any(|w| text.contains(w))
        || (HEALTH_LITERALS.iter().any(|h| text.contains(h))
            && (text.contains("route(") || text.contains(".get(") || text.contains("path(")))
}

/// Directories whose modules are tests, migrations or documentation: never the app's entry
/// points or settings.
fn incidental(rel: &str) -> bool {
    rel.split('/').any(|c| {
        c == "tests"
            || c == "test"
            || c == "migrations"
            || c == "docs"
            || c == "node_modules"
            || c.starts_with("test_")
    }) || rel
        .rsplit('/')
        .next()
        .is_some_and(|b| b.starts_with("test_") || b.ends_with("_test.py") || b == "conftest.py")
}

/// Scan the project's Python modules: what they declare (returned) and what they read from
/// the environment (added to the evidence).
pub(super) fn scan(project: &Project, ev: &mut Evidence) -> Result<Found, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .map_err(|e| format!("internal error: tree-sitter-python: {e}\nThis is a bug in app2nix; please report it."))?;
    let mut found = Found::default();
    for n in project
        .names
        .iter()
        .filter(|n| n.ends_with(".py") && !incidental(n))
    {
        let Some(text) = project.read(n) else {
            continue;
        };
        if is_gunicorn_conf(n) {
            found.gunicorn.push((n.clone(), gunicorn::settings(&text)));
        }
        if !worth_parsing(&text) {
            continue;
        }
        let Some(tree) = parser.parse(&text, None) else {
            continue;
        };
        let f = PyFile {
            rel: n.clone(),
            module: module_of(n),
            text,
        };
        scan_tree(&f, tree.root_node(), &mut found);
        super::settings::scan(
            &super::settings::Module {
                rel: &f.rel,
                text: &f.text,
            },
            tree.root_node(),
            ev,
        );
    }
    config_modules(project, &found, ev);
    Ok(found)
}

/// Modules imported by name that the tree lacks but has an example of
/// (`inventory/configuration.py` beside `configuration_example.py`): the app requires a
/// configuration module the deployment writes.
fn config_modules(project: &Project, found: &Found, ev: &mut Evidence) {
    let mut roots: Vec<String> = vec![String::new()];
    roots.extend(ev.django.iter().map(|d| d.root.clone()));
    roots.sort();
    roots.dedup();
    let mut seen = Vec::new();
    for (module, file, line) in &found.imports {
        for root in &roots {
            let base = module.replace('.', "/");
            let path = if root.is_empty() {
                format!("{base}.py")
            } else {
                format!("{root}/{base}.py")
            };
            if project.has(&path)
                || project.is_dir(path.trim_end_matches(".py"))
                || seen.contains(&path)
            {
                continue;
            }
            let stem = path.trim_end_matches(".py");
            let example = [
                format!("{stem}_example.py"),
                format!("{stem}.example.py"),
                format!("{stem}.py.example"),
                format!("{stem}.py.dist"),
                format!("{stem}.sample.py"),
                format!("{stem}_sample.py"),
            ]
            .into_iter()
            .find(|e| project.has(e));
            let Some(example) = example else { continue };
            let names = project
                .read(&example)
                .map(|t| top_level_names(&t))
                .unwrap_or_default();
            seen.push(path.clone());
            ev.config_modules.push(super::evidence::ConfigModule {
                source: Source::new(file, *line),
                path,
                example,
                names,
            });
        }
    }
}

/// The names a module assigns at its top level (`NAME = …`), with their lines.
fn top_level_names(text: &str) -> Vec<(String, usize)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let (name, _) = l.split_once('=')?;
            let name = name.split(':').next()?.trim_end();
            (!l.starts_with(char::is_whitespace)
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .then(|| (name.to_string(), i + 1))
        })
        .collect()
}

/// A gunicorn configuration file of the project: one of the usual names (a project's other
/// `*.conf.py` files are not taken for gunicorn's).
fn is_gunicorn_conf(rel: &str) -> bool {
    let base = rel.rsplit('/').next().unwrap_or(rel);
    gunicorn::USUAL_CONFIG_NAMES.contains(&base)
}

/// The module path of a Python file (`backend/wsgi.py` → `backend.wsgi`, a package's
/// `__init__.py` → the package).
fn module_of(rel: &str) -> String {
    let m = rel.trim_end_matches(".py").replace('/', ".");
    m.trim_end_matches(".__init__").to_string()
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

/// One module: its top-level assignments and functions, and its routes anywhere.
#[cfg(test)]
pub(super) fn scan_python(f: &PyFile, parser: &mut Parser, found: &mut Found) {
    let Some(tree) = parser.parse(&f.text, None) else {
        return;
    };
    scan_tree(f, tree.root_node(), found);
}

/// [`scan_python`] on a parsed module.
fn scan_tree(f: &PyFile, root: Node, found: &mut Found) {
    let mut cursor = root.walk();
    for stmt in root.children(&mut cursor) {
        match stmt.kind() {
            "expression_statement" => assignment(f, stmt, found),
            "function_definition" | "decorated_definition" => function(f, stmt, found),
            _ => {}
        }
    }
    health_routes(f, root, found);
}

/// A top-level `name = value`: Django's `WSGI_APPLICATION` / `ASGI_APPLICATION`, an
/// application object, or a factory's call (a gunicorn config's settings are read whole by
/// import's reader instead).
fn assignment(f: &PyFile, stmt: Node, found: &mut Found) {
    let src = f.text.as_str();
    if is_gunicorn_conf(&f.rel) {
        return;
    }
    let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
        return;
    };
    let (Some(left), Some(right)) = (
        a.child_by_field_name("left"),
        a.child_by_field_name("right"),
    ) else {
        return;
    };
    if left.kind() != "identifier" {
        return;
    }
    let name = text(left, src).to_string();
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
        return;
    }
    let called = callee(right, src);
    let Some(c) = called.as_deref() else {
        return;
    };
    if c == "Celery" {
        found
            .celery
            .push((f.module.clone(), name, f.rel.clone(), line(stmt)));
    } else if let Some(framework) = FRAMEWORKS.iter().copied().find(|fw| *fw == c) {
        found
            .apps
            .push((f.module.clone(), name, f.rel.clone(), line(stmt), framework));
    } else if c.starts_with("create_") || c == "make_app" {
        found.factory_calls.push((
            f.module.clone(),
            name,
            c.to_string(),
            f.rel.clone(),
            line(stmt),
        ));
    }
}

/// A top-level function (decorated or not): a Flask application factory when it is named so.
fn function(f: &PyFile, stmt: Node, found: &mut Found) {
    let def = if stmt.kind() == "decorated_definition" {
        stmt.child_by_field_name("definition")
    } else {
        Some(stmt)
    };
    if let Some(def) = def
        && def.kind() == "function_definition"
        && let Some(n) = def.child_by_field_name("name")
    {
        let fname = text(n, &f.text);
        if fname == "create_app" || fname == "make_app" {
            // The framework the factory builds: its return annotation or the application
            // object its body makes.
            let body = text(def, &f.text);
            if let Some(fw) = ["FastAPI", "Starlette", "Quart"]
                .into_iter()
                .find(|fw| body.contains(&format!("{fw}(")) || body.contains(&format!("-> {fw}")))
                .filter(|_| !body.contains("Flask("))
            {
                found.asgi_factories.push((fname.to_string(), fw));
            }
            found.factories.push((
                f.module.clone(),
                fname.to_string(),
                f.rel.clone(),
                line(def),
            ));
        }
    }
}

/// Routes anywhere: health checks (`@app.get("/healthz")`, `@bp.route("/health")`,
/// `path("healthz", …)`) and streams (a route whose function answers `text/event-stream`);
/// and modules imported by name (`from pkg import mod`, `import_module("pkg.mod")`).
fn health_routes(f: &PyFile, root: Node, found: &mut Found) {
    let src = f.text.as_str();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "call"
            && let Some(c) = callee(n, src)
            && let Some(arg) = first_argument(n)
            && let Some(p) = string_value(arg, src)
        {
            if ["get", "route", "path", "re_path", "api_route"].contains(&c.as_str())
                && !p.contains(char::is_whitespace)
            {
                let p = if p.starts_with('/') {
                    p
                } else {
                    format!("/{p}")
                };
                let last = p.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                if HEALTH.contains(&last) {
                    found.health.push((p.clone(), f.rel.clone(), line(n)));
                }
                // A decorator whose function streams server-sent events.
                if let Some(dec) = n.parent().filter(|d| d.kind() == "decorator")
                    && let Some(def) = dec
                        .parent()
                        .and_then(|d| d.child_by_field_name("definition"))
                    && text(def, src).contains("text/event-stream")
                {
                    found.streams.push(RouteHint {
                        source: Source::new(&f.rel, line(n)),
                        path: p,
                        unbuffered: true,
                    });
                }
            } else if c.contains("import_module") && is_dotted(&p) && required_import(n, src) {
                found.imports.push((p, f.rel.clone(), line(n)));
            }
        }
        if n.kind() == "import_from_statement"
            && required_import(n, src)
            && let Some(m) = n.child_by_field_name("module_name")
        {
            let module = text(m, src);
            if !module.starts_with('.') {
                let mut c = n.walk();
                for name in n.children_by_field_name("name", &mut c) {
                    let imported = text(name, src)
                        .split(" as ")
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    found
                        .imports
                        .push((format!("{module}.{imported}"), f.rel.clone(), line(n)));
                }
            }
        }
        let mut c = n.walk();
        for child in n.children(&mut c) {
            stack.push(child);
        }
    }
}

/// Whether an import is required: not inside an `if` (`if os.path.exists(…): from .local
/// import *`), and inside a `try` only when its `except` raises (an error that names the missing
/// module), not when it passes over it.
fn required_import(n: Node, src: &str) -> bool {
    let mut p = n.parent();
    while let Some(a) = p {
        match a.kind() {
            "if_statement" => return false,
            "try_statement" => {
                let mut c = a.walk();
                let handlers: Vec<Node> = a
                    .children(&mut c)
                    .filter(|h| h.kind() == "except_clause")
                    .collect();
                return !handlers.is_empty()
                    && handlers.iter().all(|h| text(*h, src).contains("raise"));
            }
            "function_definition" | "class_definition" | "module" => {}
            _ => {}
        }
        p = a.parent();
    }
    true
}

/// `pkg.module` (two or more identifiers).
fn is_dotted(s: &str) -> bool {
    s.contains('.')
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !p.starts_with(|c: char| c.is_ascii_digit())
        })
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
}
