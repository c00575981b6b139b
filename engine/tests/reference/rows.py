# Independent reference for tabx split on datasets/data/data.csv (--ratio train=2,eval=1):
# reads every cell as text with the csv module and applies the documented rules by hand.
import csv, hashlib, struct, sys, re
sys.path.insert(0, "/tmp/splitref")
from feature import key as feature_key, bucket

INT = re.compile(r"^[+-]?[0-9]+$")
def cell(t):
    if t == "": return ("null",)
    if INT.match(t):
        v = int(t)
        if -2**63 <= v < 2**63: return ("int", v)
        return ("bytes", t.encode())          # beyond i64: text, as TFDV types it
    try: x = float(t)
    except ValueError: return ("bytes", t.encode())
    if x == int(x) if x == x and abs(x) != float("inf") else False:
        if -2**63 <= x < 2**63: return ("int", int(x))
    return ("float", x, t)

def row_key(header, row):
    out = b""
    for name, t in sorted(zip(header, row), key=lambda p: p[0].encode()):
        out += struct.pack("<Q", len(name.encode())) + name.encode()
        c = cell(t)
        if c[0] == "null": out += b"\x00"
        elif c[0] == "int": out += b"\x01" + struct.pack("<q", c[1])
        elif c[0] == "float": out += b"\x02" + struct.pack("<d", c[1])
        else: out += b"\x03" + struct.pack("<Q", len(c[1])) + c[1]
    return out

with open(sys.argv[1], newline="") as f:
    r = csv.reader(f); header = next(r); rows = list(r)
ci = header.index("company")
counts = [0, 0]; kcounts = [0, 0]; first_eval = []
for i, row in enumerate(rows):
    s = 0 if bucket(row_key(header, row), 3) < 2 else 1
    counts[s] += 1
    if s == 1 and len(first_eval) < 3: first_eval.append(i + 2)  # csv line numbers
    c = row[ci]
    k = feature_key(None if c == "" else c)
    kcounts[0 if bucket(k, 3) < 2 else 1] += 1
print("rows", len(rows), "row-key train/eval", counts, "first eval lines", first_eval)
print("company-key train/eval", kcounts)
# first row's key bytes and bucket among 3
k0 = row_key(header, rows[0]); print("row 1 key sha256", hashlib.sha256(k0).hexdigest(), "bucket/3", bucket(k0, 3))
