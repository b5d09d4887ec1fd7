//! The configuration files' renderer (`templates/render-files.py`, which every module with
//! `[files.*]` ships) against the real parsers of each format: hostile values and secrets,
//! written into Python, JSON, YAML and TOML files, read back unchanged by Python's own
//! `ast`/`json`/PyYAML and the `toml` crate; text files hold them as they are. Its reading of
//! placeholders agrees with [`app2nix::placeholders::parse`], which validated the template when
//! the module was generated; the build variant writes linked files into the source tree with
//! the build's stand-in for secrets.
//!
//! Needs `python3` with PyYAML (Debian's `python3-yaml`); `.ci/run` runs it.

use std::path::Path;
use std::process::Command;

use app2nix::placeholders::{self, Name, Part};
use proptest::prelude::*;
use serde_json::json;

const RENDERER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/render-files.py");

/// Strings biased toward what breaks the formats: quotes, backslashes, control characters,
/// line breaks, non-ASCII (also outside the BMP), and TOML/YAML syntax.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\\\\"'`${}\\[\\]#:,\\n\\r\\t\\x00\\x07\\x1b\\x7f\\u{85}\\u{2028}\\u{feff} a-z0-9]{0,30}",
        any::<String>(),
        "[😀é€\\u{10ffff}\\u{e000}]{0,8}",
    ]
}

/// Run the renderer on `manifest` with `secrets` as its credentials; the rendered files' dir.
fn render(
    dir: &Path,
    manifest: &serde_json::Value,
    secrets: &[(&str, &str)],
) -> std::process::Output {
    let creds = dir.join("creds");
    std::fs::create_dir_all(&creds).expect("creds");
    for (name, value) in secrets {
        std::fs::write(creds.join(name), value).expect("secret");
    }
    let path = dir.join("manifest.json");
    std::fs::write(&path, manifest.to_string()).expect("manifest");
    Command::new("python3")
        .arg(RENDERER)
        .arg(&path)
        .arg(dir.join("out"))
        .env("CREDENTIALS_DIRECTORY", &creds)
        .output()
        .expect("python3")
}

/// Reads the Python, JSON and YAML files back with Python's own parsers and prints what they
/// hold as JSON (escaped to ASCII, so every string survives the pipe).
const READ_BACK: &str = r#"
import ast, json, sys, yaml
out = {}
for name in sys.argv[1:]:
    text = open(name, encoding="utf-8", newline="").read()
    if name.endswith(".py"):
        tree = ast.parse(text)
        out[name] = {t.targets[0].id: ast.literal_eval(t.value) for t in tree.body}
    elif name.endswith(".json"):
        out[name] = json.loads(text)
    else:
        out[name] = yaml.safe_load(text)
print(json.dumps(out))
"#;

fn file(name: &str, format: &str, text: &str) -> serde_json::Value {
    json!({ "name": name, "format": format, "text": text, "secrets": ["KEY"] })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every value and secret reaches every typed format's parser unchanged.
    #[test]
    fn values_and_secrets_read_back_unchanged(
        values in proptest::collection::vec(hostile(), 1..24),
        secret in hostile(),
    ) {
        // A secret file's trailing newlines are dropped (as `$(< file)` does): compare without.
        let secret = secret.trim_end_matches('\n').to_string();
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = json!({
            "values": { "domains": values, "state_dir": values[0] },
            "files": [
                file("a.py", "python", "D = {{domains}}\nS = {{ state_dir }}\nK = {{secret.KEY}}\n"),
                file("a.json", "json", "{\"d\": {{domains}}, \"s\": {{state_dir}}, \"k\": {{secret.KEY}}}"),
                file("a.yaml", "yaml", "d: {{domains}}\ns: {{state_dir}}\nk: {{secret.KEY}}\n"),
                file("a.toml", "toml", "d = {{domains}}\ns = {{state_dir}}\nk = {{secret.KEY}}\n"),
                file("a.txt", "text", "{{state_dir}}|{{secret.KEY}}|{{domains}}"),
            ],
        });
        let out = render(dir.path(), &manifest, &[("KEY", &secret)]);
        prop_assert!(out.status.success(), "renderer: {}", String::from_utf8_lossy(&out.stderr));
        let rendered = dir.path().join("out");
        let names: Vec<String> = ["a.py", "a.json", "a.yaml"]
            .iter()
            .map(|n| rendered.join(n).display().to_string())
            .collect();
        let read = Command::new("python3").arg("-c").arg(READ_BACK).args(&names).output().expect("python3");
        prop_assert!(read.status.success(), "parsers: {}", String::from_utf8_lossy(&read.stderr));
        let parsed: serde_json::Value = serde_json::from_slice(&read.stdout).expect("json");
        let expected = |d: &str, s: &str, k: &str| json!({ d: values, s: values[0], k: secret });
        prop_assert_eq!(&parsed[&names[0]], &expected("D", "S", "K"));
        prop_assert_eq!(&parsed[&names[1]], &expected("d", "s", "k"));
        prop_assert_eq!(&parsed[&names[2]], &expected("d", "s", "k"));
        let toml_text = std::fs::read_to_string(rendered.join("a.toml")).expect("toml");
        let table: toml::Table = toml_text.parse().map_err(|e| TestCaseError::fail(format!("{e}: {toml_text}")))?;
        let domains: Vec<&str> = table["d"].as_array().expect("array").iter().map(|v| v.as_str().expect("str")).collect();
        prop_assert_eq!(domains, values.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(table["s"].as_str(), Some(values[0].as_str()));
        prop_assert_eq!(table["k"].as_str(), Some(secret.as_str()));
        let text = std::fs::read_to_string(rendered.join("a.txt")).expect("text");
        prop_assert_eq!(text, format!("{}|{}|{}", values[0], secret, values.join(",")));
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(rendered.join("a.py")).expect("meta").permissions());
        prop_assert_eq!(mode & 0o777, 0o400);
    }
}

/// Pieces templates are made of: text, braces, placeholders (known and not), line breaks.
fn template() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("{{".to_string()),
            Just("}}".to_string()),
            Just("{".to_string()),
            Just("{{domain}}".to_string()),
            Just("{{ state_dir\t}}".to_string()),
            Just("{{ \"{{\" }}".to_string()),
            Just("{{secret.KEY}}".to_string()),
            Just("{{secret.OTHER}}".to_string()),
            Just("{{domian}}".to_string()),
            Just("\n".to_string()),
            "[a-z \"']{0,4}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The renderer reads placeholders as app2nix validated them: the templates `generate`
    /// accepts render to the same text, the others make it fail.
    #[test]
    fn renderer_and_validation_read_placeholders_alike(t in template()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = json!({
            "values": { "domain": "d.example.org", "state_dir": "/var/lib/x" },
            "files": [file("t", "text", &t)],
        });
        let out = render(dir.path(), &manifest, &[("KEY", "k")]);
        // `secret.OTHER` is no secret of the file: validation refuses it too (as "names no
        // secret of the app"), so it counts as a refusal here.
        let parsed = placeholders::parse(&t).ok().filter(|p| {
            p.names().all(|n| !matches!(n, Name::Secret(s) if s != "KEY"))
        });
        match parsed {
            Some(p) => {
                prop_assert!(out.status.success(), "{t:?}: {}", String::from_utf8_lossy(&out.stderr));
                let expected: String = p.0.iter().map(|part| match part {
                    Part::Text(s) => s.clone(),
                    Part::Value(Name::Domain) => "d.example.org".into(),
                    Part::Value(Name::StateDir) => "/var/lib/x".into(),
                    Part::Value(Name::Secret(_)) => "k".into(),
                    Part::Value(other) => panic!("{other:?} is not in the template pieces"),
                }).collect();
                let got = std::fs::read_to_string(dir.path().join("out/t")).expect("rendered");
                prop_assert_eq!(got, expected);
            }
            None => prop_assert!(!out.status.success(), "{t:?} rendered, but validation refuses it"),
        }
    }
}

/// The build variant: a file with a `path` is written into the source tree, secrets hold the
/// build's stand-in (empty for an optional one), and no credential is read.
#[test]
fn the_build_writes_linked_files_with_the_stand_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = json!({
        "values": {},
        "files": [
            { "name": "c.py", "format": "python", "text": "K = {{secret.KEY}}\nO = {{secret.OPT}}\n",
              "secrets": ["KEY", "OPT"], "optional": ["OPT"], "path": "pkg/settings.py" },
            { "name": "e.txt", "format": "text", "text": "{{secret.KEY}}", "secrets": ["KEY"] },
        ],
    });
    let path = dir.path().join("manifest.json");
    std::fs::write(&path, manifest.to_string()).expect("manifest");
    let src = dir.path().join("src");
    let out = Command::new("python3")
        .arg(RENDERER)
        .arg(&path)
        .arg(dir.path().join("files"))
        .args(["--build"])
        .arg(&src)
        .arg(app2nix::model::BUILD_SECRET)
        .env_remove("CREDENTIALS_DIRECTORY")
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let linked = std::fs::read_to_string(src.join("pkg/settings.py")).expect("linked file");
    assert_eq!(
        linked,
        format!("K = '{}'\nO = ''\n", app2nix::model::BUILD_SECRET)
    );
    let named = std::fs::read_to_string(dir.path().join("files/e.txt")).expect("env file");
    assert_eq!(named, app2nix::model::BUILD_SECRET);
}

/// At start a missing optional secret is empty, and a secret file's trailing newlines (an
/// editor's) are not part of the value, as with secrets delivered as variables.
#[test]
fn optional_secrets_are_empty_and_trailing_newlines_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = json!({
        "values": {},
        "files": [{ "name": "c", "format": "text", "text": "[{{secret.KEY}}][{{secret.OPT}}]",
                    "secrets": ["KEY", "OPT"], "optional": ["OPT"] }],
    });
    let out = render(dir.path(), &manifest, &[("KEY", "value\n\n")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::read_to_string(dir.path().join("out/c")).expect("rendered");
    assert_eq!(got, "[value][]");
}
