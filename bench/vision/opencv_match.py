"""OpenCV peer for bench/vision: reads a JSON list of cases from stdin
({screen, template, runs}), times cv2.matchTemplate(TM_CCOEFF_NORMED) + minMaxLoc on
the grey planes (cvtColor BGR2GRAY, the same BT.601 fixed point as vmlab's toGray) and
prints one JSON object per case: median milliseconds and best location."""
import json, sys, time
import cv2

cases = json.load(sys.stdin)
grey = {}
def load(p):
    if p not in grey:
        grey[p] = cv2.cvtColor(cv2.imread(p, cv2.IMREAD_COLOR), cv2.COLOR_BGR2GRAY)
    return grey[p]
out = []
for c in cases:
    s, t = load(c["screen"]), load(c["template"])
    times, loc, score = [], None, None
    for _ in range(c["runs"]):
        t0 = time.perf_counter()
        r = cv2.matchTemplate(s, t, cv2.TM_CCOEFF_NORMED)
        _, mx, _, ml = cv2.minMaxLoc(r)
        times.append((time.perf_counter() - t0) * 1000)
        loc, score = ml, mx
    times.sort()
    out.append({"ms": times[len(times) // 2], "x": loc[0], "y": loc[1], "score": score, "threads": cv2.getNumThreads()})
print(json.dumps(out))
