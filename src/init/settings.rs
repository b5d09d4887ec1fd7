//! What the app's settings read from the environment, parsed (tree-sitter), not searched:
//! `os.environ.get` / `os.getenv` / `os.environ[…]` and helpers named after them, django-environ
//! (`env.bool("DEBUG", default=False)`, `env.db_url()`), dj-database-url, pydantic
//! `BaseSettings` fields (with their types and `Literal` choices), `X = getenv("X") or "d"`;
//! each with its default. Django's settings modules add their facts: `STATIC_ROOT`,
//! `MEDIA_ROOT`, `INSTALLED_APPS`, `MIDDLEWARE`, `COMPRESS_OFFLINE`, the database a `DATABASES`
//! dict names, its parts read from variables (`"HOST": os.getenv("DB_HOST")`) and the variable
//! that switches it on (`if os.getenv("DB") == "postgres":`). `manage.py`'s
//! `setdefault("DJANGO_SETTINGS_MODULE", …)` names the settings and the import root.
//!
//! It may call tree-sitter; it adds facts to the evidence and decides nothing.

use tree_sitter::Node;

use super::evidence::{Default, DjangoProject, EnvRead, Evidence, Reader, Service};
use crate::draft::Source;

/// A parsed module.
pub(super) struct Module<'a> {
    /// Relative path.
    pub(super) rel: &'a str,
    /// Source text.
    pub(super) text: &'a str,
}

fn text<'a>(n: Node, src: &'a str) -> &'a str {
    n.utf8_text(src.as_bytes()).unwrap_or("")
}

fn line(n: Node) -> usize {
    n.start_position().row + 1
}

/// A string literal's value (no f-strings).
pub(super) fn string(n: Node, src: &str) -> Option<String> {
    if n.kind() == "concatenated_string" {
        let mut out = String::new();
        let mut c = n.walk();
        for part in n.named_children(&mut c) {
            out.push_str(&string(part, src)?);
        }
        return Some(out);
    }
    if n.kind() != "string" {
        return None;
    }
    let mut out = String::new();
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        match ch.kind() {
            "string_content" => out.push_str(text(ch, src)),
            "escape_sequence" => out.push_str(&unescape(text(ch, src))),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

fn unescape(e: &str) -> String {
    match e {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        other => other.to_string(),
    }
}

/// An environment variable's name as apps write them.
fn is_var_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The positional arguments of a call.
fn arguments<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let mut pos = Vec::new();
    if let Some(args) = call.child_by_field_name("arguments") {
        let mut c = args.walk();
        for a in args.named_children(&mut c) {
            if a.kind() != "keyword_argument" && a.kind() != "comment" {
                pos.push(a);
            }
        }
    }
    pos
}

fn keyword<'t>(call: Node<'t>, src: &str, name: &str) -> Option<Node<'t>> {
    let args = call.child_by_field_name("arguments")?;
    let mut c = args.walk();
    for a in args.named_children(&mut c) {
        if a.kind() == "keyword_argument"
            && a.child_by_field_name("name")
                .is_some_and(|n| text(n, src) == name)
        {
            return a.child_by_field_name("value");
        }
    }
    None
}

/// A default value as far as it can be read.
fn default_of(n: Node, src: &str) -> Default {
    match n.kind() {
        "string" | "concatenated_string" => match string(n, src) {
            Some(s) => Default::Literal(s),
            None => Default::Computed,
        },
        "true" => Default::Literal("True".into()),
        "false" => Default::Literal("False".into()),
        "integer" | "float" => Default::Literal(text(n, src).to_string()),
        "none" => Default::None,
        "unary_operator" => Default::Literal(text(n, src).to_string()),
        "binary_operator" | "call" => match source_path(n, src) {
            Some(p) => Default::SourcePath(p),
            None => Default::Computed,
        },
        "parenthesized_expression" => n
            .named_child(0)
            .map_or(Default::Computed, |c| default_of(c, src)),
        // `(bool, False)` in `environ.Env(DEBUG=(bool, False))`.
        "tuple" => n
            .named_child(1)
            .map_or(Default::Computed, |c| default_of(c, src)),
        _ => Default::Computed,
    }
}

/// A path built from the module's directory: `os.path.join(BASE_DIR, "a", "b")`,
/// `BASE_DIR / "a" / "b"`, `Path(__file__).parent / "x"`: the literal parts joined.
fn source_path(n: Node, src: &str) -> Option<String> {
    let mut parts = Vec::new();
    let base = path_parts(n, src, &mut parts)?;
    base.then(|| parts.join("/"))
}

/// Collect the literal parts of a path expression; `Some(true)` when it starts from a
/// directory of the source (`BASE_DIR`, `basedir`, `__file__`, `ROOT`).
fn path_parts(n: Node, src: &str, parts: &mut Vec<String>) -> Option<bool> {
    let is_join = n.kind() == "call"
        && n.child_by_field_name("function").is_some_and(|f| {
            let t = text(f, src);
            t.ends_with("path.join") || t == "join"
        });
    match n.kind() {
        "identifier" | "attribute" if is_base_dir(text(n, src)) => Some(true),
        "call" if !is_join && is_base_dir(text(n, src)) => Some(true),
        "binary_operator" => {
            let l = n.child_by_field_name("left")?;
            let r = n.child_by_field_name("right")?;
            let op = n
                .child_by_field_name("operator")
                .map(|o| text(o, src))
                .unwrap_or("");
            if op != "/" {
                return None;
            }
            let b = path_parts(l, src, parts)?;
            parts.push(string(r, src)?);
            Some(b)
        }
        "call" => {
            let f = n
                .child_by_field_name("function")
                .map(|f| text(f, src))
                .unwrap_or("");
            if !f.ends_with("path.join") && f != "join" {
                return None;
            }
            let pos = arguments(n);
            let first = pos.first()?;
            let b = path_parts(*first, src, parts)?;
            for p in &pos[1..] {
                parts.push(string(*p, src)?);
            }
            Some(b)
        }
        _ => None,
    }
}

/// Names apps give the directory of their source.
fn is_base_dir(t: &str) -> bool {
    let t = t.trim();
    let lower = t.to_ascii_lowercase();
    lower.contains("base_dir")
        || lower == "basedir"
        || lower.contains("root_dir")
        || lower == "root"
        || lower.contains("project_dir")
        || lower.contains("app_dir")
        || lower.contains("__file__")
        || lower.contains("project_root")
        || lower.ends_with("_root") && !lower.contains("static") && !lower.contains("media")
}

/// What a call reads, if it reads an environment variable: its name, default and reader.
fn env_call(call: Node, src: &str) -> Option<(String, Default, Reader)> {
    let f = call.child_by_field_name("function")?;
    let fname = text(f, src);
    let last = fname.rsplit('.').next().unwrap_or(fname);
    let pos = arguments(call);
    // dj-database-url: `config(default=…, env="X")`, name DATABASE_URL by default.
    if fname.ends_with("dj_database_url.config") || fname == "db_url_config" {
        let name = keyword(call, src, "env")
            .and_then(|n| string(n, src))
            .unwrap_or_else(|| "DATABASE_URL".into());
        let d = keyword(call, src, "default").map_or(Default::None, |n| default_of(n, src));
        return Some((name, d, Reader::DjDatabaseUrl));
    }
    let first = pos.first()?;
    let name = string(*first, src).filter(|n| is_var_name(n))?;
    let default = || {
        keyword(call, src, "default")
            .or_else(|| pos.get(1).copied())
            .map_or(Default::None, |n| default_of(n, src))
    };
    let object = fname.rsplit_once('.').map(|(o, _)| o).unwrap_or("");
    let environ_method = [
        "str",
        "bool",
        "int",
        "float",
        "list",
        "tuple",
        "dict",
        "json",
        "url",
        "path",
        "db_url",
        "db",
        "cache_url",
        "cache",
        "email_url",
        "email",
        "search_url",
        "decimal",
    ];
    if (fname.ends_with("environ.get")
        || fname == "getenv"
        || fname.ends_with(".getenv")
        || fname.ends_with("environ.setdefault")
        || fname == "environ.get")
        && !fname.contains("request")
    {
        return Some((name, default(), Reader::Plain));
    }
    if !object.is_empty()
        && object.to_ascii_lowercase().ends_with("env")
        && environ_method.contains(&last)
    {
        let reader = match last {
            "db_url" | "db" => Reader::DjangoEnvironDb,
            "cache_url" | "cache" => Reader::DjangoEnvironCache,
            _ => Reader::Plain,
        };
        return Some((name, default(), reader));
    }
    // `env("X", default=…)` (django-environ's call form), `envbool("DEBUG", "False")`,
    // `get_env_variable("X")`: helpers named after the environment.
    if last.to_ascii_lowercase().contains("env") && !fname.contains('.') || fname == "env" {
        return Some((name, default(), Reader::Plain));
    }
    None
}

/// `environ["PATH_INFO"]`, `environ.get("HTTP_X_SCHEME")` inside a WSGI callable or middleware
/// (`def application(environ, start_response)`): the request's environ, not the process's.
fn wsgi_environ(n: Node, src: &str) -> bool {
    if !text(n, src).starts_with("environ") {
        return false;
    }
    let mut p = n.parent();
    while let Some(f) = p {
        if f.kind() == "function_definition"
            && let Some(params) = f.child_by_field_name("parameters")
        {
            let mut c = params.walk();
            if params
                .named_children(&mut c)
                .any(|x| text(x, src) == "environ")
            {
                return true;
            }
        }
        p = f.parent();
    }
    false
}

/// One module: every variable read, and the settings facts of a Django settings module.
pub(super) fn scan(m: &Module, root: Node, ev: &mut Evidence) {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "call" => {
                config_read(n, m, ev);
                if let Some((name, mut d, reader)) = env_call(n, m.text)
                    && !wsgi_environ(n, m.text)
                {
                    // `getenv("X") or "d"`: the default is on the right.
                    if d == Default::None
                        && let Some(p) = n.parent()
                        && p.kind() == "boolean_operator"
                        && p.child_by_field_name("left")
                            .is_some_and(|l| l.id() == n.id())
                        && let Some(r) = p.child_by_field_name("right")
                    {
                        d = default_of(r, m.text);
                    }
                    let choices = compared_with(n, m.text);
                    setdefault_settings(n, m, &name, ev);
                    ev.env_reads.push(EnvRead {
                        source: Source::new(m.rel, line(n)),
                        name,
                        default: d,
                        reader,
                        choices,
                    });
                }
            }
            "subscript" => {
                // `os.environ["X"]`: required.
                if let (Some(v), Some(s)) = (
                    n.child_by_field_name("value"),
                    n.child_by_field_name("subscript"),
                ) && text(v, m.text).ends_with("environ")
                    && !wsgi_environ(n, m.text)
                    && let Some(name) = string(s, m.text).filter(|x| is_var_name(x))
                {
                    let is_target = n.parent().is_some_and(|p| {
                        p.kind() == "assignment"
                            && p.child_by_field_name("left")
                                .is_some_and(|l| l.id() == n.id())
                    });
                    if !is_target {
                        ev.env_reads.push(EnvRead {
                            source: Source::new(m.rel, line(n)),
                            name,
                            default: Default::Required,
                            reader: Reader::Plain,
                            choices: Vec::new(),
                        });
                    }
                }
            }
            "class_definition" => pydantic_settings(n, m, ev),
            "expression_statement"
                if n.parent()
                    .is_some_and(|p| p.kind() == "module" || p.kind() == "block") =>
            {
                settings_assignment(n, m, ev)
            }
            _ => {}
        }
        let mut c = n.walk();
        for ch in n.children(&mut c) {
            stack.push(ch);
        }
    }
}

/// `getattr(configuration, "MEDIA_ROOT", default)`: a setting read from a configuration
/// module, with its default.
fn config_read(call: Node, m: &Module, ev: &mut Evidence) {
    let f = call
        .child_by_field_name("function")
        .map(|f| text(f, m.text))
        .unwrap_or("");
    if f != "getattr" {
        return;
    }
    let pos = arguments(call);
    let (Some(obj), Some(name)) = (pos.first(), pos.get(1).and_then(|n| string(*n, m.text))) else {
        return;
    };
    if obj.kind() != "identifier" || !is_var_name(&name) {
        return;
    }
    let default = pos
        .get(2)
        .map_or(Default::Required, |d| default_of(*d, m.text));
    ev.config_reads
        .push((name, default, Source::new(m.rel, line(call))));
}

/// `os.getenv("DB") == "postgres"`: the literal the read is compared with.
fn compared_with(call: Node, src: &str) -> Vec<String> {
    let Some(p) = call.parent() else {
        return Vec::new();
    };
    if p.kind() != "comparison_operator" {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut c = p.walk();
    for ch in p.named_children(&mut c) {
        if ch.id() != call.id()
            && let Some(s) = string(ch, src)
        {
            out.push(s);
        }
    }
    out
}

/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.settings")` in `manage.py` (or a WSGI or
/// Celery module): the Django project's settings, importable from the directory of `manage.py`.
fn setdefault_settings(call: Node, m: &Module, name: &str, ev: &mut Evidence) {
    if name != "DJANGO_SETTINGS_MODULE" {
        return;
    }
    let f = call
        .child_by_field_name("function")
        .map(|f| text(f, m.text))
        .unwrap_or("");
    if !f.ends_with("setdefault") {
        return;
    }
    let pos = arguments(call);
    let Some(settings) = pos.get(1).and_then(|n| string(*n, m.text)) else {
        return;
    };
    let dir = m
        .rel
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let base = m.rel.rsplit('/').next().unwrap_or(m.rel);
    // manage.py sits at the import root; a wsgi.py inside the settings package sits one level
    // (or more) below it.
    let root = if base == "manage.py" {
        dir
    } else {
        let depth = settings.matches('.').count();
        let mut parts: Vec<&str> = if dir.is_empty() {
            Vec::new()
        } else {
            dir.split('/').collect()
        };
        for _ in 0..depth {
            parts.pop();
        }
        parts.join("/")
    };
    ev.django.push(DjangoProject {
        source: Source::new(m.rel, line(call)),
        settings,
        root,
    });
}

/// Settings a Django settings module assigns that init needs: their expression as text. A
/// `DATABASES` dict gives the database it names (ENGINE), the variables its parts are read
/// from, and the variable comparison guarding it.
fn settings_assignment(stmt: Node, m: &Module, ev: &mut Evidence) {
    const NAMES: &[&str] = &[
        "STATIC_ROOT",
        "MEDIA_ROOT",
        "STATIC_URL",
        "MEDIA_URL",
        "INSTALLED_APPS",
        "MIDDLEWARE",
        "COMPRESS_OFFLINE",
        "COMPRESS_ENABLED",
        "STATICFILES_DIRS",
        "STATICFILES_STORAGE",
        "STORAGES",
        "LOCALE_PATHS",
        "SECURE_PROXY_SSL_HEADER",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DATABASES",
        "CACHES",
        "WSGI_APPLICATION",
        "ASGI_APPLICATION",
        "USE_X_FORWARDED_HOST",
        "LOGGING",
    ];
    let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
        return;
    };
    let (Some(left), Some(right)) = (
        a.child_by_field_name("left"),
        a.child_by_field_name("right"),
    ) else {
        return;
    };
    let name = text(left, m.text);
    if !NAMES.contains(&name) {
        // A database's dict built under another name (`default_database = {"ENGINE": …}`,
        // then `DATABASES = {"default": default_database}`).
        if right.kind() == "dictionary"
            && text(right, m.text).contains("django.db.backends.")
            && text(right, m.text).contains("ENGINE")
        {
            databases(right, m, ev, &Source::new(m.rel, line(stmt)), stmt);
        }
        return;
    }
    let source = Source::new(m.rel, line(stmt));
    ev.settings.push((
        name.to_string(),
        text(right, m.text).to_string(),
        source.clone(),
    ));
    if name == "DATABASES" {
        databases(right, m, ev, &source, stmt);
    }
    if name == "MEDIA_ROOT"
        && let Some(p) = source_path(right, m.text)
    {
        ev.media_root_in_source.push((p, source.clone()));
    }
    if name == "STATIC_ROOT"
        && let Some(p) = source_path(right, m.text)
    {
        ev.static_root = Some((p, source));
    }
}

/// A `DATABASES` dict: the service its ENGINE names, the variables its connection parts are
/// read from, and the comparison of a variable with a literal that switches it on.
fn databases(dict: Node, m: &Module, ev: &mut Evidence, source: &Source, stmt: Node) {
    let body = text(dict, m.text);
    let service = if body.contains("postgresql") || body.contains("postgis") {
        Service::Postgresql
    } else if body.contains("backends.mysql") {
        Service::Mysql
    } else {
        return;
    };
    // The parts: `"HOST": os.getenv("DB_HOST", "")`.
    let mut stack = vec![dict];
    while let Some(n) = stack.pop() {
        if n.kind() == "pair"
            && let (Some(k), Some(v)) =
                (n.child_by_field_name("key"), n.child_by_field_name("value"))
            && let Some(key) = string(k, m.text)
            && ["HOST", "PORT", "NAME", "USER", "PASSWORD"].contains(&key.as_str())
            && let Some(var) = env_var_of(v, stmt, m)
        {
            ev.db_parts
                .push((key, var, service, Source::new(m.rel, line(n))));
        }
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            stack.push(ch);
        }
    }
    // Inside `if os.getenv("DB") == "postgres":`, that comparison switches it on.
    let mut why = "DATABASES names it".to_string();
    let mut p = stmt.parent();
    while let Some(n) = p {
        if n.kind() == "if_statement" {
            if let Some(cond) = n.child_by_field_name("condition")
                && cond.kind() == "comparison_operator"
            {
                let mut c = cond.walk();
                let parts: Vec<Node> = cond.named_children(&mut c).collect();
                let var = parts.iter().find_map(|x| env_var_of(*x, stmt, m));
                let lit = parts.iter().find_map(|x| string(*x, m.text));
                if let (Some(var), Some(lit)) = (var, lit) {
                    why = format!("DATABASES names it when {var} is `{lit}`");
                    ev.db_switch
                        .push((var, lit, service, Source::new(m.rel, line(n))));
                }
            }
            break;
        }
        p = n.parent();
    }
    ev.services.push((service, source.clone(), why));
}

/// The variable an expression reads: `os.getenv("DB_HOST")` itself, or a name the module
/// assigns from one at its top level (`DB_HOST = os.getenv("DB_HOST", "localhost")`).
fn env_var_of(n: Node, at: Node, m: &Module) -> Option<String> {
    if n.kind() == "call" {
        return env_call(n, m.text).map(|(v, _, _)| v);
    }
    if n.kind() != "identifier" {
        return None;
    }
    let wanted = text(n, m.text);
    let mut root = at;
    while let Some(p) = root.parent() {
        root = p;
    }
    let mut c = root.walk();
    root.named_children(&mut c).find_map(|stmt| {
        let a = stmt
            .named_child(0)
            .filter(|a| stmt.kind() == "expression_statement" && a.kind() == "assignment")?;
        let left = a.child_by_field_name("left")?;
        let right = a.child_by_field_name("right")?;
        (text(left, m.text) == wanted && right.kind() == "call")
            .then(|| env_call(right, m.text).map(|(v, _, _)| v))
            .flatten()
    })
}

/// A pydantic `BaseSettings` class: each annotated field is a variable (its name, or with the
/// class's `env_prefix`), its type, its default and its `Literal` choices.
fn pydantic_settings(class: Node, m: &Module, ev: &mut Evidence) {
    let src = m.text;
    let supers = class
        .child_by_field_name("superclasses")
        .map(|s| text(s, src))
        .unwrap_or("");
    if !supers.contains("BaseSettings") {
        return;
    }
    let Some(body) = class.child_by_field_name("body") else {
        return;
    };
    let body_text = text(body, src);
    let prefix = body_text
        .split("env_prefix")
        .nth(1)
        .and_then(|rest| rest.split(['"', '\'']).nth(1))
        .unwrap_or("")
        .to_string();
    let mut c = body.walk();
    for stmt in body.named_children(&mut c) {
        let Some(a) = stmt
            .named_child(0)
            .filter(|a| stmt.kind() == "expression_statement" && a.kind() == "assignment")
        else {
            continue;
        };
        let (Some(left), Some(ty)) = (a.child_by_field_name("left"), a.child_by_field_name("type"))
        else {
            continue;
        };
        let field = text(left, src);
        if field.starts_with('_') || field == "model_config" {
            continue;
        }
        let ty_text = text(ty, src).to_string();
        if ty_text.starts_with("ClassVar") {
            continue;
        }
        let default = match a.child_by_field_name("right") {
            None => Default::Required,
            Some(r) => match r.kind() {
                // `Field(default=…)`, `Field(...)`.
                "call" if text(r, src).starts_with("Field") => {
                    keyword(r, src, "default").map_or(Default::Required, |d| default_of(d, src))
                }
                _ => default_of(r, src),
            },
        };
        let choices = literal_choices(ty, src);
        ev.env_reads.push(EnvRead {
            source: Source::new(m.rel, line(stmt)),
            name: format!("{prefix}{field}").to_ascii_uppercase(),
            default,
            reader: Reader::Pydantic(ty_text),
            choices,
        });
    }
}

/// The strings of `Literal["a", "b"]` anywhere in a type.
fn literal_choices(ty: Node, src: &str) -> Vec<String> {
    let t = text(ty, src);
    let Some(i) = t.find("Literal[") else {
        return Vec::new();
    };
    let inner = &t[i + 8..];
    let inner = &inner[..inner.find(']').unwrap_or(inner.len())];
    inner
        .split(',')
        .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(code: &str) -> Evidence {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("python");
        let tree = parser.parse(code, None).expect("parses");
        let mut ev = Evidence::default();
        scan(
            &Module {
                rel: "app/settings.py",
                text: code,
            },
            tree.root_node(),
            &mut ev,
        );
        ev
    }

    #[test]
    fn plain_reads_and_their_defaults() {
        let ev = reads(
            "import os\nDEBUG = os.getenv('DEBUG', 'True')\nKEY = os.environ.get('SECRET_KEY') or 'you-will-never-guess'\n\
             URL = os.environ['DATABASE_URL']\nUP = os.path.join(BASE_DIR, 'uploads')\nUPLOADS = os.getenv('UPLOAD_FOLDER', os.path.join(BASE_DIR, 'uploads'))\n\
             d = envbool('USE_X', 'False')\nif os.getenv('DB') == 'postgres':\n    DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'HOST': os.getenv('DB_HOST', '')}}\n",
        );
        let get = |n: &str| {
            ev.env_reads
                .iter()
                .find(|r| r.name == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        assert_eq!(get("DEBUG").default, Default::Literal("True".into()));
        assert_eq!(
            get("SECRET_KEY").default,
            Default::Literal("you-will-never-guess".into())
        );
        assert_eq!(get("DATABASE_URL").default, Default::Required);
        assert_eq!(
            get("UPLOAD_FOLDER").default,
            Default::SourcePath("uploads".into())
        );
        assert_eq!(get("USE_X").default, Default::Literal("False".into()));
        assert_eq!(get("DB").choices, ["postgres"]);
        assert_eq!(get("DB_HOST").default, Default::Literal(String::new()));
        assert!(
            ev.services
                .iter()
                .any(|(s, _, why)| *s == Service::Postgresql && why.contains("DB is `postgres`"))
        );
        assert_eq!(ev.db_parts[0].0, "HOST");
        assert_eq!(ev.db_parts[0].1, "DB_HOST");
    }

    #[test]
    fn django_environ_and_pydantic() {
        let ev = reads(
            "env = environ.Env()\nDB = env.db_url('PS_DATABASE_URI')\nDEBUG = env.bool('DJANGO_DEBUG', default=False)\n\
             class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file='../.env')\n    SECRET_KEY: str\n    DATABASE_URL: PostgresDsn\n    FASTAPI_ENV: Literal['development'] | None = None\n    PORT: int = 8000\n",
        );
        let get = |n: &str| {
            ev.env_reads
                .iter()
                .find(|r| r.name == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        assert_eq!(get("PS_DATABASE_URI").reader, Reader::DjangoEnvironDb);
        assert_eq!(
            get("DJANGO_DEBUG").default,
            Default::Literal("False".into())
        );
        assert_eq!(get("SECRET_KEY").default, Default::Required);
        assert_eq!(
            get("DATABASE_URL").reader,
            Reader::Pydantic("PostgresDsn".into())
        );
        assert_eq!(get("FASTAPI_ENV").choices, ["development"]);
        assert_eq!(get("PORT").default, Default::Literal("8000".into()));
    }
}
