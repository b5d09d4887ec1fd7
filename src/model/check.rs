//! The checker every concern validates with, and the shared predicates on names and paths.
//!
//! Owns [`Checker`]: the errors and notes collected while a description is judged, and the
//! validators of values that several concerns share (text, names, environment variables and
//! maps, project paths, numbers, choices, schedules). Owns the predicates other parts of the
//! crate use too ([`is_name`], [`suggest_name`], [`is_env_name`], [`is_plain_path`]).
//!
//! May call the crate's leaf modules (`diagnostic`, `secrets`, `calendar`, `nix`), never a
//! concern of the model: every concern calls this file, not the reverse.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::Context;
use crate::description::{EnvValue, SecretSpec, Sp};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::placeholders::{self, Name, Text};
use crate::secrets;

/// What validation found so far: errors (reported together, in source order) and notes.
pub(super) struct Checker<'a> {
    errors: Vec<Diagnostic>,
    notes: Vec<String>,
    ctx: &'a Context<'a>,
}

impl<'a> Checker<'a> {
    /// A checker with nothing found yet.
    pub(super) fn new(ctx: &'a Context<'a>) -> Self {
        Checker {
            errors: Vec::new(),
            notes: Vec::new(),
            ctx,
        }
    }

    /// The notes, or every error in source order (errors at the same place in the order they
    /// were found).
    pub(super) fn finish(mut self) -> Result<Vec<String>, Diagnostics> {
        if !self.errors.is_empty() {
            self.errors.sort_by_key(|e| (e.span.start, e.span.end));
            return Err(Diagnostics(self.errors));
        }
        Ok(self.notes)
    }

    /// The directory holding the description.
    pub(super) fn project_dir(&self) -> &Path {
        self.ctx.project_dir
    }
}

/// How a note that is a warning starts ([`Checker::warn`]).
pub const WARNING: &str = "warning: ";

impl Checker<'_> {
    /// An error at `span`, with how to fix it.
    pub(super) fn err(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.errors.push(Diagnostic::new(span, message).help(help));
    }

    /// An error at `span` whose source line is printed without `span`: the value there may be
    /// a secret.
    pub(super) fn err_redacted(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let mut d = Diagnostic::new(span.clone(), message).help(help);
        d.redact = Some(span);
        self.errors.push(d);
    }

    /// Something `check` and `generate` tell the user besides errors.
    pub(super) fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// Something to do before the output works, which does not stop `generate` (printed as a
    /// warning).
    pub(super) fn warn(&mut self, warning: String) {
        self.notes.push(format!("{WARNING}{warning}"));
    }

    /// Text reaching Nix may hold anything but NUL, which Nix strings cannot carry.
    pub(super) fn text(&mut self, s: &Sp<String>, what: &str) -> bool {
        if s.contains('\0') {
            self.err(
                s.span(),
                format!("{what} contains a NUL character"),
                "remove it: Nix strings cannot hold NUL",
            );
            return false;
        }
        true
    }

    /// Text without line breaks (nor NUL).
    pub(super) fn one_line(&mut self, s: &Sp<String>, what: &str) -> bool {
        if !self.text(s, what) {
            return false;
        }
        if s.contains(['\n', '\r']) {
            self.err(
                s.span(),
                format!("{what} must be a single line"),
                "remove the line breaks",
            );
            return false;
        }
        true
    }

    /// A systemd calendar event (see [`crate::calendar`]).
    pub(super) fn schedule(&mut self, s: &Sp<String>) -> Option<String> {
        if !self.one_line(s, "schedule") {
            return None;
        }
        match crate::calendar::check(s) {
            Ok(()) => Some(s.trim().to_string()),
            Err(why) => {
                self.err(
                    s.span(),
                    format!("schedule `{}` is not a calendar event systemd reads: {why}", shown(s)),
                    "use `daily`, `hourly`, `weekly`, … or `[WEEKDAYS] [YEAR-MONTH-DAY] HOUR:MINUTE[:SECOND] [UTC]`, e.g. `*-*-* 03:00:00` or `Mon..Fri 09:30` (systemd.time(7))",
                );
                None
            }
        }
    }

    /// Text NixOS writes into a unit file as it is (`Description=`): one line, and no `\` at
    /// its end, which would join the next line of the unit file to it.
    pub(super) fn unit_text(&mut self, s: &Sp<String>, what: &str) -> bool {
        if !self.one_line(s, what) {
            return false;
        }
        if s.trim_end().ends_with('\\') {
            self.err(
                s.span(),
                format!("{what} ends with `\\`"),
                "remove it: in a systemd unit file, a line ending in `\\` continues on the next",
            );
            return false;
        }
        true
    }

    /// An app, process, task, site, asset, user or host name (see [`is_name`]).
    pub(super) fn name(&mut self, s: &Sp<String>, what: &str) -> bool {
        if is_name(s) {
            return true;
        }
        self.err(
            s.span(),
            format!("invalid {what} `{}`", shown(s)),
            format!("use lowercase letters, digits and `-`, starting with a letter (at most 32 characters), e.g. `{}`", suggest_name(s)),
        );
        false
    }

    /// An environment variable name (see [`is_env_name`]).
    pub(super) fn env_name(&mut self, s: &Sp<String>, what: &str) -> bool {
        if is_env_name(s) {
            return true;
        }
        self.err(
            s.span(),
            format!("invalid {what} `{}`", shown(s)),
            "environment variable names have letters, digits and `_`, and do not start with a digit",
        );
        false
    }

    /// A path relative to the project directory that must stay inside it (and exist).
    pub(super) fn project_path(
        &mut self,
        s: &Sp<String>,
        what: &str,
        must_be_dir: bool,
    ) -> Option<String> {
        if !self.text(s, what) {
            return None;
        }
        let Some(rel) = normalize_relative(s) else {
            self.err(
                s.span(),
                format!("{what} `{}` escapes the project directory", shown(s)),
                "use a path relative to the directory of app2nix.toml that stays inside it",
            );
            return None;
        };
        let full = self.ctx.project_dir.join(&rel);
        // Symlinks could still lead out: compare canonical paths when the file exists.
        if let (Ok(root), Ok(real)) = (self.ctx.project_dir.canonicalize(), full.canonicalize())
            && !real.starts_with(&root)
        {
            self.err(
                s.span(),
                format!(
                    "{what} `{}` escapes the project directory through a symbolic link",
                    shown(s)
                ),
                "point it at a directory inside the project",
            );
            return None;
        }
        let ok = if must_be_dir {
            full.is_dir()
        } else {
            full.is_file()
        };
        if !ok {
            let kind = if must_be_dir { "directory" } else { "file" };
            self.err(
                s.span(),
                format!("{what} `{}` is not a {kind}", shown(s)),
                "create it or fix the path (relative to the directory of app2nix.toml)",
            );
            return None;
        }
        Some(path_to_slash(&rel))
    }

    /// A number from 1 to `max`, when given.
    pub(super) fn positive(&mut self, v: &Option<Sp<i64>>, what: &str, max: i64) -> Option<u32> {
        let v = v.as_ref()?;
        if **v < 1 || **v > max {
            self.err(
                v.span(),
                format!("{what} must be between 1 and {max}, not {}", **v),
                format!("set {what} to a value from 1 to {max}"),
            );
            return None;
        }
        u32::try_from(**v).ok()
    }

    /// One of `choices`, or `default` when not given (and after an error).
    pub(super) fn choice(
        &mut self,
        v: &Option<Sp<String>>,
        what: &str,
        choices: &[&str],
        default: &str,
    ) -> String {
        let Some(v) = v else {
            return default.to_string();
        };
        if choices.contains(&v.as_str()) {
            return v.to_string();
        }
        let list = choices
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match did_you_mean(v, choices.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? ({what} is one of {list})"),
            None => format!("{what} is one of {list}"),
        };
        self.err(v.span(), format!("unknown {what} `{}`", shown(v)), help);
        default.to_string()
    }

    /// Plain environment variables (the app's, a process's, a task's or the build's): valid
    /// names that nothing else sets, values that are not secrets (unless declared public), and
    /// placeholders that `places` allows. `secrets` are the declared secrets a variable may not
    /// also be.
    pub(super) fn env_map(
        &mut self,
        env: &BTreeMap<Sp<String>, Sp<EnvValue>>,
        secrets: &BTreeMap<Sp<String>, Sp<SecretSpec>>,
        places: &Places,
    ) -> BTreeMap<String, Text> {
        let mut out = BTreeMap::new();
        for (k, v) in env {
            if let Some(text) = self.env_variable(k, v, secrets, places) {
                out.insert(k.to_string(), text);
            }
        }
        out
    }

    /// One variable of [`Checker::env_map`]: its value, when it is kept.
    fn env_variable(
        &mut self,
        k: &Sp<String>,
        v: &Sp<EnvValue>,
        secrets: &BTreeMap<Sp<String>, Sp<SecretSpec>>,
        places: &Places,
    ) -> Option<Text> {
        if !self.env_name(k, "environment variable name") {
            return None;
        }
        if let Some(who) = reserved_variable(k) {
            self.err(
                k.span(),
                format!("`{}` is set by {who}", k.as_str()),
                "remove it: the units get it from there, and a second value would conflict or be dropped",
            );
            return None;
        }
        let public = match &**v {
            EnvValue::Plain(_) => false,
            EnvValue::Public(p) if p.public => true,
            EnvValue::Public(_) => {
                self.err_redacted(
                    v.span(),
                    format!("`{}` is written as a table without `public = true`", k.as_str()),
                    "a table declares a value public whose name looks secret: add `public = true`, or write the value as a plain string",
                );
                return None;
            }
        };
        if !public && !self.not_secret(k, &Sp::new(v.value().to_string(), v.span())) {
            return None;
        }
        if secrets.contains_key(k.as_str()) {
            self.err(
                k.span(),
                format!("`{}` is both a plain variable and a secret", k.as_str()),
                "keep it in one place: [secrets] if its value is sensitive, `env` otherwise",
            );
            return None;
        }
        let value = Sp::new(v.value().to_string(), v.span());
        if !self.text(&value, "environment value") {
            return None;
        }
        self.placeholders(&value, places)
    }

    /// A plain variable whose name or value the classification takes for a secret is refused
    /// (`public = true` says it is not).
    fn not_secret(&mut self, k: &Sp<String>, v: &Sp<String>) -> bool {
        if secrets::is_secret_name(k) {
            self.err_redacted(
                v.span(),
                format!("`{}` looks like a secret, but its value is written in the description", k.as_str()),
                format!("declare it under [secrets] as `{k} = \"env\"` (app2nix then delivers it from a file outside the Nix store); if the value is not secret, write `{k} = {{ value = \"…\", public = true }}`", k = k.as_str()),
            );
            return false;
        }
        if let Some(why) = secrets::secret_value_of(k, v) {
            let help = if why == secrets::UUID_REASON {
                format!(
                    "if it is a key, declare `{k}` under [secrets]; if it is a public identifier, write `{k} = {{ value = \"…\", public = true }}` (or name the variable for what it identifies: `…_ID`, `…_TENANT_ID`, `…_CLIENT_ID`)",
                    k = k.as_str()
                )
            } else {
                format!(
                    "declare `{k}` under [secrets] and keep the value in a file outside the Nix store (local databases need no password: they use peer authentication); if it is not secret, write `{k} = {{ value = \"…\", public = true }}`",
                    k = k.as_str()
                )
            };
            self.err_redacted(
                v.span(),
                format!("the value of `{}` looks like a secret: {why}", k.as_str()),
                help,
            );
            return false;
        }
        true
    }

    /// The placeholders of a value (see [`crate::placeholders`]), each allowed where it stands.
    pub(super) fn placeholders(&mut self, v: &Sp<String>, places: &Places) -> Option<Text> {
        let text = match placeholders::parse(v) {
            Ok(t) => t,
            Err(e) => {
                self.err(v.span(), e.message, e.help);
                return None;
            }
        };
        let mut ok = true;
        for name in text.names() {
            if let Some((message, help)) = places.refuses(name) {
                self.err(v.span(), message, help);
                ok = false;
            }
        }
        ok.then_some(text)
    }
}

/// Where a value stands, and so which placeholders it may name.
#[derive(Debug, Clone, Default)]
pub(super) struct Places {
    /// The description has sites (`domain`, `domains`, `url`, `origins`).
    pub(super) sites: bool,
    /// The app has a logs directory (`logs_dir`).
    pub(super) logs: bool,
    /// The app is built from a source tree (`source`).
    pub(super) source: bool,
    /// In a process's `env`: its name, and whether it listens on TCP (`Some(true)`), on a unix
    /// socket (`Some(false)`), or not at all.
    pub(super) process: Option<(String, Option<bool>)>,
    /// In a configuration file: the secrets it may name (the app's, not ACME's).
    pub(super) secrets: Option<Vec<String>>,
}

impl Places {
    /// Where `[env]` stands: what the description has.
    pub(super) fn of(desc: &crate::description::Description) -> Self {
        Places {
            sites: !desc.sites.is_empty(),
            logs: desc.state.logs,
            source: desc.package.python.is_some(),
            process: None,
            secrets: None,
        }
    }

    /// Why `name` may not stand here (message, help), or `None`.
    fn refuses(&self, name: &Name) -> Option<(String, String)> {
        let written = format!("`{{{{{}}}}}`", name.written());
        match name {
            n if n.needs_site() && !self.sites => Some((
                format!("{written} names the sites' domains, and the description has no [sites.*]"),
                "add a site (`[sites.main] domains = [\"example.org\"]`), or write the value"
                    .into(),
            )),
            Name::LogsDir if !self.logs => Some((
                format!(
                    "{written} names the logs directory, which the app only has with `[state] logs = true`"
                ),
                "add `logs = true` under [state]".into(),
            )),
            Name::Source if !self.source => Some((
                format!(
                    "{written} names the source tree built from [package.python], and the package is not built from source"
                ),
                "remove it: a nixpkgs or flake package has no source tree here".into(),
            )),
            n if n.is_process_address() => self.refuses_address(n, &written),
            Name::Secret(s) => match &self.secrets {
                None => Some((
                    format!("{written}: secrets are filled in only in [files.*] templates"),
                    format!(
                        "a variable that holds a secret is declared under [secrets] (`{s} = \"env\"` sets `{s}` itself)"
                    ),
                )),
                Some(known) if !known.contains(s) => Some((
                    format!("{written} names no secret of the app"),
                    match crate::diagnostic::did_you_mean(s, known.iter().map(String::as_str)) {
                        Some(d) => format!("did you mean `{{{{secret.{d}}}}}`?"),
                        None => format!("declare it under [secrets] (`{s} = \"env\"`)"),
                    },
                )),
                Some(_) => None,
            },
            _ => None,
        }
    }

    /// `host`, `port` and `listen`: only in the `env` of a process that listens (`host` and
    /// `port` on TCP).
    fn refuses_address(&self, name: &Name, written: &str) -> Option<(String, String)> {
        match &self.process {
            Some((_, Some(true))) => None,
            Some((_, Some(false))) if *name == Name::Listen => None,
            Some((p, Some(false))) => Some((
                format!(
                    "{written}: process `{p}` listens on a unix socket, which has no host nor port"
                ),
                "use `{{listen}}`, the socket's path".into(),
            )),
            Some((p, None)) => Some((
                format!("{written} names where process `{p}` listens, and it has no `listen`"),
                "give the process a `listen`, or write the value".into(),
            )),
            None => Some((
                format!(
                    "{written} names where a process listens: it belongs in that process's `env`"
                ),
                "move it to `[processes.<name>] env` of the process that listens".into(),
            )),
        }
    }
}

/// Who sets a variable the description may not: NixOS (`PATH`, from the units' `path`; a
/// second definition does not evaluate), the module (`PYTHONPATH`) or systemd (the directories
/// of a unit, its credentials, socket activation).
fn reserved_variable(name: &str) -> Option<&'static str> {
    match name {
        "PATH" => Some("NixOS, from the units' `path`"),
        "PYTHONPATH" => Some("the module, to the application's source"),
        "CREDENTIALS_DIRECTORY"
        | "STATE_DIRECTORY"
        | "RUNTIME_DIRECTORY"
        | "LOGS_DIRECTORY"
        | "CACHE_DIRECTORY"
        | "CONFIGURATION_DIRECTORY"
        | "NOTIFY_SOCKET"
        | "MAINPID"
        | "INVOCATION_ID"
        | "LISTEN_FDS"
        | "LISTEN_PID"
        | "LISTEN_FDNAMES" => Some("systemd for every unit"),
        _ => None,
    }
}

/// App, process, task and user names: `[a-z][a-z0-9-]*`, at most 32 characters, no trailing `-`.
pub fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !s.ends_with('-')
        && crate::nix::is_identifier(s)
}

/// A valid name close to `s` (`MyApp` → `my-app`), for "did you mean" help and for names
/// `init` / `import` derive from directories, units and services.
pub fn suggest_name(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out
        .trim_matches('-')
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    let mut out: String = out.chars().take(32).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() || !crate::nix::is_identifier(&out) {
        "my-app".into()
    } else {
        out
    }
}

/// Environment variable names.
pub fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && !b[0].is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Help for names that must be plain.
pub(super) const PLAIN_PATH_HELP: &str = "use letters, digits, `.`, `_` and `-` (not first), and `/` between directories, e.g. `media` or `uploads/images`";

/// `a/b-c/d.e`: segments of letters, digits, `.`, `_` and `-`, none starting with `.` or `-`.
/// What unit settings (space-separated lists), nginx (unquoted paths) and shell commands can
/// carry as they are.
pub fn is_plain_path(p: &str) -> bool {
    !p.is_empty()
        && p.split('/').all(|seg| {
            let mut chars = seg.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && seg.len() <= 255
        })
}

/// A relative directory path whose segments are file names a shell and Nix take as they are:
/// letters, digits and `._-`, not starting with `-`, and neither `.` nor `..` (a hidden
/// directory such as Nuxt's `.output` is one).
pub fn is_dir_path(p: &str) -> bool {
    !p.is_empty()
        && p.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && !seg.starts_with('-')
                && seg.len() <= 255
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        })
}

/// Normalize a relative path lexically; `None` if it is absolute or climbs out with `..`.
pub(super) fn normalize_relative(s: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for comp in Path::new(s).components() {
        match comp {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// `rel` inside `dir`, both relative to the description's directory (`dir` empty for that
/// directory itself): `app` + `db.sql` is `app/db.sql`, `` + `db.sql` is `db.sql`.
pub(super) fn join_relative(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// A relative path written with `/` whatever the platform.
pub(super) fn path_to_slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A value as shown in a message: control characters escaped, long values cut, and nothing of
/// it when it looks secret (see [`secrets::mask`]).
pub(super) fn shown(s: &str) -> String {
    if secrets::mask(s) != s {
        return "…".into();
    }
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 60 {
        format!("{}…", escaped.chars().take(60).collect::<String>())
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_paths_may_be_hidden_but_not_climb() {
        for ok in [
            ".output/public",
            "app/frontend",
            "node_modules",
            "a_b/c-d.e",
        ] {
            assert!(is_dir_path(ok), "{ok}");
        }
        for bad in [
            "", "..", "a/../b", "./a", "a//b", "/abs", "-rf", "a b", "a/${x}", "a\\b",
        ] {
            assert!(!is_dir_path(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert!(is_name("nanotrace"));
        assert!(is_name("request-tracker-utils"));
        assert!(!is_name("Bad"));
        assert!(!is_name("in"));
        assert!(!is_name("a-"));
        assert!(!is_name("9a"));
        assert!(!is_name(&"a".repeat(33)));
        assert_eq!(
            suggest_name("RequestTracker Utils"),
            "request-tracker-utils"
        );
        assert_eq!(suggest_name("!!"), "my-app");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(normalize_relative("a/./b/../c"), Some(PathBuf::from("a/c")));
        assert_eq!(normalize_relative("../x"), None);
        assert_eq!(normalize_relative("/etc"), None);
        assert_eq!(normalize_relative("a/../../x"), None);
    }
}
