//! The flake around the module: `flake.nix` (written beside the description) and the seeded
//! `flake.lock` with real pinned inputs. The VM test it runs is [`super::vm_test`].
//!
//! May call: `model` (read only) and the template environment of [`super`].

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;
use serde_json::json;

use super::vm_test::vm_test_file_name;
use super::{environment, header, package_file_name};
use crate::model::{Model, Package};

/// The NixOS release the generated flake follows.
pub const NIXPKGS_URL: &str = "https://channels.nixos.org/nixos-26.05-small/nixexprs.tar.zst";

/// Paths between the generated files, all `/`-separated and relative.
#[derive(Debug, Clone)]
pub struct FlakeLayout {
    /// The description's path as shown in the flake's header (relative to the flake).
    pub flake_source_label: String,
    /// From the flake's directory (the description's) to the output directory: `""` or
    /// `"../../modules/"`.
    pub to_out: String,
}

#[derive(Debug, Serialize)]
struct FlakeContext {
    header: String,
    name: String,
    title: String,
    module: String,
    package: Option<String>,
    /// `pythonXY` when the package file takes the interpreter.
    package_python: Option<String>,
    vm_test: String,
    agenix: bool,
    host: Option<HostCtx>,
    systems: Vec<String>,
    nixpkgs_url: String,
}

#[derive(Debug, Serialize)]
struct HostCtx {
    name: String,
    system: String,
    configuration: String,
}

/// Render `flake.nix` (written beside the description).
pub fn flake_nix(m: &Model, layout: &FlakeLayout) -> Result<String, Error> {
    let out = |f: &str| format!("{}{f}", layout.to_out);
    let (package, package_python) = match &m.package {
        Package::Python(py) => (
            Some(out(&package_file_name(&m.name))),
            py.pyproject.then(|| py.interpreter()),
        ),
        _ => (None, None),
    };
    let ctx = FlakeContext {
        header: header(&layout.flake_source_label),
        name: m.name.clone(),
        title: m.description.clone(),
        module: out(&format!("{}.nix", m.name)),
        package,
        package_python,
        vm_test: out(&vm_test_file_name(&m.name)),
        agenix: !m.secrets.is_empty(),
        host: m.host.as_ref().map(|h| HostCtx {
            name: h.name.clone(),
            system: h.system.clone(),
            configuration: h.configuration.clone(),
        }),
        systems: crate::model::SYSTEMS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        nixpkgs_url: NIXPKGS_URL.into(),
    };
    environment()
        .get_template("flake.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
}

/// Locked inputs (revision and NAR hash of real releases) for a `flake.lock` that needs no lock
/// step. `nix flake update` replaces them.
const PINS: &str = include_str!("../../templates/pins.json");

/// The `flake.lock` matching [`flake_nix`]'s inputs, as Nix writes it (sorted keys, two-space
/// indentation, final newline).
pub fn flake_lock(m: &Model) -> Result<String, String> {
    let pins: serde_json::Value =
        serde_json::from_str(PINS).map_err(|e| format!("embedded pins.json: {e}"))?;
    let pin = |name: &str| {
        pins.get(name)
            .cloned()
            .ok_or_else(|| format!("embedded pins.json has no `{name}`"))
    };
    let mut nodes = serde_json::Map::new();
    nodes.insert("nixpkgs".into(), pin("nixpkgs")?);
    let mut root_inputs = serde_json::Map::new();
    root_inputs.insert("nixpkgs".into(), json!("nixpkgs"));
    if !m.secrets.is_empty() {
        let mut agenix = pin("agenix")?;
        // `follows` as in flake.nix: nixpkgs from the root, no darwin / home-manager at all.
        agenix["inputs"] = json!({
            "darwin": [],
            "home-manager": [],
            "nixpkgs": ["nixpkgs"],
            "systems": "systems",
        });
        nodes.insert("agenix".into(), agenix);
        nodes.insert("systems".into(), pin("systems")?);
        root_inputs.insert("agenix".into(), json!("agenix"));
    }
    nodes.insert("root".into(), json!({ "inputs": root_inputs }));
    let lock = json!({ "nodes": nodes, "root": "root", "version": 7 });
    serde_json::to_string_pretty(&lock)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_matches_the_inputs_of_flake_nix() {
        let pins: serde_json::Value = serde_json::from_str(PINS).expect("pins");
        assert_eq!(pins["nixpkgs"]["original"]["url"], NIXPKGS_URL);
        assert_eq!(pins["agenix"]["original"]["repo"], "agenix");
        for node in ["nixpkgs", "agenix", "systems"] {
            let locked = &pins[node]["locked"];
            assert!(
                locked["narHash"]
                    .as_str()
                    .is_some_and(|h| h.starts_with("sha256-")),
                "{node} is locked to a NAR hash"
            );
            assert!(
                locked["rev"].as_str().is_some_and(|r| r.len() == 40),
                "{node}"
            );
        }
    }
}
