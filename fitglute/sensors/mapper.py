"""The channel-mapper type sensor plugins register, and the core's own (native FIT) entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fitglute.model.channels import CORE_CHANNELS, ChannelSpec


@dataclass(frozen=True)
class ChannelMapper:
    """Turns raw developer fields (or other channels) of a Run into canonical channels.

    ``apply(run)`` returns ``{channel: float64 array as long as run.t}``; it must not replace a
    channel the file already has, and returns ``{}`` when its sensor is not in the file.
    """

    name: str
    channels: dict[str, ChannelSpec]
    apply: Callable[[Any], dict[str, Any]]
    description: str = ""


def _nothing(run: Any) -> dict[str, Any]:
    return {}


#: The native FIT channels. They are converted while decoding (units fixed once), so this mapper
#: adds nothing; it is registered so that ``fitglute plugins`` lists the core channels beside
#: the ones plugins add.
NATIVE = ChannelMapper("fit", dict(CORE_CHANNELS), _nothing, "native FIT record fields (fitglute.decode)")
