# Example host configuration for the `rtutils` machine of the Request Tracker Utils example.
# Replace it with your machine's own configuration.nix and hardware-configuration.nix (as
# written by `nixos-generate-config`); app2nix's flake adds the application on top.
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

  # The app's alert e-mails go through this machine's sendmail: msmtp, relaying to your mail
  # provider (services.postfix would do too). msmtp runs as the sender, here the app's user
  # (rtutils), which must be able to read the password file; `[alerts] smtp` in app2nix.toml
  # instead keeps the relay's password from the app, as the notifier's own credential.
  programs.msmtp = {
    enable = true;
    accounts.default = {
      host = "smtp.example.com";
      port = 587;
      tls = true;
      auth = true;
      user = "rtutils@example.com";
      passwordeval = "cat /run/keys/smtp-password";
      from = "rtutils@example.com";
    };
  };

  nix.settings.experimental-features = [
    "nix-command"
    "flakes"
  ];

  system.stateVersion = lib.mkDefault "26.05";
}
