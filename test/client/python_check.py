"""Driven by test/client/python.test.ts: runs the Python client against a live service and prints one JSON report."""
import json
import sys

sys.path.insert(0, sys.argv[3])
from sira_session import SiraApiError, SiraClient, read_safetensors  # noqa: E402

base, key = sys.argv[1], sys.argv[2]
sira = SiraClient(base, api_key=key)
report = {}
s = sira.create_session(user_id="py-user", metadata={"lang": "python"})
report["session_metadata"] = s["metadata"]
stored = sira.append_turns(s["id"], [{"role": "user", "content": "my cat is called Miso"}, {"role": "assistant", "content": "cute!"}])
report["seqs"] = [t["seq"] for t in stored["turns"]]
report["last"] = [t["content"] for t in sira.get_turns(s["id"], last=1)["turns"]]
report["state_version"] = sira.put_state(s["id"], {"step": 1})["version"]
try:
    sira.put_state(s["id"], {"step": 2}, version=7)
except SiraApiError as e:
    report["conflict"] = [e.status, e.code]
ctx = sira.context(s["id"], query="what is the cat called?", budget_tokens=300)
report["context_selected"] = [x["seq"] for x in ctx["selected"]]
raw = b"".join(__import__("struct").pack("<f", v) for v in [1.5, -2.0, 3.25, 4.0])
report["tensor_put"] = sira.put_tensor(s["id"], "emb", dtype="f32", shape=[2, 2], data=raw)["shape"]
blob = sira.get_tensor_safetensors(s["id"], "emb")
dtype, shape, data = read_safetensors(blob)["emb"]
report["builtin_reader"] = [dtype, shape, data == raw]
try:
    from safetensors.numpy import load
    arr = load(blob)["emb"]
    report["stock_safetensors"] = [str(arr.dtype), list(arr.shape), arr.flatten().tolist()]
    import numpy as np
    sira.put_tensor(s["id"], "ids", np.arange(6, dtype=np.int64).reshape(3, 2))
    back = sira.get_tensor(s["id"], "ids")
    report["numpy_round_trip"] = [str(back.dtype), list(back.shape), back.flatten().tolist()]
except ImportError:
    report["stock_safetensors"] = None
types = []
for e in sira.events(s["id"], after=0):
    types.append(e["type"])
    if len(types) == 3:
        break
report["events"] = types
sira.delete_session(s["id"])
try:
    sira.get_session(s["id"])
except SiraApiError as e:
    report["deleted"] = e.code
print(json.dumps(report))
