# What the NixOS test framework gives every VM test node and the shared stand-in
# (../shared/tools/nixos-eval/test-node-options.nix) lacks, mirrored from nixpkgs'
# nixos/lib/testing/network.nix: one interface per VLAN (`eth1` for the first of
# `virtualisation.vlans`, `eth2` for the second, …) with the address 192.168.<vlan>.<node>, and
# `primaryIPAddress` the first interface's. The node number stands in as the stand-in's own
# (the length of the node's name), so addresses agree with its `primaryIPAddress`.
{
  lib,
  config,
  name ? "machine",
  ...
}:
let
  inherit (lib) mkOption types;
  node = toString (lib.stringLength name);
  address = vlan: "192.168.${toString vlan}.${node}";
in
{
  options.networking.interfaces = mkOption {
    type = types.attrsOf (
      types.submodule {
        options.ipv4.addresses = mkOption {
          type = types.listOf (
            types.submodule {
              options = {
                address = mkOption { type = types.str; };
                prefixLength = mkOption { type = types.int; };
              };
            }
          );
          default = [ ];
        };
      }
    );
    default = { };
  };
  config = {
    networking.interfaces = lib.listToAttrs (
      lib.imap1 (
        i: vlan:
        lib.nameValuePair "eth${toString i}" {
          ipv4.addresses = [
            {
              address = address vlan;
              prefixLength = 24;
            }
          ];
        }
      ) config.virtualisation.vlans
    );
    networking.primaryIPAddress = lib.mkOverride 900 (
      lib.optionalString (config.virtualisation.vlans != [ ]) (
        address (lib.head config.virtualisation.vlans)
      )
    );
  };
}
