"""The OS sandbox around every graded run: which protection this machine allows, and how to apply it.

From strongest to weakest, the first that works here is used (or the one a teacher asks for):

- ``bwrap``: bubblewrap (Flatpak's sandbox). New user, pid, mount, network, IPC and UTS
  namespaces. The run sees only the system's libraries, Python, the grader and its virtual
  environment, all read-only, its own grading folder (the course's files in it read-only)
  and a private /tmp; no network but its own loopback; none of the caller's files,
  environment or processes. Every process it started ends with it.
- ``landlock+uid`` (running as root where namespaces are refused, as in Docker): the run
  has a uid of its own, and a Landlock ruleset lets it read only what ``bwrap`` would show
  and write only its grading folder, and (Linux 6.12+) signal nothing outside it. All
  processes of that uid are killed when the run ends.
- ``landlock``: the same ruleset without a uid of its own (not root, no namespaces).
- ``uid``: only a uid of its own (root, no Landlock).
- ``none``: nothing but the grader's own checks; named in every result.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import graders

BWRAP = "bwrap"
LANDLOCK_UID = "landlock+uid"
LANDLOCK = "landlock"
UID = "uid"
NONE = "none"
AUTO = "auto"
MODES = (AUTO, BWRAP, LANDLOCK_UID, LANDLOCK, UID, NONE)
STRENGTH = {BWRAP: 4, LANDLOCK_UID: 3, LANDLOCK: 2, UID: 1, NONE: 0}

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
SYSTEM_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/hosts",
    "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/ssl", "/etc/ca-certificates",
    "/etc/mime.types", "/etc/alternatives", "/sys/devices/system/cpu",
)  # fmt: skip
READ_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
SANDBOX_UID = 65534  # the uid the run sees inside bwrap's user namespace
UID_BASE = 1_000_000  # own uids for runs as root without namespaces: far above any real account
UID_SLOTS = 64
MAX_PROCESSES = 256  # per own uid: a fork bomb stops there


class IsolationError(Exception):
    """The protection a teacher asked for is not available on this machine."""


@dataclass(frozen=True)
class Isolation:
    """One protection and everything needed to apply it to a command."""

    name: str
    python: str
    readable: tuple[str, ...]
    listable: tuple[str, ...] = ()  # folders whose names (not contents) a run may list: a checkout's root
    why: str = ""  # why a stronger protection was not used
    _slots: list[int] = field(default_factory=list, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @property
    def own_uid(self) -> bool:
        return self.name in (LANDLOCK_UID, UID)

    @property
    def landlock(self) -> bool:
        return self.name in (LANDLOCK_UID, LANDLOCK)

    # -- a uid of its own per concurrent run -------------------------------------

    @contextmanager
    def run_uid(self) -> Iterator[int | None]:
        """A uid no other run uses right now (``None`` when this protection has none)."""
        if not self.own_uid:
            yield None
            return
        with self._lock:
            used = set(self._slots)
            slot = next(i for i in range(UID_SLOTS * 4) if i not in used)
            self._slots.append(slot)
        uid = UID_BASE + (os.getpid() % 10_000) * UID_SLOTS * 4 + slot
        try:
            yield uid
        finally:
            kill_uid(uid, self.python)
            remove_ipc_of(uid)
            with self._lock:
                self._slots.remove(slot)

    # -- the folder and the command ---------------------------------------------

    def prepare_folder(self, folder: Path, uid: int | None, protected: list[Path]) -> None:
        """Let the run's own uid write its folder but never change the course's files in it.

        A folder holding course files stays the grader's, group-writable for the run's uid
        and sticky, so the run can add files there but not replace or remove the course's.
        """
        if uid is None:
            return
        holders = {path.parent for path in protected}
        for path in [folder, *folder.rglob("*")]:
            if path in protected or path.is_symlink():
                continue
            if path in holders:
                os.chown(path, os.getuid(), uid)
                path.chmod(0o1770)  # the run's group may add files; no other run may look in
            else:
                os.chown(path, uid, uid)
                if path.is_dir():
                    path.chmod(0o700)

    def wrap(
        self, command: list[str], folder: Path, protected: list[Path], memory_mb: int,
        reads: Sequence[Path] = (), writes: Sequence[Path] = (),
    ) -> list[str]:  # fmt: skip
        """``command`` as it must be started to run under this protection.

        Besides its own folder, the run may read ``reads`` and write ``writes`` (the folder a
        host process and its judge share).
        """
        confine = [
            self.python, "-I", "-B", "-m", "graders.classroom.confine",
            f"--memory-mb={memory_mb}", f"--max-processes={MAX_PROCESSES if self.own_uid else 0}",
        ]  # fmt: skip
        if self.landlock:
            confine.append("--landlock")
            confine.extend(f"--read={path}" for path in (*self.readable, *READ_DEVICES, *map(str, reads)))
            confine.extend(f"--list={path}" for path in self.listable)
            confine.extend(f"--write={path}" for path in (str(folder), "/dev/null", *map(str, writes)))
        confined = [*confine, "--", *command]
        if self.name != BWRAP:
            return confined
        shared = [("--ro-bind", p) for p in reads] + [("--bind", p) for p in writes]
        return [*bwrap_arguments(folder, protected, self.readable, shared), "--", *confined]

    def popen_user(self, uid: int | None) -> dict[str, object]:
        """The ``subprocess.Popen`` arguments that start the run as its own uid."""
        if uid is None:
            return {}
        return {"user": uid, "group": uid, "extra_groups": []}

    def exit_code(self, code: int) -> int:
        """The wrappers report a child killed by signal N as 128 + N: give it back as -N, as Popen does."""
        if 128 < code < 128 + 65:
            return -(code - 128)
        return code


def bwrap_arguments(
    folder: Path, protected: list[Path], readable: tuple[str, ...], shared: Sequence[tuple[str, Path]] = ()
) -> list[str]:
    """bubblewrap's options: new namespaces, a read-only view of what the run needs, its folder."""
    args = [
        shutil.which("bwrap") or "bwrap",
        "--die-with-parent", "--new-session",
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "kata-grade",
        "--cap-drop", "ALL",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/var/tmp",
    ]  # fmt: skip
    for path in readable:
        if os.path.islink(path) and path in SYSTEM_DIRS:
            args += ["--symlink", os.readlink(path), path]
        else:
            args += ["--ro-bind-try", path, path]
    etc = _fake_etc()
    args += ["--ro-bind", str(etc / "passwd"), "/etc/passwd", "--ro-bind", str(etc / "group"), "/etc/group"]
    args += ["--bind", str(folder), str(folder)]
    for path in protected:
        args += ["--ro-bind", str(path), str(path)]
    for how, path in shared:
        args += [how, str(path), str(path)]
    args += ["--chdir", str(folder)]
    return args


@functools.cache
def _fake_etc() -> Path:
    """An /etc/passwd and /etc/group naming only the sandbox's user, so lookups of it work."""
    etc = Path(tempfile.mkdtemp(prefix="kata-sandbox-etc-"))
    etc.chmod(0o755)
    (etc / "passwd").write_text(f"kata:x:{SANDBOX_UID}:{SANDBOX_UID}:kata:/nonexistent:/usr/sbin/nologin\n")
    (etc / "group").write_text(f"kata:x:{SANDBOX_UID}:\n")
    for name in ("passwd", "group"):
        (etc / name).chmod(0o644)
    import atexit

    atexit.register(shutil.rmtree, etc, True)
    return etc


def kill_uid(uid: int, python: str) -> None:
    """End every process of ``uid``: a process started as that uid signals all it may (kill -1)."""
    script = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
    for _ in range(3):
        try:
            subprocess.run(
                [python, "-I", "-S", "-c", script], user=uid, group=uid, extra_groups=[],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return
        if not _processes_of(uid):
            return
        time.sleep(0.05)


def remove_ipc_of(uid: int) -> None:
    """Remove System V shared memory, semaphores and queues ``uid`` left behind (they outlive processes)."""
    for kind, flag in (("shm", "-m"), ("sem", "-s"), ("msg", "-q")):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        header = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[0].split()
        for line in lines:
            fields = dict(zip(header, line.split(), strict=False))
            if fields.get("uid") == str(uid) and shutil.which("ipcrm"):
                ident = fields.get("shmid") or fields.get("semid") or fields.get("msqid")
                if ident:
                    subprocess.run(["ipcrm", flag, ident], capture_output=True, timeout=10)


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


# -- what a run may read ----------------------------------------------------------


@functools.cache
def readable_paths(python: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a run may read (system libraries, its Python and import path, the grader), and list only.

    A checkout that holds the grader (an editable install) is on the import path, but only
    the grader's own folder of it is readable: never the reference solutions beside it.
    """
    paths: list[str] = [*SYSTEM_DIRS, *SYSTEM_FILES]
    listable: list[str] = []
    grader = str(Path(graders.__file__).resolve().parent)
    for entry in _child_sys_path(python) + _prefixes(python):
        if not entry or not os.path.exists(entry):
            continue
        for form in dict.fromkeys((os.path.abspath(entry), os.path.realpath(entry))):
            if (grader + os.sep).startswith(form + os.sep) and form != grader:
                listable.append(form)  # a checkout holding the grader: only the grader itself is shown
            else:
                paths.append(form)
    paths.append(grader)
    executable = os.path.realpath(python)
    paths.append(os.path.dirname(executable))
    return tuple(dict.fromkeys(paths)), tuple(dict.fromkeys(listable))


def _ask(python: str, expression: str, fallback: list[str]) -> list[str]:
    """A list of paths ``python`` computes (as a graded run's Python sees them), or ``fallback``."""
    code = f"import json, sys; print(json.dumps({expression}))"
    try:
        out = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, timeout=30, check=True)
        return [str(p) for p in json.loads(out.stdout)]
    except (OSError, subprocess.SubprocessError, ValueError):
        return fallback


def _child_sys_path(python: str) -> list[str]:
    return _ask(python, "sys.path", list(sys.path))


def _prefixes(python: str) -> list[str]:
    return _ask(python, "[sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]", [sys.prefix, sys.base_prefix])


# -- choosing -----------------------------------------------------------------------


def choose(requested: str = AUTO, python: str = sys.executable) -> Isolation:
    """The protection to use: ``requested``, or with ``auto`` the strongest this machine allows."""
    if requested not in MODES:
        raise IsolationError(f"unknown sandbox {requested!r}: choose one of {', '.join(MODES)}")
    return _choose(requested, python)


@functools.cache
def _choose(requested: str, python: str) -> Isolation:
    readable, listable = readable_paths(python)
    reasons: list[str] = []
    order = [BWRAP, LANDLOCK_UID, LANDLOCK, UID, NONE] if requested == AUTO else [requested]
    for name in order:
        isolation = Isolation(name, python, readable, listable, why="; ".join(reasons))
        problem = _unavailable(isolation)
        if not problem:
            return isolation
        reasons.append(f"{name}: {problem}")
        if requested != AUTO:
            raise IsolationError(f"the sandbox {name!r} is not available here: {problem}")
    raise IsolationError("no sandbox is available")  # not reached: "none" is always available


def _unavailable(isolation: Isolation) -> str:
    """Why ``isolation`` cannot be used here, or "" when a probe run under it worked."""
    name = isolation.name
    if name == NONE:
        return ""
    if name in (LANDLOCK_UID, UID) and os.geteuid() != 0:
        return "a uid of its own needs the grader to run as root"
    if name == LANDLOCK and os.geteuid() == 0:
        return "as root, a run under Landlock alone keeps root's rights (chmod, chown, devices): use landlock+uid"
    if name == BWRAP and not shutil.which("bwrap"):
        return "bubblewrap (bwrap) is not installed"
    if name in (LANDLOCK_UID, LANDLOCK):
        from graders.classroom.confine import landlock_abi

        if landlock_abi() < 1:
            return "this kernel offers no Landlock"
    if isolation.own_uid and not _usable_by_others(isolation.python):
        return f"{isolation.python} cannot be run by another uid (a folder on its path is private, like /root)"
    return _probe(isolation)


def _usable_by_others(python: str) -> bool:
    """Whether a uid with no rights of its own can reach and run ``python`` and its libraries."""
    for path in (python, os.path.realpath(python)):
        current = Path(path)
        for folder in [*reversed(current.parents)]:
            try:
                if not folder.stat().st_mode & 0o001:
                    return False
            except OSError:
                return False
    return True


def _probe(isolation: Isolation) -> str:
    """Start Python under ``isolation`` in a scratch folder; "" when it ran and could write there."""
    folder = Path(tempfile.mkdtemp(prefix="kata-probe-"))
    try:
        (folder / "tmp").mkdir()
        with isolation.run_uid() as uid:
            isolation.prepare_folder(folder, uid, [])
            command = isolation.wrap(
                [isolation.python, "-I", "-B", "-c", "open('probe', 'w').write('ok')"], folder, [], 0
            )
            try:
                done = subprocess.run(
                    command, cwd=folder, env={"PATH": os.defpath, "LANG": "C.UTF-8"}, capture_output=True,
                    timeout=30, start_new_session=True, **isolation.popen_user(uid),  # type: ignore[arg-type]
                )  # fmt: skip
            except (OSError, subprocess.SubprocessError) as exc:
                return f"could not start ({exc})"
        if done.returncode != 0 or not (folder / "probe").is_file():
            last = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()[-1:]
            return f"a test run failed ({last[0] if last else f'exit code {done.returncode}'})"
        return ""
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def describe(isolation: Isolation) -> str:
    """One sentence for a result's notes: which protection graded, and why not a stronger one."""
    if isolation.name == BWRAP:
        return "Sandbox: bwrap (own user, pid, mount and network namespaces; read-only system and grader)."
    text = f"Sandbox: {isolation.name}"
    if isolation.why:
        text += f" (stronger ones unavailable: {isolation.why})"
    return text + "."

