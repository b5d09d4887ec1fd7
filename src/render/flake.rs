//! The flake around the module: `flake.nix` (written beside the description) and the seeded
//! `flake.lock` with real pinned inputs. The VM test it runs is [`super::vm_test`].
//!
//! May call: `model` (read only) and the template environment of [`super`].

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;
use serde_json::json;

use super::vm_test::vm_test_file_name;
use super::{asset_file_name, environment, header, package_file_name, python_env_file_name};
use crate::model::{Model, Package};

/// The NixOS release the generated flake follows.
pub const NIXPKGS_URL: &str = "https://channels.nixos.org/nixos-26.05-small/nixexprs.tar.zst";

/// Paths between the generated files, all `/`-separated and relative.
#[derive(Debug, Clone)]
pub struct FlakeLayout {
    /// The description's path as shown in the flake's header (relative to the flake).
    pub flake_source_label: String,
    /// From the flake's directory to the output directory: `""` or `"../../modules/"`.
    pub to_out: String,
    /// From the flake's directory to the description's (paths the description gives, such as
    /// a host's configuration, start there): `""`, or `"../"` for a flake in a subdirectory.
    pub to_project: String,
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
    /// The environment built from uv.lock (`<app>-python.nix`) and its interpreter, with the
    /// uv2nix inputs.
    python_env: Option<String>,
    /// Assets built with npm: package attribute and file.
    assets: Vec<(String, String)>,
    vm_test: String,
    agenix: bool,
    host: Option<HostCtx>,
    /// The machines of a deployment on several hosts (colmena and deploy-rs).
    hosts: Vec<ClusterHostCtx>,
    systems: Vec<String>,
    nixpkgs_url: String,
}

#[derive(Debug, Serialize)]
struct HostCtx {
    name: String,
    system: String,
    configuration: String,
}

#[derive(Debug, Serialize)]
struct ClusterHostCtx {
    name: String,
    system: String,
    configuration: String,
    ssh_user: String,
    ssh_host: String,
    roles: Vec<&'static str>,
}

/// Render `flake.nix` (written beside the description).
pub fn flake_nix(m: &Model, layout: &FlakeLayout) -> Result<String, Error> {
    let out = |f: &str| format!("{}{f}", layout.to_out);
    let (package, package_python, python_env) = match &m.package {
        Package::Python(py) if py.uv.is_some() => (
            None,
            Some(format!("pkgs.{}", crate::nix::attr_name(&py.interpreter()))),
            Some(out(&python_env_file_name(&m.name))),
        ),
        Package::Python(py) => (
            Some(out(&package_file_name(&m.name))),
            py.pyproject
                .then(|| crate::nix::python_interpreter(&py.interpreter(), &py.overrides)),
            None,
        ),
        _ => (None, None, None),
    };
    let ctx = FlakeContext {
        header: header(&layout.flake_source_label),
        name: m.name.clone(),
        title: m.description.clone(),
        module: out(&format!("{}.nix", m.name)),
        package,
        package_python,
        python_env,
        assets: m
            .assets
            .iter()
            .filter(|a| a.build.is_some())
            .map(|a| {
                let attr = format!("{}-{}", m.name, a.name);
                (attr, out(&asset_file_name(&m.name, &a.name)))
            })
            .collect(),
        vm_test: out(&vm_test_file_name(&m.name)),
        agenix: !m.secrets.is_empty(),
        host: m.host.as_ref().map(|h| HostCtx {
            name: h.name.clone(),
            system: h.system.clone(),
            configuration: format!("{}{}", layout.to_project, h.configuration),
        }),
        hosts: m
            .cluster
            .iter()
            .flat_map(|c| &c.hosts)
            .map(|h| ClusterHostCtx {
                name: h.name.clone(),
                system: h.system.clone(),
                configuration: format!("{}{}", layout.to_project, h.configuration),
                ssh_user: h.ssh_user.clone().unwrap_or_else(|| "root".into()),
                ssh_host: h.ssh_host.clone(),
                roles: h.roles.iter().map(|r| r.as_str()).collect(),
            })
            .collect(),
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
    if uses_uv2nix(m) {
        add_uv2nix_nodes(&pin, &mut nodes, &mut root_inputs)?;
    }
    if m.cluster.is_some() {
        add_deployment_nodes(&pin, &mut nodes, &mut root_inputs)?;
    }
    nodes.insert("root".into(), json!({ "inputs": root_inputs }));
    let lock = json!({ "nodes": nodes, "root": "root", "version": 7 });
    serde_json::to_string_pretty(&lock)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

/// `flake.lock` as it should be when one exists: its pins kept, the nodes of inputs `flake.nix`
/// gained added from app2nix's pins, and nodes no input reaches any more dropped (what `nix
/// flake lock` does, without fetching). A file that is not a lock of that shape is kept as it
/// is, and so is an up-to-date one, byte for byte.
pub fn refresh_lock(existing: &str, generated: &str) -> String {
    let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).ok();
    let (Some(old), Some(new)) = (parse(existing), parse(generated)) else {
        return existing.to_string();
    };
    let root_inputs = |v: &serde_json::Value| {
        let root = v.get("root")?.as_str()?;
        v.get("nodes")?
            .get(root)?
            .get("inputs")?
            .as_object()
            .cloned()
    };
    let (Some(old_inputs), Some(new_inputs)) = (root_inputs(&old), root_inputs(&new)) else {
        return existing.to_string();
    };
    let node = |v: &serde_json::Value, id: &str| v.get("nodes")?.get(id).cloned();
    let mut inputs = serde_json::Map::new();
    let mut nodes = serde_json::Map::new();
    let mut queue = Vec::new();
    for name in new_inputs.keys() {
        let kept = old_inputs
            .get(name)
            .and_then(|id| id.as_str().map(str::to_string));
        let id = kept.clone().unwrap_or_else(|| name.clone());
        inputs.insert(name.clone(), serde_json::Value::String(id.clone()));
        queue.push((id, kept.is_some()));
    }
    // Every node reachable from the root, from the lock that has it.
    while let Some((id, from_old)) = queue.pop() {
        if nodes.contains_key(&id) {
            continue;
        }
        let Some(n) = (if from_old {
            node(&old, &id)
        } else {
            node(&new, &id)
        }) else {
            continue;
        };
        for target in n
            .get("inputs")
            .and_then(|i| i.as_object())
            .into_iter()
            .flat_map(|i| i.values())
            .filter_map(|t| t.as_str())
        {
            queue.push((target.to_string(), from_old));
        }
        nodes.insert(id, n);
    }
    nodes.insert("root".into(), json!({ "inputs": inputs }));
    let mut lock = old.clone();
    lock["nodes"] = serde_json::Value::Object(nodes);
    lock["root"] = json!("root");
    if lock == old {
        return existing.to_string();
    }
    serde_json::to_string_pretty(&lock).map_or_else(|_| existing.to_string(), |s| s + "\n")
}

/// The environment is built from uv.lock: the flake has the uv2nix inputs.
fn uses_uv2nix(m: &Model) -> bool {
    matches!(&m.package, Package::Python(py) if py.uv.is_some())
}

/// The uv2nix stack's lock nodes, each following the root's inputs as `flake.nix` says.
fn add_uv2nix_nodes(
    pin: &dyn Fn(&str) -> Result<serde_json::Value, String>,
    nodes: &mut serde_json::Map<String, serde_json::Value>,
    root_inputs: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    let follows: [(&str, serde_json::Value); 3] = [
        ("pyproject-nix", json!({ "nixpkgs": ["nixpkgs"] })),
        (
            "uv2nix",
            json!({ "nixpkgs": ["nixpkgs"], "pyproject-nix": ["pyproject-nix"] }),
        ),
        (
            "pyproject-build-systems",
            json!({
                "nixpkgs": ["nixpkgs"],
                "pyproject-nix": ["pyproject-nix"],
                "uv2nix": ["uv2nix"],
            }),
        ),
    ];
    for (name, inputs) in follows {
        let mut node = pin(name)?;
        node["inputs"] = inputs;
        nodes.insert(name.into(), node);
        root_inputs.insert(name.into(), json!(name));
    }
    Ok(())
}

/// colmena's and deploy-rs's lock nodes and their own inputs, as `nix flake lock` writes them:
/// `nixpkgs` (and colmena's `stable`) follow the root's, the rest are locked nodes of their own,
/// named uniquely (agenix already has a `systems`).
fn add_deployment_nodes(
    pin: &dyn Fn(&str) -> Result<serde_json::Value, String>,
    nodes: &mut serde_json::Map<String, serde_json::Value>,
    root_inputs: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    // A flake-utils node with its own `systems` node; returns the flake-utils node's id.
    let flake_utils = |nodes: &mut serde_json::Map<String, serde_json::Value>,
                       name: &str|
     -> Result<String, String> {
        let systems = unique_id(nodes, "systems");
        nodes.insert(systems.clone(), pin("systems")?);
        let id = unique_id(nodes, name);
        let mut node = pin("flake-utils")?;
        node["inputs"] = json!({ "systems": systems });
        nodes.insert(id.clone(), node);
        Ok(id)
    };
    let colmena_utils = flake_utils(nodes, "flake-utils")?;
    let colmena_compat = unique_id(nodes, "flake-compat");
    nodes.insert(colmena_compat.clone(), pin("flake-compat")?);
    let actions = unique_id(nodes, "nix-github-actions");
    let mut node = pin("nix-github-actions")?;
    node["inputs"] = json!({ "nixpkgs": ["colmena", "nixpkgs"] });
    nodes.insert(actions.clone(), node);
    let mut colmena = pin("colmena")?;
    colmena["inputs"] = json!({
        "flake-compat": colmena_compat,
        "flake-utils": colmena_utils,
        "nix-github-actions": actions,
        "nixpkgs": ["nixpkgs"],
        "stable": ["nixpkgs"],
    });
    nodes.insert("colmena".into(), colmena);
    let deploy_utils = flake_utils(nodes, "utils")?;
    let deploy_compat = unique_id(nodes, "flake-compat");
    nodes.insert(deploy_compat.clone(), pin("flake-compat")?);
    let mut deploy = pin("deploy-rs")?;
    deploy["inputs"] = json!({
        "flake-compat": deploy_compat,
        "nixpkgs": ["nixpkgs"],
        "utils": deploy_utils,
    });
    nodes.insert("deploy-rs".into(), deploy);
    root_inputs.insert("colmena".into(), json!("colmena"));
    root_inputs.insert("deploy-rs".into(), json!("deploy-rs"));
    Ok(())
}

/// `name`, or `name_2`, `name_3`, … when a node has it already (Nix's own scheme).
fn unique_id(nodes: &serde_json::Map<String, serde_json::Value>, name: &str) -> String {
    if !nodes.contains_key(name) {
        return name.to_string();
    }
    (2..)
        .map(|i| format!("{name}_{i}"))
        .find(|id| !nodes.contains_key(id))
        .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_lock_keeps_its_pins_and_gains_new_inputs() {
        let old = r#"{
  "nodes": {
    "agenix": { "locked": { "rev": "old-agenix" } },
    "nixpkgs": { "locked": { "rev": "updated-by-nix" } },
    "root": { "inputs": { "agenix": "agenix", "nixpkgs": "nixpkgs" } }
  },
  "root": "root",
  "version": 7
}
"#;
        let new = r#"{ "nodes": {
    "nixpkgs": { "locked": { "rev": "app2nix-pin" } },
    "uv2nix": { "locked": { "rev": "uv" }, "inputs": { "nixpkgs": ["nixpkgs"] } },
    "root": { "inputs": { "nixpkgs": "nixpkgs", "uv2nix": "uv2nix" } } },
  "root": "root", "version": 7 }"#;
        let merged: serde_json::Value =
            serde_json::from_str(&refresh_lock(old, new)).expect("json");
        assert_eq!(
            merged["nodes"]["nixpkgs"]["locked"]["rev"],
            "updated-by-nix"
        );
        assert_eq!(merged["nodes"]["uv2nix"]["locked"]["rev"], "uv");
        assert!(
            merged["nodes"].get("agenix").is_none(),
            "a dropped input's node goes"
        );
        // Up to date: the same bytes; not a lock: kept.
        let again = refresh_lock(&refresh_lock(old, new), new);
        assert_eq!(again, refresh_lock(old, new));
        assert_eq!(
            refresh_lock("{ \"updated\": true }\n", new),
            "{ \"updated\": true }\n"
        );
    }

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
