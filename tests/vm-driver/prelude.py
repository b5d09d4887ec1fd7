# Type declarations of the NixOS test driver API that generated VM test scripts use, so that
# `.ci/run` can type-check them with mypy the way the driver does before a test starts (the driver
# prepends its own declarations; these mirror the signatures of nixos/lib/test-driver).
# Written for app2nix's CI; keep it to the calls the templates make.
from collections.abc import Callable
from contextlib import AbstractContextManager


class Machine:
    name: str

    def start(self, allow_reboot: bool = False) -> None:
        raise NotImplementedError

    def wait_for_unit(self, unit: str, user: str | None = None, timeout: int = 900) -> None:
        raise NotImplementedError

    def wait_for_open_port(self, port: int, addr: str = "localhost", timeout: int = 900) -> None:
        raise NotImplementedError

    def wait_for_file(self, filename: str, timeout: int = 900) -> None:
        raise NotImplementedError

    def succeed(self, *commands: str, timeout: int | None = None) -> str:
        raise NotImplementedError

    def fail(self, *commands: str, timeout: int | None = None) -> str:
        raise NotImplementedError

    def wait_until_succeeds(self, command: str, timeout: int = 900) -> str:
        raise NotImplementedError

    def execute(self, command: str, check_return: bool = True, check_output: bool = True, timeout: int | None = 900) -> tuple[int, str]:
        raise NotImplementedError


def start_all() -> None:
    raise NotImplementedError


def subtest(name: str) -> AbstractContextManager[None]:
    raise NotImplementedError


def retry(fn: Callable[[bool], bool], timeout: int = 900) -> None:
    raise NotImplementedError


# The machines of a test on one host; a test on several lists its own in a `# VM test machines:`
# header line, which `.ci/run` declares after this prelude.
acme = Machine()
server = Machine()
client = Machine()
