//! What a deployment says about monitoring: units reporting their failures (`OnFailure=`) and
//! nginx's `stub_status` page (which Prometheus' nginx exporter reads). The first becomes
//! `[alerts]`, written as comments (where alerts go is not in the unit); the second
//! `[metrics] nginx_exporter = true`.
//!
//! May call [`crate::draft`]; called by the `systemd` and `nginx` mappers.

use super::nginx::Directive;
use super::{Importer, Input};
use crate::draft::{MetricsDraft, Outcome};

impl Importer {
    /// `OnFailure=`: the app's units report their failures; `[alerts]` says where to.
    pub(super) fn on_failure(&mut self, input: &Input, line: usize, value: &str) {
        let first = self.draft.commented_alerts.is_none();
        self.draft
            .commented_alerts
            .get_or_insert_with(|| value.to_string());
        let outcome = if first {
            "[alerts], written as comments: every unit of the app reports its failure (name, host, journal) to the generated `<app>-notify-failed@.service`; fill in where alerts go (e-mail, a webhook) and uncomment it"
        } else {
            "[alerts] (see above)"
        };
        self.add(
            &input.name,
            line,
            format!("OnFailure={value}"),
            Outcome::Decided(outcome.into()),
        );
    }

    /// A `location` with `stub_status`: nginx's status page for Prometheus' exporter. nixpkgs
    /// serves it (`services.nginx.statusPage`, at `/nginx_status`, to localhost only) when the
    /// exporter is asked for.
    pub(super) fn stub_status(&mut self, input: &Input, location: &Directive, path: &str) {
        self.draft
            .metrics
            .get_or_insert_with(MetricsDraft::default)
            .nginx_exporter = true;
        let moved = if path == "/nginx_status" {
            String::new()
        } else {
            format!(", at /nginx_status instead of {path}")
        };
        self.add(
            &input.name,
            location.line,
            format!("location {path} {{ stub_status; }}"),
            Outcome::Mapped(format!(
                "[metrics] nginx_exporter = true: nixpkgs serves nginx's status page to localhost only{moved}, and Prometheus' nginx exporter reads it"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::import::testing::{UNIT, imported};

    #[test]
    fn on_failure_asks_where_alerts_go() {
        let unit = format!("[Unit]\nOnFailure=notify-failed@%n.service\n{UNIT}");
        let (toml, report) = imported(&[("app.service", &unit)]);
        assert!(
            !toml.contains_key("alerts"),
            "alerts are the user's to direct"
        );
        assert!(
            report.contains(
                "OnFailure=notify-failed@%n.service: decided: [alerts], written as comments"
            ),
            "{report}"
        );
    }

    #[test]
    fn stub_status_asks_for_the_exporter() {
        let site = "server {\n server_name app.example.org;\n location / { proxy_pass http://127.0.0.1:8000; }\n location /status {\n  stub_status;\n  allow 127.0.0.1;\n  deny all;\n }\n}\n";
        let (toml, report) = imported(&[("app.service", UNIT), ("site.conf", site)]);
        assert_eq!(
            toml["metrics"]["nginx_exporter"].as_bool(),
            Some(true),
            "{toml:?}"
        );
        assert!(
            report.contains("site.conf:4: location /status { stub_status; }: mapped: [metrics] nginx_exporter = true"),
            "{report}"
        );
        assert!(!report.contains("allow 127.0.0.1"), "{report}");
    }
}
