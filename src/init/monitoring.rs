//! The app's own metrics: a Prometheus integration among the dependencies serves `/metrics`
//! (django-prometheus through its URLconf, prometheus-fastapi-instrumentator's `expose`,
//! prometheus-flask-exporter's `PrometheusMetrics`), which `[metrics] path` keeps from the
//! public site and gives the scraper.

use super::Init;
use crate::draft::{MetricsDraft, Outcome, Source};

/// Python packages (normalized names) that serve Prometheus metrics at `/metrics` by default.
const METRICS_PACKAGES: &[&str] = &[
    "django-prometheus",
    "prometheus-fastapi-instrumentator",
    "prometheus-flask-exporter",
    "starlette-exporter",
];

impl Init<'_> {
    /// `[metrics] path`, when a dependency serves metrics and the web process listens.
    pub(super) fn metrics(&mut self) {
        let Some(package) = METRICS_PACKAGES
            .iter()
            .find(|p| self.python_packages.iter().any(|d| d == *p))
        else {
            return;
        };
        let file = ["pyproject.toml", "requirements.txt", "uv.lock"]
            .into_iter()
            .find(|f| self.project.has(f))
            .unwrap_or(".");
        let listens = self
            .draft
            .processes
            .get("web")
            .is_some_and(|p| p.listen.is_some());
        if !listens {
            self.report.add(Source::new(file, 0), *package, Outcome::Unmapped("it serves Prometheus metrics, but no process listens: add `[metrics] path = \"/metrics\"` once one does".into()));
            return;
        }
        self.draft.metrics = Some(MetricsDraft {
            nginx_exporter: false,
            path: Some("/metrics".into()),
        });
        self.report.add(Source::new(file, 0), *package, Outcome::Decided(format!(
            "[metrics] path = \"/metrics\" ({package}'s default): the public site refuses it, Prometheus on this host scrapes the web process (set `scraper` and `port` for one on another machine)"
        )));
    }
}

#[cfg(test)]
mod tests {
    /// A Flask app with prometheus-flask-exporter among its requirements.
    fn init_with(requirements: &str) -> (String, String) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("requirements.txt"), requirements).expect("requirements");
        std::fs::write(
            dir.path().join("app.py"),
            "from flask import Flask\n\napp = Flask(__name__)\n",
        )
        .expect("app");
        let (draft, report) =
            crate::init::init(dir.path(), &crate::init::Options::default()).expect("init");
        (draft.to_toml(), report.render())
    }

    #[test]
    fn a_metrics_integration_gives_the_metrics_path() {
        let (toml, report) = init_with("flask\nprometheus-flask-exporter>=0.23\n");
        let table: toml::Table = toml.parse().expect("TOML");
        assert_eq!(
            table["metrics"]["path"].as_str(),
            Some("/metrics"),
            "{toml}"
        );
        assert!(
            report.contains("requirements.txt: prometheus-flask-exporter: decided: [metrics] path = \"/metrics\""),
            "{report}"
        );
        let (toml, _) = init_with("flask\nprometheus-client\n");
        assert!(!toml.contains("[metrics]"), "{toml}");
    }
}
