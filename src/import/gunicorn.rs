//! gunicorn configuration files (`gunicorn.conf.py`, the file of a command's `-c FILE`): the
//! reader ([`settings`]: the module's top-level assignments and functions, parsed with
//! tree-sitter, with their lines) and the mapper ([`Importer::gunicorn_settings`]: each setting
//! onto the process of the gunicorn command that reads the file, as its command-line option
//! is; what the command line also sets is overridden, as gunicorn does). The command mapper
//! ([`super::command`]) finds the file among the inputs, else beside `--src`; `init` maps a
//! project's gunicorn.conf.py with the same mapper (through `Init::importing`).
//!
//! It may call tree-sitter, the shared variable mapper ([`super::variables`], for `raw_env`),
//! [`crate::secrets`] and [`crate::input`] (a `-c FILE` read from the `--src` directory).

use std::path::{Component, Path};

use tree_sitter::{Node, Parser};

use super::{Importer, Input, file_name};
use crate::draft::{Outcome, Process, Source};
use crate::secrets;

/// The value of a setting, as far as a description can use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// An integer literal.
    Int(i64),
    /// A string literal.
    Str(String),
    /// A list or tuple of string literals.
    Strs(Vec<String>),
    /// Anything computed (`multiprocessing.cpu_count() * 2`), as written.
    Other(String),
    /// A function: a server hook (`def post_fork(server, worker)`).
    Hook,
    /// Set by a statement other than a plain assignment (`workers += 1`, inside an `if`
    /// block), the statement's first line as written: computed.
    Statement(String),
    /// A statement that may set any setting (`from extra import *`), as written.
    Unknown(String),
}

/// One top-level setting of a gunicorn configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting {
    /// The setting's name (`workers`).
    pub(crate) name: String,
    /// Its value.
    pub(crate) value: Value,
    /// 1-based line.
    pub(crate) line: usize,
}

/// A gunicorn configuration file among the inputs (or read beside `--src`).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The file as shown in the report.
    pub(crate) file: String,
    /// Its settings.
    pub(crate) settings: Vec<Setting>,
    /// A gunicorn command reads it.
    pub(crate) used: bool,
}

/// What was set where the configuration file is not the last word: on the command line (for
/// import) or found in the sources (for init). Such settings of the file are overridden.
pub(crate) struct Overrides {
    /// The settings' names (`bind`, `workers`, `raw_env`, `wsgi_app`, …).
    pub(crate) set: Vec<&'static str>,
    /// Who set them (`the command line`).
    pub(crate) by: &'static str,
}

/// What a configuration file decides beyond a process's keys.
#[derive(Debug, Default)]
pub(crate) struct Decided {
    /// `wsgi_app`: the application.
    pub(crate) app: Option<String>,
    /// `worker_class` is a uvicorn worker.
    pub(crate) asgi: bool,
}

/// The usual names of a project's gunicorn configuration: gunicorn's default (read from its
/// working directory without `-c`) and the other common spelling.
pub(crate) const USUAL_CONFIG_NAMES: [&str; 2] = ["gunicorn.conf.py", "gunicorn_conf.py"];

/// Whether `base` (a file name given to `import`) is a gunicorn configuration file: one of
/// [`USUAL_CONFIG_NAMES`], `gunicorn*.py`, or another `*.conf.py`. (`init`, which scans a whole
/// project, takes only the usual names.)
pub(crate) fn is_config_name(base: &str) -> bool {
    base.ends_with(".conf.py")
        || USUAL_CONFIG_NAMES.contains(&base)
        || (base.starts_with("gunicorn") && base.ends_with(".py"))
}

/// The settings of a gunicorn configuration file: its top-level assignments (the last one of a
/// name wins, as in Python) and functions (server hooks), in the file's order. A name assigned
/// again where its value is computed or conditional (`workers += 1`, inside an `if` or `try`
/// block) is [`Value::Statement`], and a `from … import *` is [`Value::Unknown`]: a setting never
/// silently keeps a value gunicorn may not use.
pub(crate) fn settings(text: &str) -> Vec<Setting> {
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return Vec::new();
    }
    let Some(tree) = parser.parse(text, None) else {
        return Vec::new();
    };
    let root = tree.root_node();
    let mut out: Vec<Setting> = Vec::new();
    let mut cursor = root.walk();
    for stmt in root.children(&mut cursor) {
        let line = stmt.start_position().row + 1;
        if let Some(set) = indirect_settings(stmt, text) {
            for (name, value) in set {
                out.retain(|s| s.name != name);
                out.push(Setting { name, value, line });
            }
            continue;
        }
        let found = match stmt.kind() {
            "expression_statement" => stmt
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
                .and_then(|a| {
                    Some((
                        a.child_by_field_name("left")?,
                        a.child_by_field_name("right")?,
                    ))
                })
                .filter(|(left, _)| left.kind() == "identifier")
                .map(|(left, right)| (source(left, text).to_string(), value(right, text))),
            "function_definition" | "decorated_definition" => {
                let def = if stmt.kind() == "decorated_definition" {
                    stmt.child_by_field_name("definition")
                } else {
                    Some(stmt)
                };
                def.and_then(|d| d.child_by_field_name("name"))
                    .map(|n| (source(n, text).to_string(), Value::Hook))
            }
            _ => None,
        };
        if let Some((name, value)) = found {
            out.retain(|s| s.name != name);
            out.push(Setting { name, value, line });
        }
    }
    out
}

/// What a top-level statement other than a plain assignment or a function sets: a name
/// assigned in a compound statement (`if`, `for`, `try`, `with`, `while`) or with an operator
/// (`workers += 1`), as computed; a wildcard import, as unknown. `None` for the statements
/// [`settings`] reads itself.
fn indirect_settings(stmt: Node, text: &str) -> Option<Vec<(String, Value)>> {
    let written = || Value::Statement(first_line(source(stmt, text)));
    match stmt.kind() {
        "if_statement" | "for_statement" | "while_statement" | "try_statement"
        | "with_statement" | "match_statement" => Some(
            assigned_names(stmt, text)
                .into_iter()
                .map(|n| (n, written()))
                .collect(),
        ),
        "expression_statement" => {
            let a = stmt.named_child(0)?;
            let left = a.child_by_field_name("left")?;
            match (a.kind(), left.kind()) {
                ("augmented_assignment", "identifier") => {
                    Some(vec![(source(left, text).to_string(), written())])
                }
                // `a, b = …`: each name gets a computed value.
                ("assignment", "pattern_list" | "tuple_pattern" | "list_pattern") => Some(
                    assigned_names(left, text)
                        .into_iter()
                        .map(|n| (n, written()))
                        .collect(),
                ),
                _ => None,
            }
        }
        "import_from_statement" if source(stmt, text).trim_end().ends_with('*') => Some(vec![(
            "*".into(),
            Value::Unknown(source(stmt, text).trim().to_string()),
        )]),
        _ => None,
    }
}

/// The identifiers assigned anywhere inside `node` (targets of `=`, `+=`, `for`, `with … as`):
/// walked with a cursor, so a deeply nested file cannot exhaust the stack.
fn assigned_names(node: Node, text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut cursor = node.walk();
    let mut descending = true;
    loop {
        let n = cursor.node();
        if descending {
            let target = match n.kind() {
                "assignment" | "augmented_assignment" => n.child_by_field_name("left"),
                "for_statement" => n.child_by_field_name("left"),
                "as_pattern_target" => Some(n),
                "pattern_list" | "tuple_pattern" | "list_pattern" if n.id() == node.id() => Some(n),
                _ => None,
            };
            if let Some(t) = target {
                let mut c = t.walk();
                let ids = std::iter::once(t)
                    .chain(t.named_children(&mut c))
                    .filter(|x| x.kind() == "identifier")
                    .map(|x| source(x, text).to_string());
                for id in ids {
                    if !names.contains(&id) {
                        names.push(id);
                    }
                }
            }
            // Not into nested functions: their assignments are local.
            if n.kind() != "function_definition" && cursor.goto_first_child() {
                continue;
            }
        }
        if cursor.node().id() == node.id() {
            return names;
        }
        if cursor.goto_next_sibling() {
            descending = true;
        } else if cursor.goto_parent() {
            descending = false;
        } else {
            return names;
        }
    }
}

/// The first line of a statement, for the report.
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim_end();
    if s.lines().nth(1).is_some() {
        format!("{line} …")
    } else {
        line.to_string()
    }
}

fn source<'a>(n: Node, text: &'a str) -> &'a str {
    n.utf8_text(text.as_bytes()).unwrap_or("")
}

/// A string literal's value, its escape sequences decoded (no f-strings, bytes or implicit
/// concatenation; a raw string as written).
fn string(n: Node, text: &str) -> Option<String> {
    if n.kind() != "string" {
        return None;
    }
    let mut raw = false;
    let mut out = String::new();
    let mut cursor = n.walk();
    for c in n.children(&mut cursor) {
        match c.kind() {
            "string_start" => {
                let prefix = source(c, text)
                    .trim_end_matches(['"', '\''])
                    .to_ascii_lowercase();
                if prefix.contains(['b', 'f']) {
                    return None;
                }
                raw = prefix.contains('r');
            }
            "string_content" if raw => out.push_str(source(c, text)),
            "string_content" => out.push_str(&unescape(source(c, text))?),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

/// Python's escape sequences in `s` decoded; `None` for one app2nix does not decode (octal,
/// `\N{…}`), which makes the value computed rather than wrong.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        let hex = |chars: &mut std::str::Chars, n: usize| -> Option<char> {
            let digits: String = chars.by_ref().take(n).collect();
            (digits.len() == n)
                .then(|| u32::from_str_radix(&digits, 16).ok())
                .flatten()
                .and_then(char::from_u32)
        };
        match e {
            '\n' => {} // a line continuation
            '\\' | '\'' | '"' => out.push(e),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'x' => out.push(hex(&mut chars, 2)?),
            'u' => out.push(hex(&mut chars, 4)?),
            'U' => out.push(hex(&mut chars, 8)?),
            _ => return None,
        }
    }
    Some(out)
}

fn value(n: Node, text: &str) -> Value {
    let other = || Value::Other(source(n, text).to_string());
    match n.kind() {
        "integer" => source(n, text)
            .replace('_', "")
            .parse()
            .map_or_else(|_| other(), Value::Int),
        "string" => string(n, text).map_or_else(other, Value::Str),
        "list" | "tuple" => {
            let mut cursor = n.walk();
            let items: Option<Vec<String>> = n
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "comment")
                .map(|c| string(c, text))
                .collect();
            items.map_or_else(other, Value::Strs)
        }
        _ => other(),
    }
}

/// How a setting is shown in the report: its value unless it is secret (or a hook, or the
/// environment).
fn shown(s: &Setting) -> String {
    let k = &s.name;
    match &s.value {
        Value::Int(n) => format!("{k} = {n}"),
        Value::Str(v) if !secrets::is_secret(k, v) => format!("{k} = {v:?}"),
        Value::Other(v) if !secrets::is_secret(k, v) => format!("{k} = {v}"),
        // `raw_env` holds values of any variable: its items are shown one by one, by name.
        _ if k == "raw_env" => k.clone(),
        Value::Strs(v) if !v.iter().any(|x| secrets::is_secret(k, x)) => format!("{k} = {v:?}"),
        Value::Hook => format!("def {k}(…)"),
        Value::Unknown(v) if !secrets::is_secret(k, v) => v.clone(),
        Value::Statement(v) if !secrets::is_secret(k, v) => format!("{k}: {v}"),
        _ => format!("{k} = …"),
    }
}

/// Whether `conf` (a file's name as shown) is the file `wanted` names: the same path, or a
/// path that ends with `wanted`'s components (`server/gunicorn.conf.py` for `gunicorn.conf.py`),
/// or, for an absolute `wanted` (a path on the old server), the same file name.
fn names(conf: &str, wanted: &str) -> bool {
    let parts = |p: &str| -> Vec<String> {
        Path::new(p)
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    };
    if Path::new(wanted).is_absolute() {
        return file_name(conf) == file_name(wanted);
    }
    let (c, w) = (parts(conf), parts(wanted));
    !w.is_empty() && c.ends_with(&w)
}

impl Importer {
    /// The gunicorn configuration files among the inputs, read before any command refers to
    /// them.
    pub(super) fn gunicorn_configs(&mut self, inputs: &[&Input]) {
        for i in inputs {
            self.gunicorn_confs.push(Config {
                file: i.name.clone(),
                settings: settings(&i.text),
                used: false,
            });
        }
    }

    /// The configuration file a gunicorn command at `file:line` reads: `-c FILE` (`flag` is the
    /// option as written, `None` for gunicorn's default `gunicorn.conf.py` in its working
    /// directory, the source tree), among the inputs, else in the `--src` directory. A `-c FILE`
    /// found nowhere is reported.
    pub(super) fn gunicorn_config_for(
        &mut self,
        file: &str,
        line: usize,
        flag: Option<&str>,
        wanted: &str,
    ) -> Option<(String, Vec<Setting>)> {
        let what = flag.map_or_else(|| wanted.to_string(), |f| format!("{f} {wanted}"));
        let why = if flag.is_some() {
            "settings read from"
        } else {
            "gunicorn reads it from its working directory (the source tree) without -c; settings read from"
        };
        if wanted.starts_with("python:") {
            if flag.is_some() {
                self.add(file, line, what, Outcome::Unmapped("a configuration module: pass its file to `app2nix import` so its settings are mapped".into()));
            }
            return None;
        }
        if let Some(c) = self
            .gunicorn_confs
            .iter_mut()
            .find(|c| names(&c.file, wanted))
        {
            c.used = true;
            let found = (c.file.clone(), c.settings.clone());
            self.add(
                file,
                line,
                what,
                Outcome::Mapped(format!("{why} {}", found.0)),
            );
            return Some(found);
        }
        let beside_src = self.gunicorn_config_in_src(file, line, &what, wanted);
        if let Some((shown, _)) = &beside_src {
            self.add(file, line, what, Outcome::Mapped(format!("{why} {shown}")));
        } else if flag.is_some() {
            let place = match &self.opts.src {
                Some(src) if self.opts.src_dir.is_some() && !Path::new(wanted).is_absolute() => {
                    format!("neither among the inputs nor in --src {src}")
                }
                Some(_) => "not among the inputs".to_string(),
                None => "not among the inputs (and no --src DIR, the directory gunicorn runs in, was given to look in)".to_string(),
            };
            self.add(file, line, what, Outcome::Unmapped(format!(
                "the configuration file is {place}: pass it to `app2nix import` so its settings (workers, bind, keepalive, …) are mapped"
            )));
        }
        beside_src
    }

    /// `wanted` read from the `--src` directory (a relative path only), as a configuration
    /// file that is now used; a file there that cannot be read is reported.
    fn gunicorn_config_in_src(
        &mut self,
        file: &str,
        line: usize,
        what: &str,
        wanted: &str,
    ) -> Option<(String, Vec<Setting>)> {
        let (src, dir) = (self.opts.src.clone()?, self.opts.src_dir.clone()?);
        if Path::new(wanted).is_absolute() {
            return None;
        }
        let path = dir.join(wanted);
        let shown = Path::new(&src).join(wanted).display().to_string();
        // Nothing outside the source directory is read (`-c ../../x`, a link out of it).
        let text = match crate::input::read_text_within(
            &dir,
            Path::new(wanted),
            crate::input::MAX_INPUT_BYTES,
        ) {
            Ok(t) => t,
            Err(_) if !path.exists() => return None,
            Err(e) => {
                self.add(
                    file,
                    line,
                    what,
                    Outcome::Unmapped(format!("cannot read {shown}: {e}")),
                );
                return None;
            }
        };
        let settings = settings(&text);
        self.gunicorn_confs.push(Config {
            file: shown.clone(),
            settings: settings.clone(),
            used: true,
        });
        Some((shown, settings))
    }

    /// The settings of gunicorn configuration `file` onto process `p`, each as its
    /// command-line option is mapped (`bind` → listen, `workers`, `timeout`, `keepalive`,
    /// `max_requests`, `raw_env` → the process's environment and secrets by name); a setting
    /// in `over` is overridden. `env_mapped` says where `raw_env`'s plain values go.
    pub(crate) fn gunicorn_settings(
        &mut self,
        file: &str,
        settings: &[Setting],
        p: &mut Process,
        over: &Overrides,
        env_mapped: &str,
    ) -> Decided {
        let mut decided = Decided::default();
        for s in settings {
            if over.set.contains(&s.name.as_str()) {
                self.add(
                    file,
                    s.line,
                    shown(s),
                    Outcome::Covered(format!("{} sets it, which wins", over.by)),
                );
                continue;
            }
            self.gunicorn_setting(file, s, p, &mut decided, env_mapped);
        }
        decided
    }

    /// One setting of a gunicorn configuration file, mapped onto process `p` (see
    /// [`Self::gunicorn_settings`]).
    fn gunicorn_setting(
        &mut self,
        file: &str,
        s: &Setting,
        p: &mut Process,
        decided: &mut Decided,
        env_mapped: &str,
    ) {
        let (k, l) = (s.name.as_str(), s.line);
        let what = shown(s);
        match (k, &s.value) {
            ("bind", Value::Str(b)) => self.gunicorn_bind(file, l, what, b, p),
            ("bind", Value::Strs(bs)) if !bs.is_empty() => {
                self.gunicorn_bind(file, l, what, &bs[0], p);
                if bs.len() > 1 {
                    let rest = format!("bind {:?}", &bs[1..]);
                    let why = "a process listens on one address in app2nix.toml";
                    self.add(file, l, rest, Outcome::Unmapped(why.into()));
                }
            }
            (
                "workers"
                | "timeout"
                | "keepalive"
                | "max_requests"
                | "max_requests_jitter"
                | "threads",
                Value::Int(n),
            ) => {
                let n = Some(*n);
                match k {
                    "workers" => p.workers = n,
                    "timeout" => p.timeout = n,
                    "keepalive" => p.keepalive = n,
                    "max_requests_jitter" => p.max_requests_jitter = n,
                    "threads" => p.threads = n,
                    _ => p.max_requests = n,
                }
                self.add(file, l, what, Outcome::Mapped(k.into()));
            }
            ("preload_app", Value::Other(b)) if b == "True" => {
                p.preload = Some(true);
                self.add(file, l, what, Outcome::Mapped("preload".into()));
            }
            ("preload_app", Value::Other(b)) if b == "False" => {
                self.add(file, l, what, Outcome::Covered("the default".into()));
            }
            ("raw_env", Value::Strs(items)) => self.gunicorn_raw_env(file, l, items, p, env_mapped),
            ("wsgi_app", Value::Str(app)) => {
                decided.app = Some(app.clone());
                self.add(file, l, what, Outcome::Mapped("the application".into()));
            }
            ("worker_class", Value::Str(w)) => {
                decided.asgi |= self.worker_class(file, l, &what, w, p);
            }
            ("accesslog" | "errorlog" | "loglevel" | "capture_output", _) => {
                self.add(
                    file,
                    l,
                    what,
                    Outcome::Covered("logs go to the journal".into()),
                );
            }
            (_, Value::Unknown(_)) => self.add(
                file,
                l,
                what,
                Outcome::Unmapped(
                    "may set any setting when gunicorn starts: set what it sets by hand".into(),
                ),
            ),
            (_, Value::Hook) => self.add(
                file,
                l,
                what,
                Outcome::Unmapped(
                    "a server hook (Python code gunicorn runs): app2nix.toml has no equivalent"
                        .into(),
                ),
            ),
            (
                "bind"
                | "workers"
                | "timeout"
                | "keepalive"
                | "max_requests"
                | "raw_env"
                | "wsgi_app"
                | "max_requests_jitter"
                | "threads"
                | "preload_app"
                | "worker_class",
                _,
            ) => {
                self.add(file, l, what, Outcome::Unmapped("computed when gunicorn starts, not a literal app2nix can copy: set it by hand".into()));
            }
            _ => self.add(
                file,
                l,
                what,
                Outcome::Unmapped("gunicorn setting without an equivalent in app2nix.toml".into()),
            ),
        }
    }

    /// `raw_env = ["NAME=value", …]`: the process's environment, secrets by name only.
    fn gunicorn_raw_env(
        &mut self,
        file: &str,
        line: usize,
        items: &[String],
        p: &mut Process,
        env_mapped: &str,
    ) {
        for item in items {
            match item.split_once('=') {
                Some((name, value)) => {
                    let what = format!("raw_env {name}=…");
                    self.process_variable(file, line, what, (name, value), p, env_mapped);
                }
                None => self.add(
                    file,
                    line,
                    "raw_env",
                    Outcome::Unmapped("an item without `=`: not a NAME=value pair".into()),
                ),
            }
        }
    }

    /// `bind = "…"`: the listen address, or a unix socket app2nix places itself.
    fn gunicorn_bind(&mut self, file: &str, line: usize, what: String, b: &str, p: &mut Process) {
        if let Some(path) = b.strip_prefix("unix:") {
            self.add(file, line, what, Outcome::Decided(format!("a unix socket: app2nix puts it at /run/<app>-<process>/<process>.sock, not {path}")));
            p.listen = Some("unix".into());
        } else {
            p.listen = Some(b.to_string());
            self.add(file, line, what, Outcome::Mapped("listen".into()));
        }
    }

    /// A gunicorn configuration input no command read: with a `wsgi_app`, it is the web
    /// process (gunicorn run with the file); else it is reported.
    pub(super) fn unused_gunicorn_config(&mut self, input: &Input) {
        let Some(has_app) = self
            .gunicorn_confs
            .iter()
            .find(|c| c.file == input.name && !c.used)
            .map(|c| c.settings.iter().any(|s| s.name == "wsgi_app"))
        else {
            return;
        };
        if has_app && !self.draft.processes.contains_key("web") {
            let args = ["gunicorn", "-c", input.name.as_str()].map(String::from);
            if let Some(p) = self.server(&input.name, 0, &args) {
                self.register_port("web", &p);
                self.draft.processes.insert("web".into(), p);
                self.report.add(
                    Source::new(&input.name, 0),
                    "wsgi_app",
                    Outcome::Mapped(
                        "[processes.web], gunicorn run with this file's settings".into(),
                    ),
                );
                return;
            }
        }
        self.add(&input.name, 0, "gunicorn configuration", Outcome::Unmapped("no gunicorn command among the inputs reads it (by -c, or as gunicorn.conf.py in its working directory) and it names no `wsgi_app`: pass the unit, Compose file or Dockerfile that starts gunicorn too".into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::testing::imported;
    use crate::import::{Options, import};

    /// A gunicorn.conf.py with settings of every kind, a secret in `raw_env`, a secret-looking
    /// setting and a server hook.
    const CONF: &str = "workers = 4\nkeepalive = 7\nmax_requests = 2000\ntimeout = 30\nbind = \"0.0.0.0:9000\"\nraw_env = [\"SECRET_KEY=s3cr3t-raw-env-value\", \"LOG_LEVEL=info\"]\nsecret_key = \"s3cr3t-setting-value\"\naccesslog = \"-\"\ndef post_fork(server, worker):\n    pass\n";

    /// `gunicorn -c FILE`: FILE's settings are mapped as init maps them, the command line's
    /// options win, and no secret of the file is copied.
    #[test]
    fn a_config_file_named_by_c_is_read() {
        let unit = "[Service]\nExecStart=/srv/venv/bin/gunicorn --bind 127.0.0.1:8000 --keep-alive 5 -c ./gunicorn.conf.py app.wsgi:app\n";
        let (t, report) = imported(&[("app.service", unit), ("server/gunicorn.conf.py", CONF)]);
        let web = &t["processes"]["web"];
        assert_eq!(web["workers"].as_integer(), Some(4), "{t}");
        assert_eq!(web["keepalive"].as_integer(), Some(5));
        assert_eq!(web["max_requests"].as_integer(), Some(2000));
        assert_eq!(web["timeout"].as_integer(), Some(30));
        assert_eq!(web["listen"].as_str(), Some("127.0.0.1:8000"));
        assert_eq!(web["env"]["LOG_LEVEL"].as_str(), Some("info"));
        assert_eq!(t["secrets"]["SECRET_KEY"].as_str(), Some("env"));
        for line in [
            "app.service:2: -c ./gunicorn.conf.py: mapped: settings read from server/gunicorn.conf.py",
            "server/gunicorn.conf.py:1: workers = 4: mapped: workers",
            "server/gunicorn.conf.py:2: keepalive = 7: covered: the command line sets it, which wins",
            "server/gunicorn.conf.py:5: bind = \"0.0.0.0:9000\": covered: the command line sets it",
            "server/gunicorn.conf.py:6: raw_env SECRET_KEY=…: mapped: [secrets] SECRET_KEY",
            "server/gunicorn.conf.py:7: secret_key = …: not mapped",
            "server/gunicorn.conf.py:8: accesslog = \"-\": covered: logs go to the journal",
            "server/gunicorn.conf.py:9: def post_fork(…): not mapped: a server hook",
        ] {
            assert!(report.contains(line), "{line}\n{report}");
        }
        assert!(!report.contains("-c: not mapped"), "{report}");
        let text = format!("{t}{report}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    /// Without `-c`, gunicorn reads gunicorn.conf.py from its working directory; given alone,
    /// a file with `wsgi_app` is the web process; a `-c FILE` found nowhere is reported.
    #[test]
    fn default_standalone_and_missing_config_files() {
        let (t, report) = imported(&[
            ("app.service", crate::import::testing::UNIT),
            ("gunicorn.conf.py", "workers = 3\nkeepalive = 9\n"),
        ]);
        assert_eq!(t["processes"]["web"]["workers"].as_integer(), Some(3));
        assert_eq!(t["processes"]["web"]["keepalive"].as_integer(), Some(5));
        assert!(
            report.contains("gunicorn reads it from its working directory"),
            "{report}"
        );

        let (t, report) = imported(&[(
            "deploy/prod.conf.py",
            "wsgi_app = \"shop.wsgi:app\"\nbind = \"unix:/run/shop.sock\"\nmax_requests = 100\n",
        )]);
        let web = &t["processes"]["web"];
        assert_eq!(web["wsgi"].as_str(), Some("shop.wsgi:app"), "{t}\n{report}");
        assert_eq!(web["listen"].as_str(), Some("unix"));
        assert_eq!(web["max_requests"].as_integer(), Some(100));

        let (_, report) = imported(&[("other.conf.py", "workers = 2\n")]);
        assert!(
            report
                .contains("other.conf.py: gunicorn configuration: not mapped: no gunicorn command"),
            "{report}"
        );

        let unit = "[Service]\nExecStart=gunicorn --config conf/missing.conf.py app:app\n";
        let (_, report) = imported(&[("app.service", unit)]);
        assert!(
            report.contains("app.service:2: --config conf/missing.conf.py: not mapped: the configuration file is not among the inputs"),
            "{report}"
        );
    }

    /// `-c FILE` not among the inputs is read from the `--src` directory.
    #[test]
    fn a_config_file_is_found_in_the_src_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("server/conf")).expect("mkdir");
        std::fs::write(dir.path().join("server/conf/gunicorn.conf.py"), CONF).expect("write");
        let input = Input {
            name: "docker-compose.yml".into(),
            text: "name: shop\nservices:\n  web:\n    command: gunicorn -c conf/gunicorn.conf.py shop.wsgi:app\n".into(),
            path: None,
        };
        let opts = Options {
            src: Some("server".into()),
            src_dir: Some(dir.path().join("server")),
            ..Options::default()
        };
        let (draft, report) = import(std::slice::from_ref(&input), &opts).expect("imports");
        let (text, report) = (draft.to_toml(), report.render());
        assert!(
            text.contains("workers = 4") && text.contains("keepalive = 7"),
            "{text}"
        );
        assert!(
            report.contains(
                "-c conf/gunicorn.conf.py: mapped: settings read from server/conf/gunicorn.conf.py"
            ),
            "{report}"
        );
        assert!(!format!("{text}{report}").contains("s3cr3t"));
        let opts = Options {
            src_dir: Some(dir.path().join("elsewhere")),
            ..opts
        };
        let (_, report) = import(&[input], &opts).expect("imports");
        assert!(
            report.render().contains(
                "not mapped: the configuration file is neither among the inputs nor in --src server"
            ),
            "{}",
            report.render()
        );
    }

    /// What a review found dropped or garbled: settings changed in blocks, by operators and by
    /// wildcard imports are not kept at their first plain value; a comment in a list and escape
    /// sequences are read as Python reads them.
    #[test]
    fn settings_set_indirectly_are_computed() {
        let s = settings(concat!(
            "import os\nbind = \"127.0.0.1:8000\"\nworkers = 2\ntimeout = 30\n",
            "if os.environ.get(\"ENV\") == \"production\":\n    workers = 8\n    timeout = 120\n",
            "from gunicorn_extra import *\nkeepalive = 2\nkeepalive += 1\n",
            "raw_env = [\"A=1\",\n  # a comment\n  \"MSG=a\\tb\", r\"P=C:\\x\", \"E=\\u00e9\"]\n",
            "max_requests = \"\\N{BULLET}\"\n",
        ));
        let got: Vec<(&str, &Value)> = s.iter().map(|s| (s.name.as_str(), &s.value)).collect();
        let block = Value::Statement("if os.environ.get(\"ENV\") == \"production\": …".into());
        assert_eq!(
            got,
            [
                ("bind", &Value::Str("127.0.0.1:8000".into())),
                ("workers", &block),
                ("timeout", &block),
                ("*", &Value::Unknown("from gunicorn_extra import *".into())),
                ("keepalive", &Value::Statement("keepalive += 1".into())),
                (
                    "raw_env",
                    &Value::Strs(vec![
                        "A=1".into(),
                        "MSG=a\tb".into(),
                        "P=C:\\x".into(),
                        "E=é".into()
                    ])
                ),
                ("max_requests", &Value::Other("\"\\N{BULLET}\"".into())),
            ]
        );
    }

    #[test]
    fn settings_are_parsed_not_searched() {
        let s = settings(
            "import multiprocessing\n# workers = 9\nworkers = 2\nworkers = multiprocessing.cpu_count() * 2\nbind = ['0.0.0.0:80', \"[::]:80\"]\nkeepalive = 1_0\ndef post_fork(server, worker):\n    pass\n",
        );
        let got: Vec<(&str, &Value, usize)> = s
            .iter()
            .map(|s| (s.name.as_str(), &s.value, s.line))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "workers",
                    &Value::Other("multiprocessing.cpu_count() * 2".into()),
                    4
                ),
                (
                    "bind",
                    &Value::Strs(vec!["0.0.0.0:80".into(), "[::]:80".into()]),
                    5
                ),
                ("keepalive", &Value::Int(10), 6),
                ("post_fork", &Value::Hook, 7),
            ]
        );
        assert!(names("server/gunicorn.conf.py", "./gunicorn.conf.py"));
        assert!(names(
            "deploy/gunicorn.conf.py",
            "/etc/app/gunicorn.conf.py"
        ));
        assert!(!names("deploy/gunicorn.conf.py", "conf/gunicorn.conf.py"));
    }
}
