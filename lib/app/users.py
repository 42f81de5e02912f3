"""Local sign-in: the users file (names, roles, Argon2id password hashes), checking a password,
slowing down guessing, and the roles of people who sign in through OIDC.

Plain Python, no Streamlit. The file is YAML (``DASHBOARD_USERS_FILE``, by default
``.streamlit/users.yaml``, which git ignores) and is written only through :func:`add`,
:func:`set_role` and :func:`remove` (the ``python -m lib users`` commands and the Users page):
each change is checked first and written whole (to a temporary file, then renamed), so bad input
leaves the file as it was. An entry without a password hash is a person who signs in through the
department's identity provider (OIDC) and is named by e-mail address.

Passwords are hashed with Argon2id (``argon2-cffi``, RFC 9106 parameters); a password is at least
:data:`MIN_PASSWORD` characters (NIST SP 800-63B-4 for single-factor passwords). Guessing is slowed
down by :class:`Throttle`, which counts attempts in the store (:data:`LIMITS`).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lib.app import access
from lib.store import schema, settings
from lib.store.settings import PROJECT_DIR

MIN_PASSWORD = 15
MAX_PASSWORD = 256  # Argon2 takes any length; this only bounds the work one attempt can cause
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
HEADER = (
    "# Dashboard users: managed with `python -m lib users add|role|remove|list` (docs/user-guide.md, Sign-in).\n"
    "# password_hash: Argon2id. An entry without one signs in through OIDC and is named by e-mail.\n"
)

_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone's")


class UsersError(ValueError):
    """A users-file change or read that cannot be done; the message says what to do."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str | None = None  # None: signs in through OIDC only

    @property
    def kind(self) -> str:
        return "password" if self.password_hash else "OIDC"


@dataclass(frozen=True)
class Account:
    """The person signed in to one session: ``role`` None means signed in but no staff access."""

    name: str
    role: str | None
    via: str  # "password" or "oidc"


def fingerprint(user: User) -> str:
    """Changes when the user's password is reset, which ends every session signed in with the old one."""
    import hashlib

    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def users_path(path: str | Path | None = None) -> Path:
    """The users file: ``path``, else the ``users_file`` setting (relative paths from the project)."""
    path = Path(path or settings.get("users_file"))
    return path if path.is_absolute() else PROJECT_DIR / path


def load(path: str | Path | None = None) -> dict[str, User]:
    """Every user in the file, by lower-cased name; {} when there is no file yet."""
    file = users_path(path)
    if not file.exists():
        return {}
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsersError(
            f"the users file {file} is not readable YAML ({exc}); "
            "restore it from a backup or remove it and add the users again"
        ) from exc
    entries = data.get("users") if isinstance(data, dict) else None
    if entries is None:
        entries = {}
    if not isinstance(entries, dict):
        raise UsersError(f"the users file {file} must hold a 'users:' mapping of name to role and hash")
    users = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or entry.get("role") not in access.ROLES:
            raise UsersError(
                f"the users file {file}: user {name!r} needs a role, one of "
                f"{', '.join(access.ROLES)}; fix it with `python -m lib users role {name} ROLE`"
            )
        users[str(name).lower()] = User(str(name), entry["role"], entry.get("password_hash") or None)
    return users


def save(users: dict[str, User], path: str | Path | None = None) -> Path:
    """Write the whole file: a temporary file in the same folder, readable by the owner only, renamed over."""
    file = users_path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "users": {
            u.name: {"role": u.role, **({"password_hash": u.password_hash} if u.password_hash else {})}
            for u in sorted(users.values(), key=lambda u: u.name.lower())
        }
    }
    fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".yaml", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(HEADER)
            yaml.safe_dump(body, out, sort_keys=False, allow_unicode=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return file


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise UsersError(
            f"the name {name!r} cannot be used: 1 to 100 characters, letters, digits and . _ @ + - "
            "(starting with a letter or digit)"
        )
    return name


def check_password(password: str) -> str:
    if password is None or len(password) < MIN_PASSWORD:
        raise UsersError(
            f"the password is too short: at least {MIN_PASSWORD} characters "
            "(a few unrelated words make a long password easy to remember)"
        )
    if len(password) > MAX_PASSWORD:
        raise UsersError(f"the password is too long: at most {MAX_PASSWORD} characters")
    if password != password.strip():
        raise UsersError("the password starts or ends with a space or a line break; remove it")
    return password


def check_role(role: str) -> str:
    try:
        return access.check_role(role)
    except ValueError as exc:
        raise UsersError(str(exc)) from exc


def add(name: str, role: str, password: str | None, path: str | Path | None = None, replace: bool = False) -> User:
    """Add a user (``password`` None: an OIDC user, named by e-mail); ``replace`` resets an existing one."""
    check_name(name)
    check_role(role)
    if password is None:
        if "@" not in name:
            raise UsersError(
                f"{name!r} has no password, so it must be the e-mail address the identity "
                "provider (OIDC) gives; or give it a password"
            )
        password_hash = None
    else:
        password_hash = _HASHER.hash(check_password(password))
    users = load(path)
    if name.lower() in users and not replace:
        raise UsersError(
            f"there is already a user {users[name.lower()].name!r}: change the role with "
            f"`python -m lib users role {name} ROLE`, or reset it with `users add {name} --replace`"
        )
    user = User(name, role, password_hash)
    users[name.lower()] = user
    save(users, path)
    return user


def set_role(name: str, role: str, path: str | Path | None = None) -> User:
    check_role(role)
    users = load(path)
    if name.lower() not in users:
        raise UsersError(f"there is no user {name!r}; `python -m lib users list` shows who there is")
    old = users[name.lower()]
    users[name.lower()] = User(old.name, role, old.password_hash)
    save(users, path)
    return users[name.lower()]


def remove(name: str, path: str | Path | None = None) -> User:
    users = load(path)
    if name.lower() not in users:
        raise UsersError(f"there is no user {name!r}; `python -m lib users list` shows who there is")
    user = users.pop(name.lower())
    save(users, path)
    return user


def verify(users: dict[str, User], name: str, password: str) -> User | None:
    """The user whose name and password these are, or None; as slow for an unknown name as a wrong password."""
    user = users.get((name or "").strip().lower())
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _HASHER.verify(stored, (password or "")[:MAX_PASSWORD])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return user if stored is not _DUMMY_HASH else None


def oidc_role(
    email: str | None, email_verified: bool | None, users: dict[str, User], mapping: dict | None = None
) -> str | None:
    """The role of someone signed in through OIDC, or None (signed in, but no access to staff pages).

    Looked up by e-mail: first the users file (entries without a password), then ``mapping`` (the
    ``[auth.roles]`` table of secrets.toml): an exact address, then ``"@domain"`` for a whole domain.
    An address the provider says is not verified gets no role.
    """
    if not email or email_verified is False:
        return None
    email = email.strip().lower()
    user = users.get(email)
    if user is not None and user.password_hash is None:
        return user.role
    mapping = {str(k).strip().lower(): v for k, v in (mapping or {}).items()}
    for key in (email, "@" + email.rsplit("@", 1)[-1]):
        role = mapping.get(key)
        if role in access.ROLES:
            return role
    return None


# ---- The sign-in throttle. It counts attempts, not results: an attempt is recorded in the store, under a
# lock, before its password is checked, and cleared only by a success. So attempts running at the same time
# see each other, and every app process on one store (PostgreSQL) shares the count.


@dataclass(frozen=True)
class Limit:
    """How many attempts for one key go through unhindered, and how long each further one must wait.

    After ``free`` attempts not cleared by a success, an attempt must start at least ``base`` seconds
    after the one before, then twice that, four times ... (at most ``cap``). A key idle for ``window``
    seconds starts again.

    >>> name = Limit("name", free=3)
    >>> name.wait(2, last_at=100.0, now=100.0), name.wait(3, 100.0, 100.0), name.wait(3, 100.0, 104.5)
    (0.0, 10.0, 5.5)
    >>> name.wait(5, 100.0, 100.0), name.wait(30, 100.0, 100.0), name.wait(30, 100.0, 1001.0)
    (40.0, 300.0, 0.0)
    """

    scope: str  # "name" (what is typed as the name, case-blind) or "client" (the network address)
    free: int
    base: float = 10.0  # the first wait; an attempt made too soon starts it again (Throttle.admit)
    cap: float = 300.0
    window: float = 900.0

    def wait(self, attempts: int, last_at: float, now: float) -> float:
        """Seconds until the next attempt may start, given the attempts so far and when the last began."""
        if attempts < self.free or now - last_at > self.window:
            return 0.0
        return max(0.0, last_at + min(self.cap, self.base * 2.0 ** (attempts - self.free)) - now)


# The policy (docs/user-guide.md, Sign-in and roles). Per name: someone mistyping gets three tries, then waits that
# double. Per client: spraying many names from one address is slowed too; higher, as one office can share
# an address.
LIMITS: tuple[Limit, ...] = (Limit("name", free=3), Limit("client", free=10))

_TABLE = "sign_in_throttle"
# PostgreSQL: one advisory lock serialises admissions across every app process on the database.
_PG_LOCK = 0x7369676E  # "sign"
# DuckDB: one process holds the file, so a lock in the process serialises every connection to it.
_PROCESS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Admission:
    """Whether an attempt may check its password now; if not, how long to wait and which limit holds it."""

    admitted: bool
    wait: float = 0.0
    scope: str | None = None


class Throttle:
    """Slows down password guessing across every session and app process on ``store``.

    :meth:`admit` records the attempt (for the name and for the client) before the password is checked,
    or refuses it with the wait that one of :data:`LIMITS` imposes; :meth:`succeeded` clears the name and
    takes the attempt off the client's count. A refused attempt is not counted (hammering does not
    lengthen the wait of the person whose name is being guessed) but starts the wait again, so attempts
    keep being refused until they pause for as long as the wait.
    """

    def __init__(self, store, limits: tuple[Limit, ...] = LIMITS, clock=time.time):
        self.store, self.limits, self.clock = store, limits, clock
        self._ready = False

    @staticmethod
    def key(name: str) -> str:
        return (name or "").strip().lower()

    @contextmanager
    def _exclusive(self):
        """A transaction that no other admission, in this process or another, runs beside."""
        lock = _PROCESS_LOCK if self.store.engine == "duckdb" else nullcontext()
        with lock, self.store.transaction():
            if self.store.engine == "postgresql":
                self.store.execute("SELECT pg_advisory_xact_lock(:k)", {"k": _PG_LOCK})
            if not self._ready:
                if _TABLE not in self.store.tables():
                    schema.create_tables(self.store)
                self._ready = True
            yield

    def _keys(self, name: str, client: str) -> dict[str, str]:
        return {"name": self.key(name), "client": client or "unknown"}

    def admit(self, name: str, client: str) -> Admission:
        """Record an attempt for ``name`` from ``client`` and let it through, or refuse it."""
        keys = self._keys(name, client)
        with self._exclusive():
            now = self.clock()  # inside the lock: admissions are decided in the order they record
            rows = self.store.rows(
                f"SELECT scope, key, attempts, last_at FROM {_TABLE} "
                "WHERE (scope = 'name' AND key = :name) OR (scope = 'client' AND key = :client)",
                keys,
            )
            seen = {scope: (attempts, last_at) for scope, _, attempts, last_at in rows}
            holding = [x for x in self.limits if x.wait(*seen.get(x.scope, (0, 0.0)), now) > 0]
            if holding:
                # Too soon: the wait starts again (it does not grow), so a burst of attempts, however
                # slowly the server works through it, gets the allowance and nothing more.
                for limit in holding:
                    self.store.execute(
                        f"UPDATE {_TABLE} SET last_at = :now WHERE scope = :scope AND key = :key",
                        {"now": now, "scope": limit.scope, "key": keys[limit.scope]},
                    )
                limit = max(holding, key=lambda x: x.wait(seen[x.scope][0], now, now))
                return Admission(False, limit.wait(seen[limit.scope][0], now, now), limit.scope)
            for limit in self.limits:
                attempts, last_at = seen.get(limit.scope, (0, 0.0))
                fresh = now - last_at > limit.window
                self._put(limit.scope, keys[limit.scope], (0 if fresh else attempts) + 1, now)
            self.store.execute(
                f"DELETE FROM {_TABLE} WHERE last_at < :old", {"old": now - max(x.window for x in self.limits)}
            )
        return Admission(True)

    def succeeded(self, name: str, client: str) -> None:
        """The password was right: the name starts afresh, and the attempt no longer counts for the client."""
        keys = self._keys(name, client)
        with self._exclusive():
            self.store.execute(f"DELETE FROM {_TABLE} WHERE scope = 'name' AND key = :name", {"name": keys["name"]})
            self.store.execute(
                f"UPDATE {_TABLE} SET attempts = attempts - 1 WHERE scope = 'client' AND key = :client "
                "AND attempts > 0",
                {"client": keys["client"]},
            )

    def _put(self, scope: str, key: str, attempts: int, last_at: float) -> None:
        self.store.execute(f"DELETE FROM {_TABLE} WHERE scope = :scope AND key = :key", {"scope": scope, "key": key})
        self.store.execute(
            f"INSERT INTO {_TABLE} (scope, key, attempts, last_at) VALUES (:scope, :key, :attempts, :last_at)",
            {"scope": scope, "key": key, "attempts": attempts, "last_at": last_at},
        )

    def held(self) -> list[tuple[str, str, int, float]]:
        """(scope, key, attempts, seconds to wait) of every name and client a limit holds back now."""
        now = self.clock()
        with self._exclusive():
            rows = self.store.rows(f"SELECT scope, key, attempts, last_at FROM {_TABLE} ORDER BY scope, key")
        by_scope = {limit.scope: limit for limit in self.limits}
        out = []
        for scope, key, attempts, last_at in rows:
            wait = by_scope[scope].wait(attempts, last_at, now) if scope in by_scope else 0.0
            if wait > 0:
                out.append((scope, key, int(attempts), wait))
        return out

    def clear(self, name_or_client: str) -> int:
        """Let a name (case-blind) or a client address try again at once; returns how many entries went."""
        with self._exclusive():
            before = self.store.scalar(f"SELECT count(*) FROM {_TABLE}")
            self.store.execute(
                f"DELETE FROM {_TABLE} WHERE (scope = 'name' AND key = :name) OR (scope = 'client' AND key = :raw)",
                {"name": self.key(name_or_client), "raw": name_or_client.strip()},
            )
            return int(before - self.store.scalar(f"SELECT count(*) FROM {_TABLE}"))
