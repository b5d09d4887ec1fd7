//! The public site: the domains and ACME e-mail the user gave `init` (`--domain`,
//! `--acme-email`), or a commented site to fill in when they gave none; its routes (the web
//! process, a frontend, static files collected at build time, streaming routes that must not be
//! buffered) and the largest request body the shipped proxy configuration allows.
//!
//! It may call the draft.

use super::Init;
use crate::draft::{Outcome, Route, Site, Source};

impl Init<'_> {
    /// Routes whose responses stream (server-sent events, long polling): proxied without
    /// buffering to the web process. A gunicorn sync worker would be held by each stream for as
    /// long as it lasts (and `check` refuses it), so such a web process gets threads.
    fn streams(&mut self, routes: &mut Vec<(String, Route)>) {
        let hints: Vec<_> = self
            .found
            .streams
            .iter()
            .chain(self.ev.routes.iter())
            .filter(|h| h.unbuffered)
            .cloned()
            .collect();
        for hint in hints {
            if self.plan.unbuffered.contains(&hint.path) {
                continue;
            }
            let Some(web) = self.draft.processes.get_mut("web") else {
                self.report.add(
                    hint.source.clone(),
                    format!("route {}", hint.path),
                    Outcome::Unmapped("streams, but no web process serves it".into()),
                );
                continue;
            };
            let sync_gunicorn = matches!(web.kind, crate::draft::ProcessKind::Wsgi(_))
                && web.server.as_deref().is_none_or(|s| s == "gunicorn")
                && web.worker_class.as_deref().is_none_or(|c| c == "sync")
                && web.threads.is_none_or(|t| t <= 1);
            if sync_gunicorn {
                web.worker_class = Some("gthread".into());
                web.threads = Some(8);
                self.report.add(
                    hint.source.clone(),
                    format!("route {}", hint.path),
                    Outcome::Decided("a stream holds a gunicorn sync worker while it lasts: [processes.web] worker_class = \"gthread\", threads = 8".into()),
                );
            }
            self.report.add(
                hint.source.clone(),
                format!("route {}", hint.path),
                Outcome::Decided("streams (server-sent events): proxied without buffering".into()),
            );
            self.plan.unbuffered.push(hint.path.clone());
            routes.push((hint.path.clone(), Route::Unbuffered("web".into())));
        }
    }

    /// `[sites.main]` and `[acme]`, and the description's intro.
    pub(super) fn site(&mut self, name: &str) {
        let mut routes = Vec::new();
        // A frontend the app serves itself (`into`) is reached through the app.
        let frontend_routed = self
            .draft
            .assets
            .get("frontend")
            .is_some_and(|a| a.spa && a.into.is_none());
        if frontend_routed {
            routes.push(("/".to_string(), Route::Asset("frontend".into())));
            if self.draft.processes.contains_key("web") {
                routes.push(("/api/".to_string(), Route::Process("web".into(), false)));
            }
        } else if self.draft.processes.contains_key("web") {
            routes.push(("/".to_string(), Route::Process("web".into(), false)));
        }
        // Static files collected at build time: nginx serves them from the store.
        for (path, dir) in &self.plan.source_routes {
            routes.push((path.clone(), Route::Source(dir.clone())));
        }
        self.streams(&mut routes);
        let body = self.ev.body_size.first().cloned();
        if let Some((size, s)) = &body {
            self.report.add(
                s.clone(),
                format!("client_max_body_size {size}"),
                Outcome::Mapped(format!("[sites.main] client_max_body_size = {size:?}")),
            );
        }
        let mut site = Site {
            routes,
            client_max_body_size: body.map(|(s, _)| s),
            ..Site::default()
        };
        if self.opts.domains.is_empty() {
            self.report.add(Source::new(".", 0), "sites", Outcome::Unmapped("the public domain is not in the sources: uncomment [sites.main] and [acme] in app2nix.toml and fill them in (or run init with --domain and --acme-email)".into()));
            site.domains = vec!["example.org".into()];
            site.client_max_body_size = None;
            self.draft.commented_sites =
                Some(("main".into(), site, format!("admin@{}", "example.org")));
        } else {
            site.domains = self.opts.domains.clone();
            self.report.add(
                Source::new("(command line)", 0),
                "--domain",
                Outcome::Mapped(format!("[sites.main] domains = {:?}", self.opts.domains)),
            );
            self.draft.sites.push(("main".into(), site));
            match &self.opts.acme_email {
                Some(e) => {
                    self.draft.acme = Some((e.clone(), false));
                    self.report.add(
                        Source::new("(command line)", 0),
                        "--acme-email",
                        Outcome::Mapped("[acme] email, terms accepted".into()),
                    );
                }
                None => self.report.add(
                    Source::new("(command line)", 0),
                    "--acme-email",
                    Outcome::Unmapped(
                        "no ACME e-mail: add [acme] email before generating, or set tls = \"none\""
                            .into(),
                    ),
                ),
            }
        }
        if frontend_routed && self.opts.domains.is_empty() {
            self.draft.comments.insert(
                "assets.frontend".into(),
                vec!["Served by the site below once you uncomment it.".into()],
            );
        }
        if crate::generate::has_own_flake(&self.project.path("")) {
            self.report.add(
                Source::new("flake.nix", 0),
                "flake.nix",
                Outcome::Decided(format!(
                    "the project has a flake of its own: `app2nix generate` writes the module and its flake into {}/ and says what to add to yours",
                    crate::generate::OWN_FLAKE_DIR
                )),
            );
        }
        if let Some(module) = crate::nixpkgs::service_module(name) {
            self.report.add(Source::new(".", 0), "nixpkgs", Outcome::Decided(format!("NixOS already has a module for `{name}` ({module}): compare `services.{name}` with what app2nix generates before choosing")));
        }
        self.draft.intro = vec![
            format!(
                "{name}: written by `app2nix init` from this directory. Check the report it printed,"
            ),
            "fill in what it could not decide, then run `app2nix check` and `app2nix generate`."
                .into(),
        ];
    }
}
