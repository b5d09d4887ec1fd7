//! Fuzz `app2nix import`'s readers and mapping: any text as a systemd unit, nginx
//! configuration, `.env`, Compose file, Dockerfile, Python packaging file or gunicorn.conf.py
//! must give a description that is valid TOML (or a clear error), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "app.service",
    "site.conf",
    ".env",
    "docker-compose.yml",
    "Dockerfile",
    "requirements.txt",
    "pyproject.toml",
    "gunicorn.conf.py",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let input = app2nix::import::Input {
        name: name.to_string(),
        text: text.to_string(),
        path: None,
    };
    match app2nix::import::import(&[input], &app2nix::import::Options::default()) {
        Ok((draft, report)) => {
            let toml_text = draft.to_toml();
            assert!(
                toml_text.parse::<toml::Table>().is_ok(),
                "invalid TOML from {name}:\n{toml_text}"
            );
            let _ = report.render();
        }
        Err(msg) => assert!(msg.starts_with("error: "), "unclear error: {msg}"),
    }
});
