//! Compose files: services recognised by image (PostgreSQL, MySQL/MariaDB, Redis/Valkey become
//! local services; proxies, admin tools and one-shot containers are reported, not run), the
//! app's services' commands, environment and health checks. `${VAR:-default}` is resolved
//! against the `.env` beside the file, `include:` and `extends` are followed, YAML merge keys
//! (`<<: *defaults`) merged. Development overrides (`compose.override.yml`, `*dev*`) give hints,
//! never production values.
//!
//! It may call import's YAML reader, [`super::script`] and the project's files; it adds facts to
//! the evidence and decides nothing.

use std::collections::BTreeMap;

use super::container::url_path;
use super::evidence::{Command, EnvValue, Evidence, Origin, Service};
use super::scan::Project;
use super::script;
use crate::draft::Source;
use crate::import::parse::{Yaml, yaml};

/// Images of local services app2nix runs itself.
const SERVICES: &[(&str, Service)] = &[
    ("postgres", Service::Postgresql),
    ("postgis", Service::Postgresql),
    ("timescale", Service::Postgresql),
    ("mariadb", Service::Mysql),
    ("mysql", Service::Mysql),
    ("percona", Service::Mysql),
    ("redis", Service::Redis),
    ("valkey", Service::Redis),
    ("keydb", Service::Redis),
    ("dragonfly", Service::Redis),
];

/// Images that are not part of the app: the proxy nginx replaces, tools for administrators and
/// developers.
const NOT_THE_APP: &[&str] = &[
    "traefik",
    "nginx",
    "caddy",
    "haproxy",
    "envoy",
    "adminer",
    "pgadmin",
    "phpmyadmin",
    "mailpit",
    "mailhog",
    "mailcatcher",
    "maildev",
    "flower",
    "alpine",
    "busybox",
    "playwright",
    "selenium",
    "localstack",
    "minio",
    "elasticsearch",
    "opensearch",
    "memcached",
    "rabbitmq",
    "prometheus",
    "grafana",
    "node",
    "certbot",
];

/// Whether a Compose file is one (by its name).
pub(super) fn is_compose(rel: &str) -> bool {
    let base = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    (base.starts_with("docker-compose") || base.starts_with("compose"))
        && (base.ends_with(".yml") || base.ends_with(".yaml"))
}

/// A development or test file: its values are hints only.
pub(super) fn is_example(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    ["override", "dev", "test", "local", "example", "ci."]
        .iter()
        .any(|w| lower.contains(w))
}

/// Read every Compose file of the project.
pub(super) fn read(project: &Project, ev: &mut Evidence) {
    let files: Vec<String> = project
        .names
        .iter()
        .filter(|n| is_compose(n))
        .cloned()
        .collect();
    for f in files {
        let Some(text) = project.read(&f) else {
            continue;
        };
        let Ok(doc) = yaml(&text) else {
            ev.unread.push((
                Source::new(&f, 0),
                "a Compose file that is not valid YAML".into(),
            ));
            continue;
        };
        let dir = f
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        let dotenv = dotenv(project, &dir);
        Reader {
            project,
            ev,
            file: &f,
            dir: &dir,
            dotenv: &dotenv,
            example: is_example(&f),
        }
        .file(&doc, 0);
    }
}

/// The `.env` beside a Compose file: the values `${VAR}` resolves to.
fn dotenv(project: &Project, dir: &str) -> BTreeMap<String, String> {
    let path = if dir.is_empty() {
        ".env".to_string()
    } else {
        format!("{dir}/.env")
    };
    let mut out = BTreeMap::new();
    if let Some(t) = project.read(&path) {
        for e in crate::import::parse::dotenv(&t) {
            out.insert(e.key, e.value);
        }
    }
    out
}

struct Reader<'a> {
    project: &'a Project,
    ev: &'a mut Evidence,
    file: &'a str,
    dir: &'a str,
    dotenv: &'a BTreeMap<String, String>,
    example: bool,
}

impl Reader<'_> {
    fn file(&mut self, doc: &Yaml, depth: usize) {
        if let Some(Yaml::Seq(items, _)) = doc.get("include")
            && depth < 4
        {
            for i in items {
                let path = i
                    .str()
                    .map(str::to_string)
                    .or_else(|| i.get("path").and_then(Yaml::str).map(str::to_string));
                if let Some(p) = path {
                    let rel = join(self.dir, &p);
                    if let Some(t) = self.project.read(&rel)
                        && let Ok(d) = yaml(&t)
                    {
                        Reader {
                            project: self.project,
                            ev: self.ev,
                            file: &rel,
                            dir: self.dir,
                            dotenv: self.dotenv,
                            example: self.example || is_example(&rel),
                        }
                        .file(&d, depth + 1);
                    }
                }
            }
        }
        let Some(Yaml::Map(services, _)) = doc.get("services") else {
            return;
        };
        for (name, def) in services {
            let def = merged(def);
            let def = self.extended(&def, doc, 0);
            self.service(name, &def);
        }
    }

    /// `extends: { file, service }` or `extends: service`: the base's keys under the service's.
    fn extended(&self, def: &Yaml, doc: &Yaml, depth: usize) -> Yaml {
        let Some(ext) = def.get("extends") else {
            return def.clone();
        };
        if depth > 4 {
            return def.clone();
        }
        let (file, service) = match ext {
            Yaml::Scalar(s, _) => (None, s.clone()),
            other => (
                other.get("file").and_then(Yaml::str).map(str::to_string),
                other
                    .get("service")
                    .and_then(Yaml::str)
                    .unwrap_or("")
                    .to_string(),
            ),
        };
        let base_doc = match &file {
            Some(f) => self
                .project
                .read(&join(self.dir, f))
                .and_then(|t| yaml(&t).ok()),
            None => Some(doc.clone()),
        };
        let Some(base) = base_doc
            .as_ref()
            .and_then(|d| d.get("services"))
            .and_then(|s| s.get(&service))
        else {
            return def.clone();
        };
        let base = self.extended(&merged(base), base_doc.as_ref().unwrap_or(doc), depth + 1);
        overlay(&base, def)
    }

    fn service(&mut self, name: &str, def: &Yaml) {
        let line = def.line();
        let source = Source::new(self.file, line);
        let image = def
            .get("image")
            .and_then(Yaml::str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let image_name = image
            .rsplit('/')
            .next()
            .unwrap_or(&image)
            .split([':', '@'])
            .next()
            .unwrap_or("")
            .to_string();
        if let Some((_, s)) = SERVICES.iter().find(|(i, _)| image_name.starts_with(i)) {
            self.ev.services.push((
                *s,
                source,
                format!("the Compose service `{name}` runs the image `{image}`"),
            ));
            return;
        }
        let built = def.get("build").is_some();
        if !built && NOT_THE_APP.iter().any(|i| image_name.starts_with(i)) {
            self.ev.unread.push((source, format!("the Compose service `{name}` (`{image}`) is a proxy or a tool, not part of the app: nginx and the module cover it")));
            return;
        }
        // The app's services are built from the project (or run its image); another image is
        // someone else's program.
        let app_image = image_name.is_empty()
            || image.contains('$')
            || [
                "app",
                "web",
                "backend",
                "api",
                "server",
                "worker",
                "celery",
                "beat",
                "scheduler",
            ]
            .iter()
            .any(|n| name == *n || image_name == *n);
        if !built && !app_image {
            self.ev.unread.push((source, format!("the Compose service `{name}` runs the image `{image}`, not the app: not deployed")));
            return;
        }
        self.environment(def);
        if let Some(hc) = def.get("healthcheck").and_then(|h| h.get("test")) {
            let words: Vec<String> = match hc {
                Yaml::Seq(items, _) => items
                    .iter()
                    .filter_map(Yaml::str)
                    .map(str::to_string)
                    .collect(),
                Yaml::Scalar(s, _) => crate::shell::words(s),
                _ => Vec::new(),
            };
            if let Some(p) = words
                .iter()
                .find_map(|w| crate::shell::words(w).iter().find_map(|x| url_path(x)))
            {
                self.ev.health.push((p, Source::new(self.file, hc.line())));
            }
        }
        let one_shot = def
            .get("restart")
            .and_then(Yaml::str)
            .is_some_and(|r| r == "no")
            || def.get("profiles").is_some();
        let Some(cmd) = def.get("command").or_else(|| def.get("entrypoint")) else {
            return;
        };
        let text = match cmd {
            Yaml::Seq(items, _) => items
                .iter()
                .filter_map(Yaml::str)
                .map(crate::shell::quote)
                .collect::<Vec<_>>()
                .join(" "),
            Yaml::Scalar(s, _) => s.clone(),
            _ => return,
        };
        let text = self.interpolate(&text);
        // `bash -c '…; server'`: the script inside.
        let words = crate::shell::words(&text);
        let inner = match words.iter().position(|w| w == "-c") {
            Some(i) if words.first().is_some_and(|p| p.ends_with("sh")) => {
                words.get(i + 1).cloned().unwrap_or_default()
            }
            _ => text.clone(),
        };
        let s = script::read(&inner);
        let n = s.commands.len();
        for (i, c) in s.commands.into_iter().enumerate() {
            let origin = if self.example {
                Origin::ComposeService(format!("{name} (development)"))
            } else if one_shot {
                Origin::ReleaseScript
            } else if i + 1 == n {
                Origin::ComposeService(name.to_string())
            } else {
                Origin::BeforeStart
            };
            self.ev.commands.push(Command {
                source: Source::new(self.file, cmd.line()),
                origin,
                argv: c.words,
                env: c.assigns,
                cwd: c.cwd,
                conditional: None,
            });
        }
    }

    fn environment(&mut self, def: &Yaml) {
        match def.get("environment") {
            Some(Yaml::Map(items, _)) => {
                for (k, v) in items {
                    let value = v.str().map(|s| self.interpolate(s)).unwrap_or_default();
                    self.push(k, value, v.line());
                }
            }
            Some(Yaml::Seq(items, _)) => {
                for i in items {
                    if let Some(s) = i.str() {
                        let (k, v) = s.split_once('=').unwrap_or((s, ""));
                        let value = self.interpolate(v);
                        self.push(k, value, i.line());
                    }
                }
            }
            _ => {}
        }
        let files: Vec<String> = match def.get("env_file") {
            Some(Yaml::Scalar(s, _)) => vec![s.clone()],
            Some(Yaml::Seq(items, _)) => items
                .iter()
                .filter_map(|i| {
                    i.str()
                        .map(str::to_string)
                        .or_else(|| i.get("path").and_then(Yaml::str).map(str::to_string))
                })
                .collect(),
            _ => Vec::new(),
        };
        for f in files {
            let rel = join(self.dir, &f);
            // The file itself is often not committed: its example is.
            for candidate in [
                rel.clone(),
                format!("{rel}.example"),
                format!("{rel}.sample"),
            ] {
                if let Some(t) = self.project.read(&candidate) {
                    for e in crate::import::parse::dotenv(&t) {
                        self.ev.env_values.push(EnvValue {
                            source: Source::new(&candidate, e.line),
                            name: e.key,
                            value: e.value,
                            example: true,
                        });
                    }
                    break;
                }
            }
        }
    }

    fn push(&mut self, name: &str, value: String, line: usize) {
        self.ev.env_values.push(EnvValue {
            source: Source::new(self.file, line),
            name: name.to_string(),
            value,
            example: self.example,
        });
    }

    /// `${VAR:-d}` → the `.env` value or `d`; `${VAR}` / `$VAR` → the `.env` value or empty;
    /// `${VAR:?msg}` (required, no value here) → `$VAR`.
    fn interpolate(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let tail = &rest[i + 1..];
            if let Some(t) = tail.strip_prefix('$') {
                out.push('$');
                rest = t;
                continue;
            }
            if let Some(body) = tail.strip_prefix('{')
                && let Some(end) = body.find('}')
            {
                let inner = &body[..end];
                let n = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, op) = inner.split_at(n);
                let known = self.dotenv.get(name).filter(|v| !v.is_empty());
                let v = if op.starts_with(":?") || op.starts_with('?') {
                    known.cloned().unwrap_or_else(|| format!("${name}"))
                } else if let Some(d) = op.strip_prefix(":-").or_else(|| op.strip_prefix('-')) {
                    known.cloned().unwrap_or_else(|| d.to_string())
                } else {
                    known.cloned().unwrap_or_default()
                };
                out.push_str(&v);
                rest = &body[end + 1..];
                continue;
            }
            let name: String = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push_str(self.dotenv.get(&name).map(String::as_str).unwrap_or(""));
            rest = &tail[name.len()..];
        }
        out.push_str(rest);
        out
    }
}

/// A mapping with its YAML merge keys (`<<: *base`, `<<: [*a, *b]`) merged under its own keys.
fn merged(def: &Yaml) -> Yaml {
    let Yaml::Map(items, line) = def else {
        return def.clone();
    };
    let mut out: Vec<(String, Yaml)> = Vec::new();
    for (k, v) in items {
        if k == "<<" {
            let bases: Vec<&Yaml> = match v {
                Yaml::Seq(xs, _) => xs.iter().collect(),
                other => vec![other],
            };
            for b in bases {
                if let Yaml::Map(bi, _) = merged(b) {
                    for (bk, bv) in bi {
                        if !items.iter().any(|(k2, _)| *k2 == bk)
                            && !out.iter().any(|(k2, _)| *k2 == bk)
                        {
                            out.push((bk, bv));
                        }
                    }
                }
            }
        } else {
            out.push((k.clone(), v.clone()));
        }
    }
    Yaml::Map(out, *line)
}

/// `over`'s keys on top of `base`'s.
fn overlay(base: &Yaml, over: &Yaml) -> Yaml {
    let (Yaml::Map(b, _), Yaml::Map(o, line)) = (base, over) else {
        return over.clone();
    };
    let mut out: Vec<(String, Yaml)> = b
        .iter()
        .filter(|(k, _)| !o.iter().any(|(k2, _)| k2 == k))
        .cloned()
        .collect();
    out.extend(o.iter().filter(|(k, _)| k != "extends").cloned());
    Yaml::Map(out, *line)
}

fn join(dir: &str, p: &str) -> String {
    let p = p.trim_start_matches("./");
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keys_and_overlays() {
        let doc = yaml(
            "x: &base\n  image: app\n  environment:\n    A: '1'\ns:\n  <<: *base\n  command: run\n",
        )
        .expect("yaml");
        let m = merged(doc.get("s").expect("s"));
        assert_eq!(m.get("image").and_then(Yaml::str), Some("app"));
        assert_eq!(m.get("command").and_then(Yaml::str), Some("run"));
    }
}
