"""Screen classified and job ads for human-trafficking indicators, and link
ads that share a template or a contact.

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
