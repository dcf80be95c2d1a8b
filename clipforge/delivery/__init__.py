"""Delivery: what turns a rendered MP4 into something to publish.

Before rendering: the moderation blocklist (`moderation.py`) and the output profile
(`profiles.py`, `encoding.py`). After: the thumbnail, preview and sidecar written beside the video
(`thumbnail.py`, `preview.py`, `sidecar.py`, committed together by `job.py`), and `verify.py`,
which decodes a delivered file and checks that it plays everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clipforge.lazy import export_lazily

if TYPE_CHECKING:  # the same names, imported eagerly, for type checkers and editors
    from clipforge.delivery.encoding import Encoding, plan_encoding, profile_geometry
    from clipforge.delivery.job import Delivered, DeliveryPlan, SidePaths, prepare_delivery
    from clipforge.delivery.moderation import (
        Blocklist,
        ModerationError,
        check_blocklist,
        check_moderation,
        normalize,
    )
    from clipforge.delivery.preview import Preview, write_preview
    from clipforge.delivery.profiles import PROFILES, Profile, get_profile, profile_names
    from clipforge.delivery.sidecar import sha256_of, sidecar_data, write_sidecar
    from clipforge.delivery.tags import hashtags, mentions
    from clipforge.delivery.texts import ClipText, clip_texts
    from clipforge.delivery.thumbnail import write_thumbnail
    from clipforge.delivery.verify import Check, VerificationError, VerifyReport, verify_file

# Public name -> its module, imported on first use (PEP 562): importing the package alone
# stays cheap (see clipforge/__init__.py).
_LAZY = {
    "Encoding": "clipforge.delivery.encoding",
    "plan_encoding": "clipforge.delivery.encoding",
    "profile_geometry": "clipforge.delivery.encoding",
    "Delivered": "clipforge.delivery.job",
    "DeliveryPlan": "clipforge.delivery.job",
    "SidePaths": "clipforge.delivery.job",
    "prepare_delivery": "clipforge.delivery.job",
    "Blocklist": "clipforge.delivery.moderation",
    "ModerationError": "clipforge.delivery.moderation",
    "check_blocklist": "clipforge.delivery.moderation",
    "check_moderation": "clipforge.delivery.moderation",
    "normalize": "clipforge.delivery.moderation",
    "Preview": "clipforge.delivery.preview",
    "write_preview": "clipforge.delivery.preview",
    "PROFILES": "clipforge.delivery.profiles",
    "Profile": "clipforge.delivery.profiles",
    "get_profile": "clipforge.delivery.profiles",
    "profile_names": "clipforge.delivery.profiles",
    "sha256_of": "clipforge.delivery.sidecar",
    "sidecar_data": "clipforge.delivery.sidecar",
    "write_sidecar": "clipforge.delivery.sidecar",
    "hashtags": "clipforge.delivery.tags",
    "mentions": "clipforge.delivery.tags",
    "ClipText": "clipforge.delivery.texts",
    "clip_texts": "clipforge.delivery.texts",
    "write_thumbnail": "clipforge.delivery.thumbnail",
    "Check": "clipforge.delivery.verify",
    "VerificationError": "clipforge.delivery.verify",
    "VerifyReport": "clipforge.delivery.verify",
    "verify_file": "clipforge.delivery.verify",
}

__all__ = [
    "PROFILES",
    "Blocklist",
    "Check",
    "ClipText",
    "Delivered",
    "DeliveryPlan",
    "Encoding",
    "ModerationError",
    "Preview",
    "Profile",
    "SidePaths",
    "VerificationError",
    "VerifyReport",
    "check_blocklist",
    "check_moderation",
    "clip_texts",
    "get_profile",
    "hashtags",
    "mentions",
    "normalize",
    "plan_encoding",
    "prepare_delivery",
    "profile_geometry",
    "profile_names",
    "sha256_of",
    "sidecar_data",
    "verify_file",
    "write_preview",
    "write_sidecar",
    "write_thumbnail",
]

export_lazily(__name__, _LAZY)
