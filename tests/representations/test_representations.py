from __future__ import annotations

import numpy as np
import pytest

from sldml.errors import ConfigError, DataError
from sldml.representations import decode_compact, encode_compact, list_representations, represent
from sldml.sequence import Sequence
from sldml.transforms import resample_array
from tests.conftest import make_imu, make_skeleton


@pytest.mark.parametrize("name", list_representations())
@pytest.mark.parametrize("maker", [make_skeleton, make_imu])
def test_registry_contract(name: str, maker) -> None:
    seq = maker(frames=37, seed=1)
    image = represent(seq, name, width=48)
    assert image.dtype == np.float32 and image.ndim == 3 and image.shape[0] == 3 and image.shape[2] == 48
    assert np.all(np.isfinite(image)) and image.min() >= 0.0 and image.max() <= 1.0
    np.testing.assert_array_equal(image, represent(seq, name, width=48))
    assert not np.array_equal(image, represent(maker(frames=37, seed=2), name, width=48))


def test_compact_round_trip_recovers_the_resampled_sequence() -> None:
    seq = make_skeleton(frames=40, seed=3)
    encoded = encode_compact(seq, width=64)
    np.testing.assert_allclose(decode_compact(encoded), resample_array(seq.data, 64), atol=1e-5)
    same_length = encode_compact(seq, width=40)
    np.testing.assert_allclose(decode_compact(same_length), seq.data, atol=1e-5)
    imu = make_imu(frames=25, seed=4)
    np.testing.assert_allclose(decode_compact(encode_compact(imu, width=25)), imu.data, atol=1e-5)


def test_compact_layout_rows_time_columns_xyz_colours() -> None:
    data = np.zeros((5, 20, 3), dtype=np.float32)
    data[:, 7, 0] = np.arange(5)  # left hand x grows over time
    data[:, 0, 2] = 4.0  # head z is constant and large
    image = represent(Sequence(data=data, layout="kinect_v1", rate_hz=30), "compact", width=5)
    assert image.shape == (3, 20, 5)
    np.testing.assert_allclose(image[0, 7], np.arange(5) / 4.0)  # red = x, one global min-max
    assert np.all(image[2, 0] == 1.0) and image[2, 1].max() == 0.0  # blue = z


def test_compact_imu_rows_are_acc_and_gyro() -> None:
    data = np.zeros((4, 6), dtype=np.float32)
    data[:, 4] = 10.0  # gyro y
    image = represent(Sequence(data=data, layout="imu6", rate_hz=50), "compact", width=4)
    assert image.shape == (3, 2, 4)
    assert np.all(image[1, 1] == 1.0) and image[:, 0].max() == 0.0


def test_per_sensor_scale_normalises_each_imu_row_and_still_inverts() -> None:
    data = np.zeros((4, 6), dtype=np.float32)
    data[:, 0] = [0.0, 1.0, 0.5, 0.0]  # acc x, in g
    data[:, 3] = [0.0, 500.0, 250.0, 0.0]  # gyro x, in deg/s
    seq = Sequence(data=data, layout="imu6", rate_hz=50)
    flat = represent(seq, "compact", width=4, scale="global")
    per_sensor = represent(seq, "compact", width=4, scale="per_sensor")
    assert flat[0, 0].max() == pytest.approx(1 / 500)  # the gyroscope squashes the accelerometer
    np.testing.assert_allclose(per_sensor[0, 0], [0.0, 1.0, 0.5, 0.0])
    np.testing.assert_allclose(per_sensor[0, 1], [0.0, 1.0, 0.5, 0.0])
    np.testing.assert_allclose(decode_compact(encode_compact(seq, 4, "per_sensor")), data, atol=1e-4)
    skeleton = make_skeleton(9)
    np.testing.assert_array_equal(represent(skeleton, scale="per_sensor"), represent(skeleton, scale="global"))


def test_constant_signal_gives_zeros_not_nan() -> None:
    seq = Sequence(data=np.ones((4, 6)), layout="imu6", rate_hz=50)
    assert np.all(represent(seq, "compact", width=8) == 0.0)


def test_errors_name_what_is_valid() -> None:
    with pytest.raises(ConfigError, match="unknown representation 'fancy'; valid: compact"):
        represent(make_imu(), "fancy")
    with pytest.raises(ConfigError, match="has no parameter height; valid: width, scale"):
        represent(make_imu(), "compact", height=3)
    with pytest.raises(DataError, match="groups of 3"):
        represent(Sequence(data=np.zeros((4, 4)), layout="channels-4", rate_hz=1), "compact")


def test_signals_draws_each_channel_in_its_own_colour_at_its_height() -> None:
    from sldml.representations.signals import signal_colours

    t = np.linspace(0, 1, 16, dtype=np.float32)
    data = np.zeros((16, 6), dtype=np.float32)
    data[:, 0] = t  # a ramp: bottom-left to top-right
    data[:, 1] = 1 - t  # the reverse ramp
    image = represent(Sequence(data=data, layout="imu6", rate_hz=50), "signals", width=16, height=16)
    colours = signal_colours(6)
    assert image.shape == (3, 16, 16) and len({tuple(c) for c in colours}) == 6
    np.testing.assert_allclose(image[:, 15, 0], colours[0])  # channel 0 starts at the bottom ...
    np.testing.assert_allclose(image[:, 0, 15], colours[0])  # ... and ends at the top
    np.testing.assert_allclose(image[:, 0, 0], colours[1])  # channel 1 the other way round
    np.testing.assert_allclose(image[:, 15, 15], colours[1])
    # channels 2-5 are constant: they run through the middle row, the last drawn on top
    np.testing.assert_allclose(image[:, 8, 2], colours[5])
    assert image[:, 3:6, 0].max() == 0.0  # nothing drawn where no signal passes

    step = np.zeros((16, 6), dtype=np.float32)
    step[8:, 0] = 1.0
    image = represent(Sequence(data=step, layout="imu6", rate_hz=50), "signals", width=16, height=16)
    np.testing.assert_allclose(image[:, 15, 3], colours[0])  # low first ...
    np.testing.assert_allclose(image[:, 0, 12], colours[0])  # ... then high
    np.testing.assert_allclose(image[:, 4, 7], colours[0])  # joined by a vertical edge at the jump
