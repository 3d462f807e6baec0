"""How a served endpoint behaved during the audit: requests, errors by kind, retries, timeouts
and latency percentiles, from the counts the HTTP client keeps in :class:`Usage`.

Definitions. A *request* is one thing the audit asked of the server; it is *answered* or, after
its last try, *failed*. An *attempt* is one HTTP round trip; a request that was retried took
several (``attempts = requests + retries``). Errors are counted per attempt: 429 (rate limited),
5xx, other 4xx, timeouts (no answer within ``--timeout``) and network errors. Latencies are
those of the answered attempts only, from sending the request to reading the whole answer; a
failed attempt has no latency (a timeout would only say "longer than --timeout"), and the waits
between retries are not included. Percentiles are nearest-rank.
"""

from __future__ import annotations

from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.backends.base import Usage, nearest_rank


class EndpointStats(Frozen):
    """A served endpoint's behaviour over one model's audit (varies from run to run)."""

    requests: int = Field(description="Requests the audit made (each once, however many tries).")
    answered: int = Field(description="Requests answered with success.")
    failed: int = Field(description="Requests given up on (error on the last try, or not "
                        "retried, such as a 4xx when an optional endpoint is probed).")
    attempts: int = Field(description="HTTP round trips, retries included.")
    retries: int = Field(description="Attempts made again after a failed one.")
    rate_limited: int = Field(description="Attempts answered HTTP 429.")
    server_errors: int = Field(description="Attempts answered HTTP 5xx.")
    client_errors: int = Field(description="Attempts answered with another HTTP 4xx.")
    timeouts: int = Field(description="Attempts without an answer within --timeout.")
    network_errors: int = Field(description="Attempts that failed below HTTP (connection "
                                "refused or dropped, a broken response).")
    latency_n: int = Field(description="Answered attempts timed (failed attempts are not).")
    latency_p50: float | None = Field(default=None, description="Median seconds per answer.")
    latency_p95: float | None = Field(default=None, description="95th percentile, seconds.")
    latency_p99: float | None = Field(default=None, description="99th percentile, seconds.")
    latency_max: float | None = Field(default=None, description="Slowest answer, seconds.")

    @property
    def errors(self) -> int:
        """Failed attempts of every kind."""
        return (self.rate_limited + self.server_errors + self.client_errors + self.timeouts
                + self.network_errors)


def endpoint_stats(usage: Usage) -> EndpointStats | None:
    """The endpoint's behaviour from ``usage``; None for a model that is not served."""
    if not usage.served:
        return None
    values = sorted(usage.latencies)
    failed_tries = (usage.rate_limited + usage.server_errors + usage.client_errors
                    + usage.timeouts + usage.network_errors)
    latency = ({"latency_p50": nearest_rank(values, 0.5), "latency_p95": nearest_rank(values, 0.95),
                "latency_p99": nearest_rank(values, 0.99), "latency_max": values[-1]}
               if values else {})
    return EndpointStats(
        requests=usage.requests + usage.failed, answered=usage.requests, failed=usage.failed,
        attempts=usage.requests + failed_tries, retries=usage.retries,
        rate_limited=usage.rate_limited, server_errors=usage.server_errors,
        client_errors=usage.client_errors, timeouts=usage.timeouts,
        network_errors=usage.network_errors, latency_n=len(values), **latency)
