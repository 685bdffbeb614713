"""Prefect's settings for runload, set in the environment before Prefect is first imported
(Prefect reads them once, at import). Import this module before ``prefect``.

No console logging (the CLI prints its own summary; ``RUNLOAD_VERBOSE=1`` shows Prefect's), and
telemetry off. A value the user set wins.
"""

import os

VERBOSE = os.environ.get("RUNLOAD_VERBOSE", "") not in ("", "0")

# Nothing leaves the machine: every telemetry switch Prefect has. DO_NOT_TRACK (the cross-tool
# convention) is the only one that stops the client's usage events and its first-run notice
# ("Prefect collects anonymous usage data"); the others cover the server and Prefect Cloud.
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
}

DEFAULTS = {
    **TELEMETRY_OFF,
    # the temporary API server logs cancelled database writes at shutdown: not for users
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING" if VERBOSE else "CRITICAL",
    "PREFECT_INTERNAL_LOGGING_LEVEL": "ERROR" if VERBOSE else "CRITICAL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO" if VERBOSE else "CRITICAL",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "DASK_LOGGING__DISTRIBUTED": "warning" if VERBOSE else "error",
    # the temporary API server can take well over Prefect's default to start on a busy 2-core
    # machine (seen here: a demo failing with "Timed out ... ephemeral Prefect API server")
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
}

for _key, _value in DEFAULTS.items():
    os.environ.setdefault(_key, _value)
