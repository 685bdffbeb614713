"""The FIT decoders runload is compared with, each as a decode-only loop over a folder.

Every loop reads each file's bytes and decodes every ``record`` message with its values, as a
user's own script would, and prints ``records loop_seconds``. The plain fitparse loop is the
baseline of every ratio. The peers that are not runload's dependencies install with the
``bench`` extra (``pip install -e '.[bench]'``); a peer that is not installed is reported as
such, not left out silently.
"""

from __future__ import annotations

FITPARSE = """
import sys, time, fitparse
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.fit"))
t = time.perf_counter(); n = 0
for f in files:
    for m in fitparse.FitFile(str(f)).get_messages("record"):
        m.get_values(); n += 1
print(n, time.perf_counter() - t)
"""

FITDECODE = """
import sys, time, fitdecode
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.fit"))
t = time.perf_counter(); n = 0
for f in files:
    with fitdecode.FitReader(f.read_bytes()) as fit:
        for frame in fit:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "record":
                {field.name: field.value for field in frame.fields}; n += 1
print(n, time.perf_counter() - t)
"""

GARMIN_FIT_SDK = """
import sys, time
from garmin_fit_sdk import Decoder, Stream
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.fit"))
t = time.perf_counter(); n = 0
for f in files:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(f.read_bytes()))).read()
    n += len(messages.get("record_mesgs", []))
print(n, time.perf_counter() - t)
"""

FITFAST = """
import sys, time, fitfast
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.fit"))
t = time.perf_counter(); n = 0
for f in files:
    n += len(fitfast.records(f.read_bytes())["timestamp"])
print(n, time.perf_counter() - t)
"""

PYFITPARSERNATIVE = """
import sys, time, pyfitparsernative
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.fit"))
t = time.perf_counter(); n = 0
for f in files:
    n += sum(m.get("message_type") == "record"
             for m in pyfitparsernative.parse_fit_bytes(f.read_bytes()))
print(n, time.perf_counter() - t)
"""

RUNLOAD_DECODE = """
import sys, time
from pathlib import Path
from pipeline.ingest.parse.fit_fast import decode_fit_fast
files = sorted(Path(sys.argv[1]).glob("*.fit"))
t = time.perf_counter(); n = 0
for f in files:
    n += len(decode_fit_fast(f.read_bytes()).records["timestamp"])
print(n, time.perf_counter() - t)
"""

# name -> (module to check for, loop); fitparse first: it is the baseline
DECODERS = {
    "fitparse": ("fitparse", FITPARSE),
    "fitdecode": ("fitdecode", FITDECODE),
    "garmin-fit-sdk": ("garmin_fit_sdk", GARMIN_FIT_SDK),
    "pyfitparsernative": ("pyfitparsernative", PYFITPARSERNATIVE),
    "fitfast": ("fitfast", FITFAST),
    "runload fit_fast": ("pipeline", RUNLOAD_DECODE),
}

# The short script a user could write instead of runload: fitfast into a pandas DataFrame and
# one Parquet file per activity, in ``sys.argv[3]`` processes.
FITFAST_TO_PARQUET = """
import multiprocessing, sys, time
from pathlib import Path
import fitfast, pandas as pd
files = sorted(Path(sys.argv[1]).glob("*.fit"))
out = Path(sys.argv[2])
def one(f):
    df = pd.DataFrame(fitfast.records(f.read_bytes()))
    df.to_parquet(out / (f.stem + ".parquet"))
    return len(df)
t = time.perf_counter()
if int(sys.argv[3]) > 1:
    with multiprocessing.get_context("fork").Pool(int(sys.argv[3])) as pool:
        n = sum(pool.map(one, files, chunksize=8))
else:
    n = sum(map(one, files))
print(n, time.perf_counter() - t)
"""
