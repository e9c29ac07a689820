"""Screen classified and job ads for human-trafficking indicators, and link
ads that share a template, a contact or a picture.

The engine is the redflag Rust library (the one the ``redflag`` CLI and the
npm package run), so verdicts, signatures and clusters are the ones those
give. Ads are dicts as in the CLI's JSON Lines contract: an optional
``section``, an optional ``id`` (echoed back as given) and text fields
(every other string member)::

    import redflag

    engine = redflag.Engine()
    engine.screen({"section": "jobs", "body": "Registration fee 300 USD."})["verdict"]

    key = b"a deployment secret of 16+ bytes"
    sig = redflag.signature({"body": "Hostess work abroad, call 202-555-0147"}, key)
    redflag.link(ads, contact_key=key)   # clusters, the most serious first

See docs/python.md in the redflag repository.
"""

import functools
import os
from typing import Optional, Sequence, Tuple, Union

from ._redflag import (
    MINHASH_LEN,
    SIGNATURE_VERSION,
    Engine,
    LimitError,
    PackError,
    RedflagError,
    SubmissionError,
    __version__,
    band_keys,
    jaccard,
    link,
    lsh_rows,
    signature,
    signature_info,
    signatures,
    similarity,
)



@functools.lru_cache(maxsize=8)
def _shared(packs: Optional[Tuple[str, ...]], default_packs: bool) -> Engine:
    if packs is None:
        return Engine()
    return Engine.from_packs(list(packs), default_packs=default_packs)


def shared_engine(
    packs: Optional[Sequence[Union[str, "os.PathLike[str]"]]] = None, *, default_packs: bool = False
) -> Engine:
    """An engine built once per process and then shared: what a UDF on a
    Spark executor (or any worker) should call instead of building one per
    batch or row. Without ``packs``, the built-in packs; else
    ``Engine.from_packs(packs, default_packs=default_packs)``, cached by the
    packs' paths or texts (a pack file changed on disk is not read again).
    Engines are thread-safe."""
    key = None if packs is None else tuple(os.fspath(p) for p in packs)
    return _shared(key, default_packs)


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
    "shared_engine",
    "signatures",
    "similarity",
]
