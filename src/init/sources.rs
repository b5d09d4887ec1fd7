//! What the project's Python modules declare, read with tree-sitter (parsed, not searched for
//! substrings, so comments and strings do not count): application objects (Flask, FastAPI,
//! Starlette), Flask factories and their calls, Django's WSGI/ASGI settings, health routes, and
//! the settings of a `gunicorn.conf.py` (with import's reader, [`crate::import::gunicorn`]).
//!
//! It may call tree-sitter, the project's file list ([`super::scan`]) and import's gunicorn
//! configuration reader; it decides nothing
//! and reports nothing: the web step ([`super::web`]) does.

use tree_sitter::{Node, Parser};

use crate::import::gunicorn::{self, Setting};

use super::scan::Project;

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
    /// Modules calling a factory at top level: (module, variable, factory, file, line)
    pub(super) factory_calls: Vec<(String, String, String, String, usize)>,
    /// Django: (settings module, WSGI/ASGI target, asgi?, file, line)
    pub(super) django: Vec<(String, String, bool, String, usize)>,
    /// Health routes: (path, file, line)
    pub(super) health: Vec<(String, String, usize)>,
    /// gunicorn configuration files (`gunicorn.conf.py`, `gunicorn_conf.py`) and their settings,
    /// read by import's reader.
    pub(super) gunicorn: Vec<(String, Vec<Setting>)>,
}

/// Scan every Python file of the project.
pub(super) fn scan(project: &Project) -> Result<Found, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .map_err(|e| format!("internal error: tree-sitter-python: {e}\nThis is a bug in app2nix; please report it."))?;
    let mut found = Found::default();
    for n in project.names.iter().filter(|n| n.ends_with(".py")) {
        if let Some(text) = project.read(n) {
            if is_gunicorn_conf(n) {
                found.gunicorn.push((n.clone(), gunicorn::settings(&text)));
            }
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
    Ok(found)
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

/// One module: its top-level assignments and functions, and its health routes anywhere.
pub(super) fn scan_python(f: &PyFile, parser: &mut Parser, found: &mut Found) {
    let Some(tree) = parser.parse(&f.text, None) else {
        return;
    };
    let root = tree.root_node();
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
    if let Some(framework) = FRAMEWORKS.iter().copied().find(|fw| *fw == c) {
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
            found.factories.push((
                f.module.clone(),
                fname.to_string(),
                f.rel.clone(),
                line(def),
            ));
        }
    }
}

/// Health routes anywhere: `@app.get("/healthz")`, `@bp.route("/health")`, `path("healthz", …)`.
fn health_routes(f: &PyFile, root: Node, found: &mut Found) {
    let src = f.text.as_str();
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
            if HEALTH.contains(&last) {
                found.health.push((p, f.rel.clone(), line(n)));
            }
        }
        let mut c = n.walk();
        for child in n.children(&mut c) {
            stack.push(child);
        }
    }
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
