//! Container images: the production Dockerfile (its final stage's `CMD` / `ENTRYPOINT`, `ENV`
//! with several keys, `ARG` defaults, `WORKDIR`, `RUN` lines that are build steps, `HEALTHCHECK`;
//! builder stages' environment never reaches the app) and the scripts it runs, followed through
//! its `COPY` lines from container paths back to the project's files. An entrypoint script's
//! commands before its final `exec` are release tasks; the final command is the process; other
//! scripts copied into the image and ending in a server or worker are processes too (a Compose
//! service runs them).
//!
//! It may call [`super::script`], [`super::commands`] and the project's files; it adds facts to
//! the evidence and decides nothing.

use super::commands::{Role, classify};
use super::evidence::{Command, EnvValue, Evidence, Origin};
use super::scan::Project;
use super::script;
use crate::draft::Source;

/// One instruction of a Dockerfile, continuation lines joined.
#[derive(Debug, Clone)]
struct Instruction {
    line: usize,
    keyword: String,
    args: String,
}

fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut pending: Option<Instruction> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(mut p) = pending.take() {
            if line.starts_with('#') {
                pending = Some(p);
                continue;
            }
            let (part, more) = match line.strip_suffix('\\') {
                Some(x) => (x, true),
                None => (line, false),
            };
            p.args.push(' ');
            p.args.push_str(part.trim());
            if more {
                pending = Some(p);
            } else {
                out.push(p);
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kw, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let (rest, more) = match rest.trim().strip_suffix('\\') {
            Some(x) => (x.trim().to_string(), true),
            None => (rest.trim().to_string(), false),
        };
        let ins = Instruction {
            line: i + 1,
            keyword: kw.to_ascii_uppercase(),
            args: rest,
        };
        if more {
            pending = Some(ins);
        } else {
            out.push(ins);
        }
    }
    out.extend(pending);
    out
}

/// `$NAME` / `${NAME}` replaced by the build argument's (or ENV's) latest value; unknown ones
/// stay.
fn expand(text: &str, vars: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (k, v) in vars.iter().rev() {
        out = out.replace(&format!("${{{k}}}"), v);
        // `$NAME` only where the name ends.
        let needle = format!("${k}");
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(i) = rest.find(&needle) {
            let after = &rest[i + needle.len()..];
            result.push_str(&rest[..i]);
            if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                result.push_str(&needle);
            } else {
                result.push_str(v);
            }
            rest = after;
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// The exec form (`["a", "b"]`) or the shell form of `CMD` / `ENTRYPOINT` / `RUN`, as words.
fn command_words(args: &str) -> (Vec<String>, bool) {
    let t = args.trim();
    if t.starts_with('[')
        && let Ok(v) = serde_json::from_str::<Vec<String>>(t)
    {
        return (v, true);
    }
    (crate::shell::words(t), false)
}

/// A build stage: its name and where its files came from (container path → project path).
#[derive(Debug, Default, Clone)]
struct Stage {
    name: String,
    workdir: String,
    /// (container path, project path) from `COPY`, newest last.
    copies: Vec<(String, String)>,
}

impl Stage {
    /// The project path of a container path, through the stage's copies (`/opt/app/x.sh` →
    /// `x.sh` after `COPY . /opt/app`).
    fn project_path(&self, container: &str) -> Option<String> {
        let abs = absolute(&self.workdir, container);
        for (c, p) in self.copies.iter().rev() {
            if abs == *c {
                return Some(p.clone());
            }
            if let Some(rest) = abs.strip_prefix(&format!("{}/", c.trim_end_matches('/'))) {
                return Some(join(p, rest));
            }
        }
        // A directory whose contents were copied piece by piece (`COPY ./backend/app
        // /app/backend/app`): the project directory they all come from.
        let mut parents = self.copies.iter().filter_map(|(c, p)| {
            let rest = c.strip_prefix(&format!("{}/", abs.trim_end_matches('/')))?;
            p.strip_suffix(rest)
                .map(|d| d.trim_end_matches('/').to_string())
        });
        let first = parents.next()?;
        parents.all(|p| p == first).then_some(first)
    }
}

/// A project path `path` as seen from the project directory `dir` (`None` when it lies
/// outside it).
fn relative_to(dir: &str, path: &str) -> Option<String> {
    if dir.is_empty() {
        return Some(path.to_string());
    }
    path.strip_prefix(&format!("{dir}/")).map(str::to_string)
}

/// The project's file a container path maps to. A build argument without a default in it
/// (`COPY ./docker/${SCENARIO}/ /opt/scenario/`) picks one of several directories: the only one
/// holding the file, else the one named `production` / `prod`.
fn chosen_variant(project: &Project, path: &str) -> Option<String> {
    if project.has(path) {
        return Some(path.to_string());
    }
    let start = path.find("${")?;
    let end = start + path[start..].find('}')?;
    let (prefix, suffix) = (&path[..start], &path[end + 1..]);
    let candidates: Vec<(&str, &String)> = project
        .names
        .iter()
        .filter_map(|n| {
            let middle = n.strip_prefix(prefix)?.strip_suffix(suffix)?;
            (!middle.is_empty() && !middle.contains('/')).then_some((middle, n))
        })
        .collect();
    match candidates.as_slice() {
        [(_, only)] => Some((*only).clone()),
        _ => candidates
            .iter()
            .find(|(m, _)| ["production", "prod"].contains(m))
            .map(|(_, n)| (*n).clone()),
    }
}

/// `path` made absolute against `dir` (container paths).
fn absolute(dir: &str, path: &str) -> String {
    let p = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", dir.trim_end_matches('/'), path)
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A project path joined with a relative rest (`""` is the project's root).
fn join(base: &str, rest: &str) -> String {
    let rest = rest.trim_matches('/');
    match (base.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (false, true) => base.to_string(),
        (false, false) => format!("{base}/{rest}"),
    }
}

/// Normalize a project path written relative to the build context (`./backend/` → `backend`).
fn project_rel(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// How a Dockerfile's path ranks as the production image (higher is better).
fn rank(path: &str) -> i32 {
    let lower = path.to_ascii_lowercase();
    let mut r = 0;
    for bad in [
        "dev", "test", "demo", "ci/", "local", "debug", "example", "docs",
    ] {
        if lower.contains(bad) {
            r -= 10;
        }
    }
    for good in ["prod", "release", "deploy"] {
        if lower.contains(good) {
            r += 5;
        }
    }
    // The image that is shipped (`dist.dockerfile`, `release.Dockerfile`) over the one that
    // only builds for it (`builder.dockerfile`).
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    let stem = base
        .trim_end_matches(".dockerfile")
        .trim_start_matches("dockerfile.");
    if stem == "dist" {
        r += 5;
    }
    if stem.contains("builder") {
        r -= 5;
    }
    r - path.matches('/').count() as i32
}

/// Whether a Dockerfile runs something: an image without `CMD` or `ENTRYPOINT` only builds
/// for another one.
fn runs_something(text: &str) -> bool {
    instructions(text)
        .iter()
        .any(|i| i.keyword == "CMD" || i.keyword == "ENTRYPOINT")
}

/// Whether a project file is a Dockerfile.
pub(super) fn is_dockerfile(rel: &str) -> bool {
    let base = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    base == "dockerfile"
        || base == "containerfile"
        || base.starts_with("dockerfile.")
        || base.ends_with(".dockerfile")
}

/// Read the production Dockerfile of the project (the best-ranked one) and what it runs.
pub(super) fn read(project: &Project, ev: &mut Evidence, scripts: &[String]) {
    let mut files: Vec<&String> = project.names.iter().filter(|n| is_dockerfile(n)).collect();
    files.sort_by_key(|f| {
        let runs = project.read(f).is_some_and(|t| runs_something(&t));
        (!runs, -rank(f), (*f).clone())
    });
    let Some(file) = files.first() else { return };
    for other in files.iter().skip(1) {
        ev.unread.push((
            Source::new(other, 0),
            format!("another Dockerfile; {file} is taken for the production image"),
        ));
    }
    let Some(text) = project.read(file) else {
        return;
    };
    Dockerfile {
        project,
        ev,
        file,
        scripts,
    }
    .read(&text);
}

struct Dockerfile<'a> {
    project: &'a Project,
    ev: &'a mut Evidence,
    file: &'a str,
    scripts: &'a [String],
}

impl Dockerfile<'_> {
    fn read(&mut self, text: &str) {
        let all = instructions(text);
        let finals = all.iter().rposition(|i| i.keyword == "FROM").unwrap_or(0);
        let mut stages: Vec<Stage> = Vec::new();
        let mut args: Vec<(String, String)> = Vec::new();
        let mut entrypoint: Option<(Vec<String>, usize)> = None;
        let mut cmd: Option<(Vec<String>, usize)> = None;
        for (idx, ins) in all.iter().enumerate() {
            let last = idx >= finals;
            // `${DOCKER_DIR}/entrypoint.sh`: build arguments and earlier ENV values expand.
            let expanded;
            let ins = if ins.args.contains('$') && ins.keyword != "RUN" {
                expanded = Instruction {
                    args: expand(&ins.args, &args),
                    ..ins.clone()
                };
                &expanded
            } else {
                ins
            };
            match ins.keyword.as_str() {
                "FROM" => {
                    let words: Vec<&str> = ins.args.split_whitespace().collect();
                    let name = words
                        .iter()
                        .position(|w| w.eq_ignore_ascii_case("as"))
                        .and_then(|i| words.get(i + 1))
                        .unwrap_or(&"")
                        .to_string();
                    // `FROM builder`: a stage built on an earlier one keeps its files.
                    let base = words
                        .first()
                        .and_then(|b| stages.iter().find(|s| s.name == *b))
                        .cloned();
                    let mut s = base.unwrap_or_default();
                    s.name = name;
                    stages.push(s);
                    entrypoint = None;
                    cmd = None;
                }
                "WORKDIR" => {
                    if let Some(s) = stages.last_mut() {
                        s.workdir = absolute(&s.workdir, ins.args.trim().trim_matches('"'));
                    }
                }
                "COPY" | "ADD" => self.copy(&mut stages, &ins.args, ins.line),
                "ARG" => {
                    for w in crate::shell::words(&ins.args) {
                        if let Some((k, v)) = w.split_once('=') {
                            args.push((k.to_string(), v.to_string()));
                        }
                    }
                }
                "ENV" => {
                    for w in crate::shell::words(&ins.args) {
                        if let Some((k, v)) = w.split_once('=') {
                            args.push((k.to_string(), v.to_string()));
                        }
                    }
                    if last {
                        self.env(ins);
                    }
                }
                "RUN" => self.run(ins, last, stages.last().cloned().unwrap_or_default()),
                "CMD" if last => cmd = Some((command_words(&ins.args).0, ins.line)),
                "ENTRYPOINT" if last => entrypoint = Some((command_words(&ins.args).0, ins.line)),
                "HEALTHCHECK" if last => {
                    self.healthcheck(ins, stages.last().cloned().unwrap_or_default())
                }
                _ => {}
            }
        }
        let stage = stages.last().cloned().unwrap_or_default();
        if let Some(root) = stage.project_path(&stage.workdir) {
            self.ev.roots.push((root, Source::new(self.file, 0)));
        }
        self.main(&stage, entrypoint, cmd);
        self.copied_scripts(&stage);
    }

    /// `COPY [--from=stage] SRC… DEST`: where the project's files land in the container.
    fn copy(&mut self, stages: &mut [Stage], args: &str, line: usize) {
        let words = crate::shell::words(args);
        let from = words
            .iter()
            .find_map(|w| w.strip_prefix("--from="))
            .map(str::to_string);
        let paths: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
        let Some((dest, srcs)) = paths.split_last() else {
            return;
        };
        let earlier: Option<Stage> = from
            .as_ref()
            .and_then(|f| stages.iter().find(|s| s.name == *f).cloned());
        let Some(stage) = stages.last_mut() else {
            return;
        };
        let dest_abs = absolute(&stage.workdir, dest);
        if earlier.is_some() {
            self.ev
                .stage_copies
                .push((dest_abs.clone(), Source::new(self.file, line)));
        }
        let to_dir =
            dest.ends_with('/') || srcs.len() > 1 || *dest == "." || stage.workdir == dest_abs;
        for src in srcs {
            let project = match (&from, &earlier) {
                (Some(_), Some(e)) => match e.project_path(src) {
                    Some(p) => p,
                    None => continue,
                },
                (Some(_), None) => continue, // another image
                (None, _) => project_rel(src),
            };
            let src_is_dir = src.ends_with('/') || *src == "." || self.project.is_dir(&project);
            let container = if to_dir && !src_is_dir {
                format!(
                    "{}/{}",
                    dest_abs.trim_end_matches('/'),
                    project.rsplit('/').next().unwrap_or(&project)
                )
            } else {
                dest_abs.clone()
            };
            stage.copies.push((container, project));
        }
    }

    fn env(&mut self, ins: &Instruction) {
        let words = crate::shell::words(&ins.args);
        let pairs: Vec<(String, String)> = if words.first().is_some_and(|w| w.contains('=')) {
            words
                .iter()
                .filter_map(|w| {
                    w.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect()
        } else if let Some((k, v)) = ins.args.split_once(char::is_whitespace) {
            vec![(k.to_string(), v.trim().trim_matches('"').to_string())]
        } else {
            Vec::new()
        };
        for (name, value) in pairs {
            self.ev.env_values.push(EnvValue {
                source: Source::new(self.file, ins.line),
                name,
                value,
                example: false,
            });
        }
    }

    /// A `RUN` line: its commands are build steps of the image (of the final stage; earlier
    /// stages' steps whose output the final stage copies count too); `--group X` selects a
    /// uv/pip dependency group.
    fn run(&mut self, ins: &Instruction, last: bool, stage: Stage) {
        let (words, exec_form) = command_words(&ins.args);
        // `RUN --mount=…` options precede the command.
        let text = if exec_form {
            words
                .iter()
                .map(|w| crate::shell::quote(w))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            let skip: Vec<&String> = words.iter().take_while(|w| w.starts_with("--")).collect();
            let mut t = ins.args.clone();
            for s in skip {
                t = t.replacen(s.as_str(), "", 1);
            }
            t
        };
        let s = script::read(&text);
        for c in s.commands {
            // `pip install -r FILE`: the requirements the image installs, wherever they are.
            let pip = c
                .words
                .iter()
                .position(|w| w == "install")
                .is_some_and(|i| {
                    c.words[..i]
                        .iter()
                        .any(|w| w.rsplit('/').next().is_some_and(|p| p.starts_with("pip")))
                });
            if pip {
                let dir = absolute(&stage.workdir, &c.cwd);
                for (i, w) in c.words.iter().enumerate() {
                    let file = if w == "-r" || w == "--requirement" {
                        c.words.get(i + 1).cloned()
                    } else {
                        w.strip_prefix("--requirement=")
                            .or_else(|| w.strip_prefix("-r").filter(|f| !f.is_empty()))
                            .map(str::to_string)
                    };
                    if let Some(f) = file
                        && let Some(p) = stage.project_path(&absolute(&dir, &f))
                        && self.project.has(&p)
                    {
                        self.ev
                            .requirement_files
                            .push((p, Source::new(self.file, ins.line)));
                    }
                }
            }
            for (i, w) in c.words.iter().enumerate() {
                if w == "--all-extras" {
                    // `uv sync --all-extras`, `uv export --all-extras`: every extra of the
                    // project (expanded where the project is read).
                    self.ev
                        .groups
                        .push((w.clone(), Source::new(self.file, ins.line)));
                } else if w == "--group" || w == "--extra" {
                    if let Some(g) = c.words.get(i + 1) {
                        self.ev
                            .groups
                            .push((g.clone(), Source::new(self.file, ins.line)));
                    }
                } else if let Some(g) = w
                    .strip_prefix("--group=")
                    .or_else(|| w.strip_prefix("--extra="))
                {
                    self.ev
                        .groups
                        .push((g.to_string(), Source::new(self.file, ins.line)));
                }
            }
            if !last {
                continue;
            }
            let cwd = stage
                .project_path(&absolute(&stage.workdir, &c.cwd))
                .unwrap_or_default();
            // A file or directory of the project named by the container path it was copied
            // to (`python /srv/app/manage.py collectstatic`, `pybabel compile -d
            // /app/pkg/translations`) is named from where the step runs here: the build has no
            // such path. Other absolute paths (a virtualenv's, the system's) stay.
            let argv = c
                .words
                .iter()
                .map(|w| {
                    w.starts_with('/')
                        .then(|| stage.project_path(w))
                        .flatten()
                        .filter(|p| self.project.has(p) || self.project.is_dir(p))
                        .and_then(|p| {
                            if p == cwd {
                                Some(".".to_string())
                            } else {
                                relative_to(&cwd, &p)
                            }
                        })
                        .unwrap_or_else(|| w.clone())
                })
                .collect();
            self.ev.commands.push(Command {
                source: Source::new(self.file, ins.line),
                origin: Origin::ImageBuild,
                argv,
                env: c.assigns.clone(),
                cwd,
                conditional: None,
            });
        }
    }

    fn healthcheck(&mut self, ins: &Instruction, stage: Stage) {
        let body = ins.args.split_once("CMD").map(|(_, b)| b).unwrap_or("");
        let (words, _) = command_words(body);
        let source = Source::new(self.file, ins.line);
        for w in &words {
            if let Some(path) = url_path(w) {
                self.ev.health.push((path, source));
                return;
            }
        }
        // `CMD ./probe.py`: a path in the probe the image copied in.
        if let Some(first) = words.first()
            && let Some(file) = stage.project_path(first)
            && let Some(t) = self.project.read(&file)
            && let Some(path) = probe_path(&t)
        {
            self.ev.health.push((path, Source::new(&file, 0)));
        }
    }

    /// The container's command: `ENTRYPOINT` + `CMD` as Docker joins them, followed into the
    /// script it names.
    fn main(
        &mut self,
        stage: &Stage,
        entrypoint: Option<(Vec<String>, usize)>,
        cmd: Option<(Vec<String>, usize)>,
    ) {
        let (first, line) = match (&entrypoint, &cmd) {
            (Some((e, l)), _) => (e.clone(), *l),
            (None, Some((c, l))) => (c.clone(), *l),
            (None, None) => return,
        };
        let cmd_words = cmd.as_ref().map(|(c, _)| c.clone()).unwrap_or_default();
        let source = Source::new(self.file, line);
        // `ENTRYPOINT ["/entrypoint.sh"]` (+ CMD as its arguments) or `CMD ["./start.sh"]`.
        let program = first.iter().find(|w| {
            !["sh", "bash", "/bin/sh", "/bin/bash", "-c", "tini", "--"].contains(&w.as_str())
        });
        if let Some(p) = program
            && let Some(file) = stage
                .project_path(p)
                .and_then(|f| chosen_variant(self.project, &f))
            && is_script(self.project, &file)
        {
            let handed = if entrypoint.is_some() {
                cmd_words
            } else {
                Vec::new()
            };
            self.entry_script(&file, stage, handed, source);
            return;
        }
        let script_entry = program.is_some_and(|p| p.ends_with(".sh"));
        let mut argv = first;
        if entrypoint.is_some() {
            // An entrypoint script the project does not hold as named (copied from a directory
            // no build argument picks, or from a base image) hands its `CMD` on, as entrypoint
            // scripts do (`exec "$@"`): the `CMD` is the command.
            if script_entry && !cmd_words.is_empty() {
                argv.clear();
            }
            argv.extend(cmd_words);
        }
        let cwd = stage.project_path(&stage.workdir).unwrap_or_default();
        self.ev.commands.push(Command {
            source,
            origin: Origin::ContainerMain,
            argv,
            env: Vec::new(),
            cwd,
            conditional: None,
        });
    }

    /// The script a container starts with: its commands before the final one are release tasks
    /// (or build steps), its final command (or the `CMD` it `exec "$@"`s) the process.
    fn entry_script(&mut self, file: &str, stage: &Stage, handed: Vec<String>, from: Source) {
        let Some(text) = self.project.read(file) else {
            return;
        };
        let s = script::read(&text);
        self.ev.script_vars.extend(s.vars.iter().cloned());
        let last = s.final_command().or_else(|| {
            s.commands
                .iter()
                .rposition(|c| matches!(classify(&c.words, self.scripts), Role::Server(_)))
        });
        for (k, v, l) in &s.exports {
            self.ev.env_values.push(EnvValue {
                source: Source::new(file, *l),
                name: k.clone(),
                value: v.clone(),
                example: false,
            });
        }
        let base_cwd = stage.project_path(&stage.workdir).unwrap_or_default();
        for (i, c) in s.commands.iter().enumerate() {
            let mut argv = c.words.clone();
            let is_main = Some(i) == last;
            if is_main && argv.iter().any(|w| w == "$@") {
                argv = handed.clone();
                if argv.is_empty() {
                    continue;
                }
            }
            let cwd = if c.cwd.is_empty() {
                base_cwd.clone()
            } else {
                stage
                    .project_path(&absolute(&stage.workdir, &c.cwd))
                    .unwrap_or_else(|| base_cwd.clone())
            };
            // Another `exec` (a `case "$1"` branch or a function the container's argument
            // selects: `server`, `worker`, `scheduler`) ends the script too: a server, worker or
            // scheduler there is one of the image's long-running roles, not a step before its
            // main command.
            let alternative = c.exec
                && matches!(
                    classify(&argv, self.scripts),
                    Role::Server(_) | Role::Worker(_) | Role::Scheduler(_)
                );
            let origin = if is_main || alternative {
                Origin::ContainerMain
            } else if i > last.unwrap_or(usize::MAX) {
                continue;
            } else {
                Origin::BeforeStart
            };
            // A server in a branch the image does not take by default is still its server; a
            // development server beside it is not (the classification drops it).
            self.ev.commands.push(Command {
                source: Source::new(file, c.line),
                origin,
                argv,
                env: c.assigns.clone(),
                cwd,
                conditional: c.condition.clone().filter(|_| !is_main),
            });
        }
        if last.is_none() && !handed.is_empty() {
            self.ev.commands.push(Command {
                source: from,
                origin: Origin::ContainerMain,
                argv: handed,
                env: Vec::new(),
                cwd: base_cwd,
                conditional: None,
            });
        }
    }

    /// Scripts the image copies in besides its entrypoint (`/start-worker`, `/start-beat`):
    /// a Compose service runs them, so one ending in a server, worker or scheduler is a process.
    fn copied_scripts(&mut self, stage: &Stage) {
        let seen: Vec<String> = self
            .ev
            .commands
            .iter()
            .map(|c| c.source.file.clone())
            .collect();
        for (_, project) in &stage.copies {
            let files: Vec<String> = if self.project.is_dir(project) {
                Vec::new()
            } else {
                vec![project.clone()]
            };
            for f in files {
                if seen.contains(&f) || !is_script(self.project, &f) {
                    continue;
                }
                let Some(text) = self.project.read(&f) else {
                    continue;
                };
                let s = script::read(&text);
                let Some(last) = s.final_command().or(s.commands.len().checked_sub(1)) else {
                    continue;
                };
                let c = &s.commands[last];
                if matches!(
                    classify(&c.words, self.scripts),
                    Role::Server(_) | Role::Worker(_) | Role::Scheduler(_)
                ) {
                    self.ev.commands.push(Command {
                        source: Source::new(&f, c.line),
                        origin: Origin::ContainerMain,
                        argv: c.words.clone(),
                        env: c.assigns.clone(),
                        cwd: stage.project_path(&stage.workdir).unwrap_or_default(),
                        conditional: None,
                    });
                }
            }
        }
    }
}

/// A shell script of the project: `*.sh`, or a file starting with a shell's `#!`.
pub(super) fn is_script(project: &Project, rel: &str) -> bool {
    if rel.ends_with(".sh") {
        return true;
    }
    if rel.ends_with(".py") {
        return false;
    }
    project
        .read(rel)
        .is_some_and(|t| t.starts_with("#!") && t.lines().next().is_some_and(|l| l.contains("sh")))
}

/// The path of an `http://host:port/path` URL.
pub(super) fn url_path(w: &str) -> Option<String> {
    let rest = w
        .strip_prefix("http://")
        .or_else(|| w.strip_prefix("https://"))?;
    let path = rest.find('/').map(|i| &rest[i..])?;
    let path = path.split(['?', '#', '"', '\'']).next().unwrap_or(path);
    (path.len() > 1).then(|| path.to_string())
}

/// A health path in a probe script: the first quoted string that is a URL path naming a
/// health, status or ping endpoint.
fn probe_path(text: &str) -> Option<String> {
    for part in text.split(['"', '\'']) {
        let p = url_path(part).unwrap_or_else(|| part.to_string());
        if p.starts_with('/')
            && !p.contains(char::is_whitespace)
            && ["health", "status", "ping", "live", "ready"]
                .iter()
                .any(|h| p.contains(h))
        {
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths_map_back_to_the_project() {
        let mut s = Stage {
            workdir: "/opt/app".into(),
            ..Stage::default()
        };
        s.copies.push(("/opt/app".into(), String::new()));
        s.copies
            .push(("/opt/app/fetch.py".into(), "docker/fetch.py".into()));
        assert_eq!(
            s.project_path("/opt/app/docker/uwsgi.ini").as_deref(),
            Some("docker/uwsgi.ini")
        );
        assert_eq!(
            s.project_path("./fetch.py").as_deref(),
            Some("docker/fetch.py")
        );
        assert_eq!(s.project_path("/opt/app").as_deref(), Some(""));
        assert_eq!(s.project_path("/etc/x"), None);
        let mut pieces = Stage {
            workdir: "/app".into(),
            ..Stage::default()
        };
        pieces
            .copies
            .push(("/app/backend/scripts".into(), "backend/scripts".into()));
        pieces
            .copies
            .push(("/app/backend/app".into(), "backend/app".into()));
        assert_eq!(
            pieces.project_path("/app/backend/").as_deref(),
            Some("backend")
        );
    }

    #[test]
    fn paths_of_urls_and_probes() {
        assert_eq!(
            url_path("http://localhost:8000/api/health/").as_deref(),
            Some("/api/health/")
        );
        assert_eq!(url_path("http://localhost:8000"), None);
        assert_eq!(
            probe_path("url = SITE_ROOT + \"/api/v3/status/\"").as_deref(),
            Some("/api/v3/status/")
        );
    }

    #[test]
    fn production_dockerfiles_rank_first() {
        let mut v = [
            "docker/dev/Dockerfile",
            "extras/docker/production/Dockerfile",
            "extras/docker/demo/Dockerfile",
        ];
        v.sort_by_key(|f| -rank(f));
        assert_eq!(v[0], "extras/docker/production/Dockerfile");
    }
}
