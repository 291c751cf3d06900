"""What the handler benchmarks share: an environment that cannot reach AWS, and loading a handler
from lambdas/ by path. Import it before boto3 or moto, so both see only fake credentials."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def offline_aws(handler_env: dict[str, str]) -> None:
    """Fake credentials and one region (nothing may reach AWS), plus the handler's environment."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **handler_env,
    })


def load(folder: str, name: str):
    """lambdas/<folder>/handler.py as a module called `name`."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "lambdas" / folder / "handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
