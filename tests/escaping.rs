//! Property tests: any string that reaches a generated file either is rejected by validation or
//! comes back from rnix's string normalisation exactly as written. `PROPTEST_CASES` raises the
//! case count (CI runs more).

use app2nix::nix;
use proptest::prelude::*;
use rnix::ast::{self, HasEntry, InterpolPart};
use rowan::ast::AstNode;

/// The literal strings of `text` as rnix reads them, in source order; `None` if any string
/// holds an interpolation (which generated code only does on purpose, never from a value).
fn string_values(node: &rnix::SyntaxNode) -> Vec<String> {
    node.descendants()
        .filter_map(ast::Str::cast)
        .map(|s| {
            s.normalized_parts()
                .into_iter()
                .map(|p| match p {
                    InterpolPart::Literal(l) => l,
                    InterpolPart::Interpolation(i) => format!("${{{}}}", i.syntax().text()),
                })
                .collect()
        })
        .collect()
}

fn read_back(literal: &str) -> Option<String> {
    nix::read_string_literal(literal)
}

/// Strings biased toward what breaks Nix: quotes, backslashes, `$`, `{`, `''`, newlines.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\\\\"${}'\\n\\r\\t a-z]{0,40}",
        any::<String>().prop_map(|s| s.replace('\0', "")),
        Just("${builtins.abort \"pwned\"}".to_string()),
        Just("\"; }; x = import /etc/passwd; y = {\"".to_string()),
    ]
}

proptest! {
    #[test]
    fn strings_round_trip(s in nasty()) {
        prop_assert_eq!(read_back(&nix::string(&s)), Some(s));
    }

    #[test]
    fn attribute_names_round_trip(s in nasty()) {
        let src = format!("{{ {} = 1; }}", nix::attr_name(&s));
        let root = rnix::Root::parse(&src).ok().expect("parses");
        let Some(ast::Expr::AttrSet(set)) = root.expr() else { panic!("not a set: {src}") };
        let entry = set.attrpath_values().next().expect("one binding");
        let attrs: Vec<_> = entry.attrpath().expect("path").attrs().collect();
        prop_assert_eq!(attrs.len(), 1, "{} split into several attributes", src);
        let name = match &attrs[0] {
            ast::Attr::Ident(i) => i.syntax().text().to_string(),
            ast::Attr::Str(st) => st.normalized_parts().into_iter().map(|p| match p {
                InterpolPart::Literal(l) => l,
                InterpolPart::Interpolation(_) => panic!("interpolation"),
            }).collect(),
            ast::Attr::Dynamic(_) => panic!("dynamic attribute"),
        };
        prop_assert_eq!(name, s);
    }

    /// A whole description: hostile env values, descriptions, commands and health paths either
    /// fail validation or land in the module byte for byte, and the module parses.
    #[test]
    fn description_values_cannot_become_code(value in nasty(), title in nasty(), cmd in nasty(), health in nasty()) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("app")).expect("app");
        let toml_str = |s: &str| toml::Value::String(s.to_string()).to_string();
        let description = format!(
            "[app]\nname = \"demo\"\ndescription = {}\n\n[package.python]\nsrc = \"app\"\nversion = \"3.12\"\n\n[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n[tasks.job]\ncommand = {}\n\n[env]\nVALUE = {}\n\n[health]\npath = {}\n",
            toml_str(&title), toml_str(&cmd), toml_str(&value), toml_str(&format!("/{health}"))
        );
        let file = dir.path().join("app2nix.toml");
        std::fs::write(&file, &description).expect("write");
        match app2nix::generate::generate(&file, None) {
            Err(app2nix::generate::Failure::Invalid(_)) => {}
            Err(app2nix::generate::Failure::Internal(e)) => prop_assert!(false, "internal error: {e}"),
            Ok(files) => {
                let text = &files[0].text;
                let parse = rnix::Root::parse(text);
                prop_assert!(parse.errors().is_empty(), "does not parse: {:?}", parse.errors());
                let values = string_values(&parse.syntax());
                for expected in [&value, &cmd, &format!("/{health}")] {
                    prop_assert!(values.iter().any(|v| v == expected), "{:?} not found as a string literal", expected);
                }
                prop_assert!(values.iter().any(|v| v == &title || v.contains(&title)), "title {:?} lost", title);
            }
        }
    }
}

/// A description with one site whose domain, route path, body size, timeout and redirect come
/// from the strategy.
fn site_description(domain: &str, path: &str, size: &str, timeout: &str, redirect: &str) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    format!(
        "[app]\nname = \"demo\"\n\n[package.python]\nsrc = \"app\"\nversion = \"3.12\"\n\n[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n[sites.main]\ndomains = [{}]\nclient_max_body_size = {}\nproxy_read_timeout = {}\n\n[sites.main.routes]\n{} = \"web\"\n\"/go/\" = {{ redirect = {} }}\n\n[acme]\nemail = \"ops@example.org\"\naccept_terms = true\n",
        q(domain),
        q(size),
        q(timeout),
        q(path),
        q(redirect)
    )
}

proptest! {
    /// Site values either fail validation (exit 2, no panic) or reach the module unchanged, as
    /// whole string literals or whole nginx directives, and the module parses.
    #[test]
    fn site_values_are_rejected_or_round_trip(
        domain in prop_oneof![nasty(), "[a-z0-9.-]{1,30}", "\\*\\.[a-z]{1,10}\\.org"],
        path in prop_oneof![nasty(), "/[a-zA-Z0-9/_.~%-]{0,20}"],
        size in prop_oneof![nasty(), "[0-9]{1,4}[kmgKMG]?"],
        timeout in prop_oneof![nasty(), "[0-9]{1,4}(s|m|h|ms)?"],
        redirect in prop_oneof![nasty(), "https://[a-z]{1,10}\\.org/[a-z/]{0,10}"],
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("app")).expect("app");
        let file = dir.path().join("app2nix.toml");
        std::fs::write(&file, site_description(&domain, &path, &size, &timeout, &redirect)).expect("write");
        match app2nix::generate::generate(&file, None) {
            Err(app2nix::generate::Failure::Invalid(msg)) => prop_assert!(msg.starts_with("error: "), "{msg}"),
            Err(app2nix::generate::Failure::Internal(e)) => prop_assert!(false, "internal error: {e}"),
            Ok(files) => {
                let parse = rnix::Root::parse(&files[0].text);
                prop_assert!(parse.errors().is_empty(), "does not parse: {:?}", parse.errors());
                let values = string_values(&parse.syntax());
                let expected = [
                    domain.clone(),
                    path.clone(),
                    format!("client_max_body_size {size};"),
                    format!("proxy_read_timeout {timeout};"),
                    format!("301 \"{redirect}\""),
                ];
                for e in &expected {
                    prop_assert!(values.iter().any(|v| v == e), "{:?} not found as a string literal", e);
                }
            }
        }
    }

    /// A secret's value can never reach a generated file: written where a delivery mode belongs,
    /// it is refused, and the refusal does not print it either.
    #[test]
    fn secret_values_never_reach_output(value in "[A-Za-z0-9+/=_-]{8,40}") {
        let canary = format!("CANARY{value}");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("app")).expect("app");
        let file = dir.path().join("app2nix.toml");
        for (table, key) in [("secrets", "SECRET_KEY"), ("env", "SECRET_KEY"), ("env", "DB_PASSWORD"), ("env", "GITHUB_TOKEN")] {
            let text = format!("[app]\nname = \"demo\"\n\n[package.python]\nsrc = \"app\"\nversion = \"3.12\"\n\n[{table}]\n{key} = \"{canary}\"\n");
            std::fs::write(&file, text).expect("write");
            match app2nix::generate::generate(&file, None) {
                Err(app2nix::generate::Failure::Invalid(msg)) => prop_assert!(!msg.contains(&canary), "message shows the secret: {msg}"),
                Err(app2nix::generate::Failure::Internal(e)) => prop_assert!(false, "internal error: {e}"),
                Ok(files) => prop_assert!(false, "[{table}] {key} with a value was accepted: {}", files[0].text.len()),
            }
        }
    }
}

/// The examples' secrets are declared by name only: their generated files mention each secret
/// as a name and a file path, never with a value assigned (the VM test's test-only values
/// aside).
#[test]
fn example_outputs_assign_no_secret_values() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for example in ["nanotrace", "request-tracker-utils", "incident-tracker"] {
        let file = root.join("examples").join(example).join("app2nix.toml");
        let desc: toml::Table = std::fs::read_to_string(&file)
            .expect("read")
            .parse()
            .expect("toml");
        let secrets: Vec<String> = desc
            .get("secrets")
            .and_then(|s| s.as_table())
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        assert!(!secrets.is_empty(), "{example} declares secrets");
        let files =
            app2nix::generate::generate(&file, None).unwrap_or_else(|e| panic!("{example}: {e:?}"));
        for f in &files {
            for name in &secrets {
                for bad in [
                    format!("{name} = \""),
                    format!("{name}=\""),
                    format!("{name} = lib.mkDefault"),
                ] {
                    // The VM test assigns its own test-only values, and nothing else.
                    let test_value = format!("{bad}app2nix-vm-test-{example}-{name}-value\"");
                    let is_vm_test = f.path.to_string_lossy().contains("-vm-test.");
                    for (at, _) in f.text.match_indices(&bad) {
                        assert!(
                            is_vm_test && f.text[at..].starts_with(&test_value),
                            "{} assigns {name}",
                            f.path.display()
                        );
                    }
                }
            }
        }
    }
}

/// Words biased toward what a shell would read: quotes, `$`, globs, separators, whitespace.
fn shell_word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ \\t\\n'\"\\\\$`!*?;&|<>(){}~#=%a-z0-9-]{0,20}",
        any::<String>().prop_map(|s| s.replace('\0', "")),
        "[a-z0-9._/:@%+,-]{1,20}",
    ]
}

proptest! {
    /// A command's argument vector, written as one script line by `shell::join`, reaches the
    /// program as it was: bash runs the line with `printf` as the program and prints each
    /// argument back.
    #[test]
    fn shell_words_reach_the_program_unchanged(args in prop::collection::vec(shell_word(), 1..6)) {
        let line = format!("exec printf '%s\\0' {}", app2nix::shell::join(&args));
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(&line)
            .env("LC_ALL", "C.UTF-8")
            .output()
            .expect("bash runs");
        prop_assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stderr));
        let mut printed: Vec<String> = out
            .stdout
            .split(|b| *b == 0)
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        printed.pop();
        prop_assert_eq!(printed, args, "{}", line);
    }
}

/// The quoted words are also what shellcheck accepts, as NixOS runs it on unit scripts when a
/// host sets `systemd.enableStrictShellChecks`: a thousand random argument vectors in one script,
/// checked in one run.
#[test]
#[ignore = "needs shellcheck: run by .ci/run"]
fn quoted_words_are_shellcheck_clean() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = prop::collection::vec(shell_word(), 1..6);
    let mut script = String::from("#!/usr/bin/env bash\n");
    for _ in 0..1000 {
        let args = strategy.new_tree(&mut runner).expect("a value").current();
        script.push_str(&format!("printf '%s\\0' {}\n", app2nix::shell::join(&args)));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("script.sh");
    std::fs::write(&file, &script).expect("write");
    let out = std::process::Command::new("shellcheck")
        .args(["--shell=bash", "--severity=style"])
        .arg(&file)
        .output()
        .expect("shellcheck (apt install shellcheck)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
