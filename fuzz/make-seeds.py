#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ (checked in; rerun after a format change).

protocol_decoder: every envelope, rejection and response of specs/protocol-vectors.json,
each behind the selector byte its decoder takes, plus batches of them and bare payloads.
residents_csv: small files from `vrs-node demo-data` (UTF-8 and CP932, with and without
a header, with injected errors) and hand-written edge cases. ocr_line: valid and broken lines.
Usage: python3 fuzz/make-seeds.py [path/to/vrs-node]
"""
import hashlib, json, pathlib, struct, subprocess, sys

root = pathlib.Path(__file__).resolve().parent
corpus = root / "corpus"


def put(target, data):
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


vectors = json.loads((root.parent / "specs/protocol-vectors.json").read_text())
envelopes = [bytes.fromhex(e["envelope"]) for e in vectors["envelopes"]]
envelopes += [bytes.fromhex(r["envelope"]) for r in vectors["rejections"]]
for env in envelopes:
    put("protocol_decoder", b"\x00" + struct.pack(">I", len(env)) + env)
for i in range(0, len(envelopes), 3):
    items = envelopes[i:i + 3]
    put("protocol_decoder", b"\x01" + struct.pack(">H", len(items)) + b"".join(struct.pack(">I", len(e)) + e for e in items))
    answers = [b"\x00" + struct.pack(">I", 1) + b"\x00", b"\x01", b"\x00" + struct.pack(">I", len(items[0]) + 1) + b"\x02" + items[0]]
    put("protocol_decoder", b"\x02" + struct.pack(">H", len(answers)) + b"".join(answers))
for r in vectors["responses"]:
    frame = bytes.fromhex(r["frame"])
    put("protocol_decoder", b"\x03" + frame[4:])
for e in vectors["envelopes"]:
    put("protocol_decoder", b"\x04" + bytes([e["kind"]]) + bytes.fromhex(e["payload"]))

node = sys.argv[1] if len(sys.argv) > 1 else str(root.parent / "target/debug/vrs-node")
for args in (["--count", "5"], ["--count", "5", "--encoding", "cp932"], ["--count", "6", "--no-header", "--error-rate", "0.5", "--seed", "3"],
             ["--count", "4", "--encoding", "cp932", "--error-rate", "1", "--seed", "9"]):
    out = subprocess.run([node, "demo-data", "--municipality", "131016", *args], check=True, capture_output=True).stdout
    put("residents_csv", out)
header = "個別宛名番号,マイナンバー,氏名(姓),氏名(名),氏名(セイ),氏名(メイ),生年月日,性別,券番号,転出/死亡フラグ\r\n"
for text in [
    "\ufeff" + header + '1001,123456789018,"山田","太郎",ﾔﾏﾀﾞ,ﾀﾛｳ,1980-04-01,1,0000000001,\r\n',
    header + '1002,,"佐藤, 次郎",,サトウ,,1975/12/31,9,0000000002,\n1002,,佐藤,,サトウ,,19751231,9,0000000003,1\n',
    '1003,123456789018,"鈴木 ""花子""",花子,スズキ,ハナコ,20000229,2,0000000004,2\r\n',
    header,
    "",
]:
    put("residents_csv", text.encode("utf-8"))

for line in ["111310160000123456", "121410030000000001\n", " 130110020000000009 ", "111310170000123456",
             "101310160000123456", "11131016000012345", "１１１３１０１６００００１２３４５６"]:
    put("ocr_line", line.encode("utf-8"))
