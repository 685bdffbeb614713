import random

import pytest

from pipeline.ingest.parse.fit_profile import fit_crc


def bitwise_crc16_arc(data: bytes) -> int:
    """The FIT CRC, bit by bit: reflected polynomial 0x8005 (0xA001), initial value 0."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def test_fit_crc_is_crc16_arc():
    assert fit_crc(b"123456789") == 0xBB3D  # the published check value of CRC-16/ARC


@pytest.mark.parametrize("length", [0, 1, 12, 4095, 4096, 70_001])
def test_fit_crc_equals_the_bitwise_definition(length):
    data = random.Random(length).randbytes(length)
    assert fit_crc(data) == bitwise_crc16_arc(data)
    assert fit_crc(memoryview(data)[1:]) == bitwise_crc16_arc(data[1:])  # views, as the decoder
