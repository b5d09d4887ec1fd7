//! The deployment's values (`{{domain}}`, `{{state_dir}}`, … see [`crate::placeholders`]) as
//! Nix expressions over the module's options: a value naming them becomes a string with
//! interpolations (`"https://${siteDomain}"`), so changing `services.<app>.sites.<s>.domains`
//! or `stateDir` changes it. The let bindings the expressions use (`siteDomain`,
//! `siteDomains`, `siteOrigins`) are defined only when some value names them.
//!
//! May call: `model` (read only), [`crate::nix`] (the literal text between placeholders).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Listen, Model, Site, Tls};
use crate::nix;
use crate::placeholders::{Name, Part, Text};

/// What `{{source}}` is where a value is used: the built source tree (`appSource`) in the
/// units, the build's own output while it builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// In the units and the configuration files rendered at start.
    Units,
    /// In the build of the source tree.
    Build,
}

/// The sites the deployment's values come from: `main` first, then by name.
pub(super) fn ordered_sites(m: &Model) -> Vec<&Site> {
    let mut sites: Vec<&Site> = m.sites.iter().collect();
    sites.sort_by_key(|s| (s.name != "main", s.name.clone()));
    sites
}

/// A site's domains as the module names them (the canonical ones first: a `www.` alias that
/// redirects is no serving name).
fn domains_of(s: &Site) -> String {
    if s.redirect_www {
        format!("(withoutWww cfg.sites.{}.domains)", nix::attr_name(&s.name))
    } else {
        format!("cfg.sites.{}.domains", nix::attr_name(&s.name))
    }
}

fn scheme(s: &Site) -> &'static str {
    if s.tls == Tls::None { "http" } else { "https" }
}

/// The let bindings the deployment's values need, as Nix (`name = value;` lines, with their
/// comments), for the names `used`.
#[derive(Debug, Serialize, Default)]
pub(super) struct Bindings {
    /// `siteDomain`.
    site_domain: Option<String>,
    /// `siteDomains`.
    site_domains: Option<String>,
    /// `siteOrigins`.
    site_origins: Option<String>,
}

pub(super) fn bindings(m: &Model, used: &BTreeSet<Name>) -> Bindings {
    let sites = ordered_sites(m);
    let Some(first) = sites.first() else {
        return Bindings::default();
    };
    let all =
        |f: &dyn Fn(&Site) -> String| sites.iter().map(|s| f(s)).collect::<Vec<_>>().join(" ++ ");
    Bindings {
        site_domain: (used.contains(&Name::Domain) || used.contains(&Name::Url))
            .then(|| format!("builtins.head {}", domains_of(first))),
        site_domains: used
            .contains(&Name::Domains)
            .then(|| all(&|s| format!("cfg.sites.{}.domains", nix::attr_name(&s.name)))),
        site_origins: used.contains(&Name::Origins).then(|| {
            all(&|s| {
                format!(
                    "map (d: \"{}://${{d}}\") cfg.sites.{}.domains",
                    scheme(s),
                    nix::attr_name(&s.name)
                )
            })
        }),
    }
}

/// How one placeholder is written inside a Nix string: literal text, or an expression.
enum Piece {
    Literal(String),
    Expr(String),
}

/// The pieces of `name` in an environment value (lists joined with `,`).
fn pieces(m: &Model, name: &Name, source: Source, process: Option<&str>) -> Vec<Piece> {
    let process_opt = |attr: &str| {
        format!(
            "cfg.processes.{}.{attr}",
            nix::attr_name(process.unwrap_or_default())
        )
    };
    let tcp = process.is_some_and(|p| {
        m.processes
            .iter()
            .any(|x| x.name == p && matches!(x.listen, Some(Listen::Tcp { .. })))
    });
    match name {
        Name::Domain => vec![Piece::Expr("siteDomain".into())],
        Name::Domains => vec![Piece::Expr("lib.concatStringsSep \",\" siteDomains".into())],
        Name::Url => {
            let scheme = ordered_sites(m).first().map_or("https", |s| scheme(s));
            vec![
                Piece::Literal(format!("{scheme}://")),
                Piece::Expr("siteDomain".into()),
            ]
        }
        Name::Origins => vec![Piece::Expr("lib.concatStringsSep \",\" siteOrigins".into())],
        Name::StateDir => vec![Piece::Expr("cfg.stateDir".into())],
        Name::LogsDir => vec![Piece::Literal(m.logs_dir())],
        Name::RuntimeDir => vec![Piece::Literal(runtime_dir(m))],
        Name::Source => vec![Piece::Expr(source_expr(source).into())],
        Name::Host => vec![Piece::Expr(process_opt("address"))],
        Name::Port => vec![Piece::Expr(format!("toString {}", process_opt("port")))],
        Name::Listen if tcp => vec![Piece::Expr(format!(
            "hostPort cfg.processes.{}",
            nix::attr_name(process.unwrap_or_default())
        ))],
        Name::Listen => vec![Piece::Expr(process_opt("socket"))],
        // Validation keeps secrets out of environment values.
        Name::Secret(_) => vec![Piece::Literal(String::new())],
    }
}

/// `/run/<app>`: the runtime directory `{{runtime_dir}}` names.
pub(crate) fn runtime_dir(m: &Model) -> String {
    format!("/run/{}", m.name)
}

fn source_expr(source: Source) -> &'static str {
    match source {
        Source::Units => "appSource",
        Source::Build => "placeholder \"out\"",
    }
}

/// An environment value as a Nix expression: a plain string when it names nothing, else a
/// string with interpolations. `process` is the process whose `env` holds it.
pub(super) fn nix_value(m: &Model, text: &Text, source: Source, process: Option<&str>) -> String {
    if let Some(literal) = text.literal() {
        return nix::string(&literal);
    }
    let mut out = String::from("\"");
    for part in &text.0 {
        match part {
            Part::Text(t) => out.push_str(&nix::string_content(t)),
            Part::Value(name) => {
                for piece in pieces(m, name, source, process) {
                    match piece {
                        Piece::Literal(l) => out.push_str(&nix::string_content(&l)),
                        Piece::Expr(e) => {
                            // `$${` is Nix's escape of a literal `${`: a `$` of the text right
                            // before an interpolation is written `\$`.
                            if out.ends_with('$') {
                                out.pop();
                                out.push_str("\\$");
                            }
                            out.push_str(&format!("${{{e}}}"));
                        }
                    }
                }
            }
        }
    }
    out.push('"');
    // `"${x}"` alone reads better as `x` where `x` is a string already.
    match out.strip_prefix("\"${").and_then(|r| r.strip_suffix("}\"")) {
        Some(e) if !e.contains(['$', '"', '{', '}', ' ']) => e.to_string(),
        _ => out,
    }
}

/// A configuration file's value of `name` as a Nix expression (lists stay lists: the renderer
/// writes them in the file's format).
pub(super) fn file_value(m: &Model, name: &Name, source: Source) -> String {
    match name {
        Name::Domains => "siteDomains".into(),
        Name::Origins => "siteOrigins".into(),
        Name::Source => source_expr(source).into(),
        other => nix_value(m, &Text(vec![Part::Value(other.clone())]), source, None),
    }
}
