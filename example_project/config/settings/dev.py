"""Development settings: debug on, a key of this checkout's own, local front ends allowed."""

import os
import secrets
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool, env_list

# Made once per checkout and kept beside the project (git ignores it): long
# enough for the HS256 signatures of the JWTs, and known to no one else, so
# nobody can forge a token for the demo's admin account.
SECRET_KEY_FILE = BASE_DIR / ".dev-secret-key"


def checkout_secret_key(path: Path) -> str:
    """The key in ``path``, written there first if missing.

    Written to a temporary file and linked into place, so that processes
    starting at once (the server and a worker) all read the same complete key.
    """
    if not path.exists():
        candidate = path.with_name(f"{path.name}.{os.getpid()}")
        candidate.write_text(secrets.token_urlsafe(50))
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or checkout_secret_key(SECRET_KEY_FILE)
CORS_ALLOWED_ORIGINS = env_list(
    "CORS_ALLOWED_ORIGINS",
    "http://localhost:5173,http://127.0.0.1:5173,http://localhost:3000,http://127.0.0.1:3000",
)
