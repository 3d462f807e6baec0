"""Where a served model is, and what of the user's went there: the local/remote decision, the
stop before a user's document leaves this machine, and the record of what was sent where.

A host is *local* only when every address it stands for is a loopback address (127.0.0.0/8, ::1,
or an IPv4-mapped loopback such as ::ffff:127.0.0.1): a loopback literal, or a name such as
``localhost`` that resolves to loopback addresses only. Everything else is *remote*: a
private-network address (10/8, 172.16/12, 192.168/16, fc00::/7, link-local) is another machine
on the LAN, so the data still leaves this one; a public address; a name that also resolves to a
non-loopback address; and a name that does not resolve at all (where it would go is unknown).

Names are resolved with :func:`socket.getaddrinfo` unless a resolver is passed in (the tests
pass one), so the decision itself is a pure function of the host and what it resolves to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from pydantic import Field

from alignaudit._util.errors import UserError
from alignaudit._util.frozen import Frozen

Resolver = Callable[[str], Sequence[str]]
"""A host name -> the addresses it resolves to (an empty list, or OSError, when it does not)."""
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))
"""Networks of other machines near this one: RFC 1918, carrier-grade NAT, unique-local IPv6."""


def system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to on this machine (its resolver, /etc/hosts included)."""
    found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


class Place(Frozen):
    """Where a host is, as far as this machine can tell."""

    host: str
    """The host as written in the URL (lower case, without brackets or a trailing dot)."""
    local: bool
    """True only when every address of the host is a loopback address of this machine."""
    why: str
    """The decision in words, e.g. `10.0.0.5 is a private-network address`."""


def host_of(url: str) -> str:
    """The host of ``url`` (``http://[::1]:8000/v1`` -> ``::1``), lower case, no trailing dot."""
    text = url.strip()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.rstrip(".")


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return None


def is_loopback(address: Address) -> bool:
    """127.0.0.0/8, ::1, and IPv4-mapped loopback (::ffff:127.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def kind_of(address: Address) -> str:
    """`loopback`, `unspecified`, `link-local`, `reserved`, `private-network` or `public`, for
    messages (only `loopback` is this machine)."""
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    inner: Address = mapped or address
    if is_loopback(address):
        return "loopback"
    if inner.is_unspecified:
        return "unspecified"
    if inner.is_link_local:
        return "link-local"
    if any(inner in net for net in PRIVATE_NETWORKS if net.version == inner.version):
        return "private-network"
    if inner.is_private or inner.is_reserved or inner.is_multicast:
        return "reserved"  # documentation, benchmarking, multicast ...: not this machine either
    return "public"


def locate(host: str, resolver: Resolver | None = None) -> Place:
    """Whether ``host`` (a name or an address, brackets allowed) is this machine; names are
    resolved by ``resolver`` (default: :func:`system_resolver`, looked up when called)."""
    resolve = resolver or system_resolver
    host = host.strip().strip("[]").rstrip(".").lower()
    literal = _address(host)
    if literal is not None:
        kind = kind_of(literal)
        article = "an" if kind[0] in "aeiou" else "a"
        return Place(host=host, local=kind == "loopback",
                     why=f"{host} is {article} {kind} address")
    if not host:
        return Place(host=host, local=False, why="no host given")
    try:
        found = [a for a in (_address(str(x)) for x in resolve(host)) if a is not None]
    except (OSError, UnicodeError):
        found = []
    if not found:
        return Place(host=host, local=False, why=f"{host} does not resolve here, so where it "
                     "leads is unknown")
    shown = ", ".join(dict.fromkeys(str(a) for a in found))
    others = [a for a in found if not is_loopback(a)]
    if not others:
        return Place(host=host, local=True,
                     why=f"{host} resolves only to loopback addresses ({shown})")
    kinds = ", ".join(dict.fromkeys(kind_of(a) for a in others))
    return Place(host=host, local=False, why=f"{host} resolves to {shown}, not only loopback "
                 f"({kinds})")


# --------------------------------------------------------------------------- the guard
DOCUMENTS = "your documents to {host} for the model to read (perplexity, token counts)"


def check_documents_stay(url: str, option: str, what: str = DOCUMENTS,
                         resolver: Resolver | None = None) -> Place:
    """Stop before the user's documents go to the server at ``url`` when it is not this machine
    (``option`` is what sends them, e.g. ``--data``; ``what`` says what would go, with
    ``{host}``); return where it is."""
    place = locate(host_of(url), resolver)
    if not place.local:
        raise UserError(
            f"{option} would send {what.format(host=place.host)}, and that is not this machine "
            f"({place.why}). Nothing has been sent. If your data may leave this machine, pass "
            "--allow-remote-data; otherwise serve the model here (--base-url "
            "http://127.0.0.1:PORT/v1) or audit it with --backend hf. Probe prompts of the "
            "shipped suites (public facts) may go to a remote server without it.")
    return place


# --------------------------------------------------------------------------- the record
class SentTexts(Frozen):
    """Texts of one kind handed to a served model."""

    texts: int = Field(default=0, description="Distinct texts sent (a text sent for several "
                       "measures, or retried, counts once).")
    characters: int = Field(default=0, description="Characters of those texts.")


class Egress(Frozen):
    """What of this audit left this machine, and for where."""

    host: str | None = Field(default=None, description="The server the model was reached at "
                             "(None: the model ran in this process).")
    local: bool = Field(description="Nothing went beyond this machine (loopback or in-process).")
    why: str = Field(description="Why the host counts as local or remote, e.g. `10.0.0.5 is a "
                     "private-network address`.")
    allowed: bool = Field(default=False, description="--allow-remote-data was given.")
    probe_prompts: SentTexts = Field(
        default_factory=SentTexts, description="Probe prompts (public facts) sent to the host.")
    data: SentTexts = Field(
        default_factory=SentTexts, description="Texts of the data section sent to the host: "
        "your documents (--data), the reference texts, and terms taken from both.")
    documents: int = Field(default=0, description="Your documents among them (--data).")
    generated_suites: list[str] = Field(
        default_factory=list, description="Suites generated from documents (`alignaudit probes "
        "generate`) whose prompts were sent to the host: text of those documents went with "
        "them.")

    @property
    def documents_left(self) -> bool:
        """Some of the user's documents went to a host that is not this machine."""
        return not self.local and (self.data.texts > 0 or bool(self.generated_suites))
