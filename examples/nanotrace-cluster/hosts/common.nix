# What the example's machines share. Replace the hosts' files with their own configuration.nix
# and hardware-configuration.nix (as written by `nixos-generate-config`); app2nix's flake adds
# the application on top, with each machine's roles.
{ lib, ... }:

{
  boot.loader.grub.device = "/dev/vda";

  fileSystems."/" = {
    device = "/dev/disk/by-label/nixos";
    fsType = "ext4";
  };

  services.openssh = {
    enable = true;
    settings.PasswordAuthentication = false;
  };

  nix.settings.experimental-features = [
    "nix-command"
    "flakes"
  ];

  system.stateVersion = lib.mkDefault "26.05";
}
