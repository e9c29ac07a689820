"""Type stubs of the native module (python/src/lib.rs); the package
re-exports every name (redflag/__init__.py)."""

import os
from typing import Any, Dict, Iterable, List, Literal, Optional, Tuple, TypedDict, Union, final

__all__ = [
    "MINHASH_LEN",
    "SIGNATURE_VERSION",
    "Engine",
    "LimitError",
    "PackError",
    "RedflagError",
    "SubmissionError",
    "__version__",
    "band_keys",
    "jaccard",
    "link",
    "lsh_rows",
    "signature",
    "signature_info",
    "signatures",
    "similarity",
]

__version__: str
SIGNATURE_VERSION: int
"""The version of the signature scheme; it is byte 1 of every signature."""
MINHASH_LEN: int
"""Values in a signature's MinHash (128)."""

Ad = Dict[str, Any]
"""An ad: ``{"id"?, "section"?, "title": str, "body": str, ...}``; every string
member but ``id`` and ``section`` is a text field, other members are ignored."""
Key = Union[bytes, bytearray, str]
"""A deployment key: 16 bytes or more (a str is taken as UTF-8); a final line
break is not part of the key, as the CLI reads a key file."""
SignatureBytes = Union[bytes, bytearray]
Tier = Literal["allow", "warn", "review", "block"]
Thresholds = Union[Tuple[float, float, float], Dict[str, float]]

class Hit(TypedDict):
    """A span that a rule matched: ``start``/``end`` are UTF-16 offsets in
    the field's text (as in JavaScript), ``byte_start``/``byte_end`` UTF-8
    byte offsets; ``text[start:end]`` in Python needs code points, so use
    ``field_text.encode()[byte_start:byte_end].decode()``."""

    rule: str
    category: str
    score: float
    field: str
    start: int
    end: int
    byte_start: int
    byte_end: int
    text: str
    normalized: str
    steps: Any

class Verdict(TypedDict, total=False):
    """A verdict, as ``redflag scan`` writes it (docs/integrators.md)."""

    id: Any
    verdict: Tier
    score: float
    score_tier: Tier
    thresholds: Dict[str, float]
    evasion: bool
    section: Optional[str]
    offers: List[str]
    languages: List[str]
    packs: List[Dict[str, str]]
    filters: List[str]
    rules: List[Dict[str, Any]]
    hits: List[Hit]
    poster_messages: List[str]
    reviewer_messages: List[str]
    entities: List[Dict[str, Any]]
    cleared: List[Dict[str, Any]]
    error: str
    """Only in ``screen_many(..., errors="return")``, for an ad that failed."""

class Varying(TypedDict):
    token: str
    ads: int

class Template(TypedDict):
    template: int
    size: int
    text: str
    sampled: int
    varies: List[Varying]

class SharedContact(TypedDict):
    kind: Literal["phone", "email", "url", "handle"]
    hash: str
    ads: int

class SharedPicture(TypedDict):
    pdq: str
    """The PDQ hash of the picture's first copy, 64 hex digits."""
    ads: int

class Member(TypedDict, total=False):
    line: int
    """The record's position in the input, from 1."""
    id: Any
    verdict: Optional[Tier]
    template: int
    mark: str

class Cluster(TypedDict):
    """One cluster, as ``redflag link`` writes it (docs/linking.md#output)."""

    cluster: int
    size: int
    verdict: Optional[Tier]
    tiers: Dict[str, int]
    links: List[Literal["template", "contact", "image"]]
    templates: List[Template]
    contacts: List[SharedContact]
    images: List[SharedPicture]
    members: List[Member]

class ContactInfo(TypedDict):
    kind: str
    hash: str

class SignatureInfo(TypedDict):
    version: int
    shingles: int
    minhash: List[int]
    sample: List[int]
    contacts: List[ContactInfo]

class RedflagError(Exception):
    """Base class of the errors redflag raises."""

class PackError(RedflagError):
    """A rule pack is invalid."""

    problems: List[Dict[str, Optional[str]]]
    """Each problem: ``{"pack", "path", "message"}`` (absent when the pack
    could not be read at all, e.g. not valid TOML)."""

class LimitError(RedflagError):
    """A limit was exceeded: an ad larger than ``max_input_bytes``, more ads
    than ``max_ads``, …"""

    limit: str
    max: int
    actual: int

class SubmissionError(RedflagError):
    """An ad could not be read: not a dict, a ``section`` that is not a
    string, a ``verdict`` that is not a tier."""

@final
class Engine:
    """A compiled rule engine. Thread-safe; build it once and reuse it."""

    def __new__(
        cls,
        *,
        entity_key: Optional[Key] = None,
        thresholds: Optional[Thresholds] = None,
        limits: Optional[Dict[str, int]] = None,
    ) -> "Engine":
        """The built-in packs. ``entity_key`` hashes contacts in
        ``screen(..., entities=True)``; ``thresholds`` overrides the packs'
        (warn, review, block); ``limits`` overrides limits by name."""

    @staticmethod
    def from_packs(
        packs: Iterable[Union[str, "os.PathLike[str]"]],
        *,
        default_packs: bool = False,
        entity_key: Optional[Key] = None,
        thresholds: Optional[Thresholds] = None,
        limits: Optional[Dict[str, int]] = None,
    ) -> "Engine":
        """An engine of the given packs. Each item is a path (a .toml or .json
        pack, or a folder of them, read in name order) or a pack's text: a
        ``str`` that starts with ``{`` (JSON) or holds a line break (TOML) is
        a text, any other ``str`` or ``os.PathLike`` a path. Raises
        ``OSError`` (``FileNotFoundError``, …) naming a file that cannot be
        read and ``PackError`` for an invalid pack."""

    def screen(
        self,
        ad: Ad,
        *,
        section: Optional[str] = None,
        entities: bool = False,
        raw_values: bool = False,
    ) -> Verdict:
        """Screens one ad; ``section`` is used when the ad gives none. Raises
        ``LimitError`` for an ad past the limits and ``SubmissionError`` for
        one that cannot be read."""

    def screen_many(
        self,
        ads: Iterable[Ad],
        *,
        section: Optional[str] = None,
        entities: bool = False,
        raw_values: bool = False,
        threads: Optional[int] = None,
        errors: Literal["raise", "return"] = "raise",
    ) -> List[Verdict]:
        """Screens many ads, in order, on ``threads`` threads (default: all
        cores), without the GIL. ``errors="return"`` gives ``{"id"?,
        "error"}`` for an ad that fails instead of raising."""

    @property
    def packs(self) -> List[Dict[str, str]]:
        """The loaded packs, ``[{"id", "version"}]``, in load order."""

    @property
    def limits(self) -> Dict[str, int]:
        """The limits in force."""

    @property
    def thresholds(self) -> Dict[str, float]:
        """The thresholds in force: ``{"warn", "review", "block"}``."""

def signature(ad: Ad, contact_key: Optional[Key] = None) -> bytes:
    """An ad's signature (about 0.5 to 2.5 KB): its MinHash, its shingle
    sample and, with ``contact_key``, its contacts' keyed hashes; byte 1 is
    ``SIGNATURE_VERSION``. Compare only signatures made by one redflag
    version with one key."""

def signatures(
    ads: Iterable[Ad], contact_key: Optional[Key] = None, *, threads: Optional[int] = None
) -> List[bytes]:
    """The signatures of many ads, in order, on ``threads`` threads."""

def signature_info(sig: SignatureBytes) -> SignatureInfo:
    """A signature's parts. Raises ``ValueError`` for bytes that are not a
    signature or are one of another version."""

def jaccard(a: SignatureBytes, b: SignatureBytes) -> float:
    """The exact Jaccard similarity of two ads' shingle samples: what
    ``link`` compares with its threshold."""

def similarity(a: SignatureBytes, b: SignatureBytes) -> float:
    """The MinHash estimate of the Jaccard similarity."""

def lsh_rows(threshold: float = 0.5) -> int:
    """Rows per LSH band for a threshold (4 at 0.5: 32 bands)."""

def band_keys(sig: SignatureBytes, threshold: float = 0.5, *, signed: bool = False) -> List[int]:
    """The LSH band keys for a threshold: ads that share one are candidates.
    Unsigned 64-bit integers, or signed ones (Spark's ``LongType``) with
    ``signed=True``. Empty for an ad without words."""

def link(
    records: Iterable[Ad],
    *,
    threshold: float = 0.5,
    contact_key: Optional[Key] = None,
    engine: Optional[Engine] = None,
    screen: bool = True,
    link_urls: bool = False,
    section: Optional[str] = None,
    max_ads: int = 2_000_000,
    threads: Optional[int] = None,
    image_threshold: int = 31,
    image_min_quality: int = 50,
    image_common: int = 1000,
) -> List[Cluster]:
    """Clusters of ads that share a template, a contact or a picture, the
    most serious first, as ``redflag link`` writes them (each member's
    ``line`` is its position in ``records``, from 1). A record may carry its
    ``verdict`` (the others are screened with ``engine``, the built-in packs
    by default, unless ``screen=False``) and its pictures' PDQ hashes in
    ``images``, in the forms ``redflag link`` reads (hex strings,
    ``"<hex>:<quality>"``, ``{"pdq": ..., "quality": ...}``). Without
    ``contact_key``, a random key for this call. Raises ``SubmissionError``
    or ``LimitError`` naming the record."""
