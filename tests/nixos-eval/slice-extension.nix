# Declarations of NixOS 26.05 options that generated modules for several hosts use and that the
# shared option slice (../shared/tools/nixos-eval/options.nix) lacks, mirrored from nixpkgs:
# - networking.firewall.interfaces: nixos/modules/services/networking/firewall.nix
#   (`attrsOf (submodule [ { options = commonOptions; } ])`, the ports options of the firewall);
# - services.postgresql.settings.port: nixos/modules/services/databases/postgresql.nix
#   (`types.port`, default 5432), merged into the slice's freeform `settings` submodule;
# - the value of services.postgresql.package where nixpkgs gives one: only on a host that runs
#   the server (nixpkgs sets it, by stateVersion, inside `mkIf cfg.enable`; the option itself has
#   no default, so reading it elsewhere fails as it does here).
# `.ci/run` evaluates with it (see DEVELOPERS.md); it declares nothing else.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkOption types;
  ports = {
    allowedTCPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
    };
    allowedUDPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
    };
    allowedTCPPortRanges = mkOption {
      type = types.listOf (types.attrsOf types.port);
      default = [ ];
    };
    allowedUDPPortRanges = mkOption {
      type = types.listOf (types.attrsOf types.port);
      default = [ ];
    };
  };
in
{
  options.networking.firewall.interfaces = mkOption {
    type = types.attrsOf (types.submodule [ { options = ports; } ]);
    default = { };
  };
  options.services.postgresql.settings = mkOption {
    type = types.submodule {
      options.port = mkOption {
        type = types.port;
        default = 5432;
      };
    };
  };
  config.services.postgresql.package = lib.mkIf config.services.postgresql.enable (
    lib.mkDefault pkgs.postgresql
  );
}
