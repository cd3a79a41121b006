"""Channels by registry: every model of the config union has the one module of
notify/senders/ that sends it, and build_sender finds it there."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import BaseModel

from sqlsentinel_dbt.config.channels import CHANNEL_TYPES, Channel
from sqlsentinel_dbt.notify.senders.registry import channel_type, channel_types


def test_every_channel_model_in_the_config_union_has_a_registered_sender() -> None:
    [union, _] = get_args(Channel)
    models = set(get_args(union))
    assert len(models) == len(CHANNEL_TYPES)  # one `type` each
    assert set(channel_types()) == models


def test_each_channel_type_is_declared_for_the_model_it_is_found_by() -> None:
    assert all(kind.config is model for model, kind in channel_types().items())


def test_a_model_no_module_declares_is_named() -> None:
    class CarrierPigeonChannel(BaseModel):
        pass

    with pytest.raises(TypeError, match="declares a CHANNEL_TYPE for CarrierPigeonChannel"):
        channel_type(CarrierPigeonChannel())
