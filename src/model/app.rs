//! The app itself and where it is deployed: its name, one-line description and user
//! (`[app]`), and the machine of the flake (`[host]`).
//!
//! Owns [`Host`] and [`SYSTEMS`]; validates `[app]` and `[host]`.
//!
//! May call [`super::check`].

use super::check::Checker;
use crate::description as d;

/// A NixOS machine of the flake (`nixosConfigurations.<name>`).
#[derive(Debug, Clone)]
pub struct Host {
    /// Host name.
    pub name: String,
    /// Its own configuration file, relative to the description's directory.
    pub configuration: String,
    /// `x86_64-linux` or `aarch64-linux`.
    pub system: String,
}

/// Platforms a generated flake builds for (NixOS VM tests need Linux).
pub const SYSTEMS: &[&str] = &["x86_64-linux", "aarch64-linux"];

/// What `[app]` says: see the fields of the same names in [`super::Model`].
pub(super) struct Identity {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) user: String,
}

/// `[app]`: the app's name (`flake` excepted), its user (the name by default) and its
/// description (the name by default).
pub(super) fn identity(c: &mut Checker, desc: &d::Description) -> Identity {
    let name = desc.app.name.to_string();
    if c.name(&desc.app.name, "app name") && name == "flake" {
        // The module is `<app>.nix`, beside the description by default, where flake.nix goes.
        c.err(
            desc.app.name.span(),
            "app name `flake` would make the module `flake.nix`, which is the generated flake",
            "choose another name",
        );
    }
    let user = match &desc.app.user {
        Some(u) => {
            c.name(u, "user name");
            u.to_string()
        }
        None => name.clone(),
    };
    let description = match &desc.app.description {
        Some(s) => {
            c.unit_text(s, "description");
            s.to_string()
        }
        None => name.clone(),
    };
    Identity {
        name,
        description,
        user,
    }
}

/// `[host]`: a machine name, its system and its configuration file in the project.
pub(super) fn host(c: &mut Checker, desc: &d::Description) -> Option<Host> {
    let h = desc.host.as_ref()?;
    let ok = c.name(&h.name, "host name");
    let system = c.choice(&h.system, "system", SYSTEMS, SYSTEMS[0]);
    let configuration = c.project_path(&h.configuration, "host configuration", false)?;
    ok.then(|| Host {
        name: h.name.to_string(),
        configuration,
        system,
    })
}
