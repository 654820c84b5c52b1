"""The peer for long videos: the OpenCV loop a user would write (and the seed proposal described) -- read every frame
with cv2.VideoCapture.read, keep one every N seconds resized to the model input. Decoding only; no classification.
usage: /usr/bin/python3 opencv-loop.py <video> [seconds between kept frames = 5] [input size = 224]
Prints one JSON line: frames decoded, frames kept, seconds to the last kept frame and to the end of the file, CPU seconds."""
import json
import sys
import time

import cv2

path = sys.argv[1]
every_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
size = int(sys.argv[3]) if len(sys.argv) > 3 else 224

started = time.perf_counter()
capture = cv2.VideoCapture(path)
if not capture.isOpened():
    sys.exit(f"OpenCV cannot open {path}")
keep_every = max(1, round(every_seconds * capture.get(cv2.CAP_PROP_FPS)))
kept, decoded, last_kept_at = [], 0, 0.0
while True:
    ok, frame = capture.read()
    if not ok:
        break
    if decoded % keep_every == 0:
        kept.append(cv2.resize(frame, (size, size), interpolation=cv2.INTER_LINEAR))
        last_kept_at = time.perf_counter() - started
    decoded += 1
capture.release()
print(json.dumps({"decoded": decoded, "kept": len(kept), "lastKeptSeconds": last_kept_at,
                  "seconds": time.perf_counter() - started, "cpuSeconds": time.process_time(), "opencv": cv2.__version__}))
