"""Reading FlatGeobuf layers with the FlatGeobuf project's own Python package
(flatgeobuf 0.3.1), for the tile checker and the benchmarks.

flatgeobuf 0.3.1 reads one-byte columns (Bool, Byte, UByte) as `view[offset].cast(...)`,
but indexing a memoryview gives an int: every dataset with a boolean column crashes it.
Importing this module patches its feature reader to index through a wrapper that gives
a one-byte view instead, which is what the package's code expects.
"""
import flatgeobuf.generic.feature as _fgb_feature
import flatgeobuf.geojson


class _ByteView:
    def __init__(self, data):
        self._view = memoryview(data)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._view[key : key + 1]
        return self._view[key]

    def __len__(self):
        return len(self._view)


_fgb_feature.memoryview = _ByteView


def read_features(path):
    """GeoJSON-like features of one layer file, in file order (index = fid)."""
    with open(path, "rb") as f:
        return list(flatgeobuf.geojson.deserialize(f))
