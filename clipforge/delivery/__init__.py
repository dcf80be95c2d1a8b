"""Delivery: what turns a rendered MP4 into something to publish.

Before rendering: the moderation blocklist (`moderation.py`) and the output profile
(`profiles.py`, `encoding.py`). After: the thumbnail, preview and sidecar written beside the video
(`thumbnail.py`, `preview.py`, `sidecar.py`, committed together by `job.py`), and `verify.py`,
which decodes a delivered file and checks that it plays everywhere.
"""

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
