"""Write the corpus folders tests/corpus/<case>/ (run from anywhere: python tests/corpus/make_corpus.py).

The folders are kept in git; run this after changing a case here, and review the diff.
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent
HEAD = "case: {key}\noffice: nav-a\nreviewers: [KB]\ndate: 2026-02-01\nfacts:\n  status: pågående\n  har_barn: false\nanswers:\n  V-01: ja\n"
FNR = "15099947613"

def case(name, about, message, exit, files=None, generate=None, fifo=None, link=None, message_in=None, binary=None):
    d = ROOT / name
    d.mkdir(parents=True, exist_ok=True)
    expect = {"about": about, "exit": exit, "message": message}
    if message_in: expect["message_in"] = message_in
    if generate: expect["generate"] = generate
    if fifo: expect["fifo"] = fifo
    if link: expect["link"] = link
    lines = [f"# {about}"]
    for k, v in expect.items():
        if k == "about": continue
        lines.append(f"{k}: {json.dumps(v, ensure_ascii=False)}")
    (d / "expect.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for rel, text in (files or {}).items():
        p = d / "round" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8", newline="")
    for rel, data in (binary or {}).items():
        p = d / "round" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

E1 = {"validate": 1, "score": 2, "report": 2, "checklist": 0, "new-case": 0}   # a bad case file
ECL = {"validate": 1, "score": 2, "report": 2, "checklist": 1, "new-case": 0}  # a broken file in checklists/  # a bad file in checklists/ (used or not)
ERND = {"validate": 1, "score": 2, "report": 2, "checklist": 0, "new-case": 2}  # runde.yaml unusable
OK = {"validate": 0, "score": 0, "report": 0, "checklist": 0, "new-case": 0}
CL_ONLY = ECL

deep = "nestet dypere enn grensen på 64 nivåer"
case("deep-dash", "A case file whose note is '- ' nested 20,000 deep (yaml-rs crashed with SIGSEGV).", deep, E1,
     generate=[{"path": "nav-a/K-DEEP01.yaml", "text": HEAD.format(key="K-DEEP01") + "note:\n", "repeat": "- ", "times": 20000}])
case("deep-question", "A case file whose note is '? ' nested 20,000 deep.", deep, E1,
     generate=[{"path": "nav-a/K-DEEP02.yaml", "text": HEAD.format(key="K-DEEP02") + "note:\n", "repeat": "? ", "times": 20000}])
case("deep-flow", "A case file whose note is '[' nested 20,000 deep.", deep, E1,
     generate=[{"path": "nav-a/K-DEEP03.yaml", "text": HEAD.format(key="K-DEEP03") + "note: ", "repeat": "[", "times": 20000}])
case("deep-flow-quotes", "Brackets nested 100 deep, with quoted ']' between them that must not close anything.", deep, E1,
     generate=[{"path": "nav-a/K-DEEP04.yaml", "text": HEAD.format(key="K-DEEP04") + "note: ", "repeat": "[\"]\", ", "times": 100}])
case("deep-indent", "Mappings nested 200 deep by indentation alone.", deep, E1,
     files={"nav-a/K-DEEP05.yaml": HEAD.format(key="K-DEEP05") + "note:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(200)) + " " * 201 + "x\n"})
case("deep-unused-checklist", "A checklist the round does not use, nested 20,000 deep (the library indexes every file).", deep, ECL,
     generate=[{"path": "checklists/ubrukt.yaml", "text": "id: ubrukt\nversion: '1'\nthemes:\n", "repeat": "- ", "times": 20000}],
     message_in=["validate", "checklist"])
case("deep-used-checklist", "The round's own checklist with a theme nested 20,000 deep.", deep,
     {"validate": 1, "score": 2, "report": 2, "checklist": 1, "new-case": 2},
     generate=[{"path": "checklists/mini-sak.yaml", "text": "id: mini-sak\ntitle: T\nversion: '1.0'\nscope: case\nthemes:\n", "repeat": "- ", "times": 20000}],
     message_in=["validate", "checklist"])
case("deep-round-file", "runde.yaml with a note nested 20,000 deep.", deep, ERND,
     generate=[{"path": "runde.yaml", "text": "id: korpus-2026\nnote:\n", "repeat": "- ", "times": 20000}],
     message_in=["validate", "score", "report", "new-case"])
case("deep-office-file", "kontor.yaml nested 20,000 deep, in a round without an office checklist.", deep,
     E1,
     generate=[{"path": "nav-a/kontor.yaml", "text": "office: nav-a\nnote:\n", "repeat": "- ", "times": 20000}])
case("long-line", "A comment of 60,000 characters on one line.", "mer enn grensen på 50000", E1,
     generate=[{"path": "nav-a/K-LONG01.yaml", "text": HEAD.format(key="K-LONG01") + "note: ", "repeat": "tekst ", "times": 10000}])
case("too-big", "A 6 MB case file.", "mer enn grensen på 5 MB", E1,
     generate=[{"path": "nav-a/K-BIG001.yaml", "text": HEAD.format(key="K-BIG001") + "note: |\n", "repeat": "  Lang tekst om saken, linje etter linje.\n", "times": 160000}])
case("fifo-checklist", "A FIFO named checklists/x.yaml (every command blocked forever).", "en navngitt pipe (FIFO)", CL_ONLY,
     fifo=["checklists/x.yaml"], message_in=["validate", "checklist"])
case("fifo-case", "A FIFO named nav-a/K-FIFO01.yaml.", "en navngitt pipe (FIFO)", OK, fifo=["nav-a/K-FIFO01.yaml"],
     message_in=["validate"])
case("devzero-case", "A case file that is a symbolic link to /dev/zero (read until memory ran out).", "utenfor runden", E1,
     link={"nav-a/K-ZERO01.yaml": "/dev/zero"})
case("devzero-checklist", "A checklist that is a symbolic link to /dev/zero.", "en tegnenhet", CL_ONLY,
     link={"checklists/null.yaml": "/dev/zero"}, message_in=["validate", "checklist"])
case("link-outside", "A case file linked in from outside the round.", "utenfor runden", E1,
     link={"nav-a/K-OUT001.yaml": "../../utenfor/K-OUT001.yaml"},
     files={"../utenfor/K-OUT001.yaml": HEAD.format(key="K-OUT001")})
case("link-inside", "A case file that is a link to another file inside the round: read as usual.", "", OK,
     link={"nav-a/K-LNK001.yaml": "../nav-b/lagret.yaml.txt"},
     files={"nav-b/lagret.yaml.txt": HEAD.format(key="K-LNK001")})
case("nul-byte", "A NUL in a comment: the parser stopped there and every later answer became 'ubesvart'.",
     "kontrolltegnet U+0000", E1,
     files={"nav-a/K-NUL001.yaml": HEAD.format(key="K-NUL001").replace("  V-01: ja\n", "  V-01: {answer: ja, comment: \"før\x00etter\"}\n  V-02: nei\n")})
case("esc-char", "An ESC (from a pasted terminal colour) in a comment.", "kontrolltegnet U+001B", E1,
     files={"nav-a/K-ESC001.yaml": HEAD.format(key="K-ESC001") + "note: \"\x1b[31mrød\x1b[0m\"\n"})
case("bel-char", "A BEL in a plain comment.", "kontrolltegnet U+0007", E1,
     files={"nav-a/K-BEL001.yaml": HEAD.format(key="K-BEL001") + "note: pling\x07\n"})
case("c1-char", "A C1 control (U+0085, a line break to YAML 1.1 readers only) in a note.", "kontrolltegnet U+0085", E1,
     files={"nav-a/K-NEL001.yaml": HEAD.format(key="K-NEL001") + "note: a\x85b\n"})
case("bom", "A UTF-8 byte order mark before a first comment line: accepted.", "", OK,
     files={"nav-a/K-BOM001.yaml": "\ufeff# Fiktiv sak lagret i Notisblokk.\n" + HEAD.format(key="K-BOM001")})
case("crlf", "CRLF line ends and a TAB in a comment (a Windows editor): accepted.", "", OK,
     files={"nav-a/K-CRLF01.yaml": (HEAD.format(key="K-CRLF01") + "note: \"kolonne\tto\"\n").replace("\n", "\r\n")})
case("not-utf8", "A case file saved as Latin-1.", "ikke UTF-8-tekst", E1,
     binary={"nav-a/K-LAT001.yaml": (HEAD.format(key="K-LAT001") + "note: ø\n").encode("latin-1")})
refused = "ser ut som et fødselsnummer eller D-nummer (15*********)"
for name, text in [
        ("fnr-dots", "15.09.99 47613"), ("fnr-groups-632", "150999 476 13"), ("fnr-groups-22232", "15 09 99 476 13"),
        ("fnr-groups-425", "1509 99 47613"), ("fnr-two-spaces", "150999  47613"), ("fnr-nbsp", "150999\u00a047613"),
        ("fnr-slash", "150999/47613"), ("fnr-fullwidth", "".join(chr(0xFF10 + int(c)) for c in FNR)),
        ("fnr-thin-space", "150999\u2009476\u200913"), ("fnr-en-dash", "150999\u201347613")]:
    case(name, f"An identity number written '{text}' in a comment.", refused, E1,
         files={f"nav-a/K-{name[-3:].upper().replace('-', 'X')}FN1.yaml": HEAD.format(key=f"K-{name[-3:].upper().replace('-', 'X')}FN1") + f"note: \"Se {text} i Gosys.\"\n"})
case("fnr-folded", "A folded comment (>-) with 150999 at the end of one line and 47613 at the start of the next.", refused, E1,
     files={"nav-a/K-FOLD01.yaml": HEAD.format(key="K-FOLD01") + "note: >-\n  Deltakeren har nummer 150999\n  47613 i Gosys.\n"})
case("fnr-escapes", "An identity number written as YAML escapes (\\x31\\x35...).", refused, E1,
     files={"nav-a/K-ESCFN1.yaml": HEAD.format(key="K-ESCFN1") + "note: \"" + "".join(f"\\x{ord(c):02x}" for c in FNR) + "\"\n"})
case("fnr-unicode-escapes", "An identity number written as full-width \\uFF11 escapes.", refused, E1,
     files={"nav-a/K-UESC01.yaml": HEAD.format(key="K-UESC01") + "note: \"" + "".join(f"\\uff1{c}" for c in FNR) + "\"\n"})
case("fnr-round-file", "An identity number in an office name in runde.yaml.", refused, ERND,
     files={"runde.yaml": (ROOT / "_base" / "runde.yaml").read_text().replace("name: NAV A", f"name: NAV A {FNR}")},
     message_in=["validate", "score", "report", "new-case"])
case("fnr-office-file", "An identity number in kontor.yaml, in a round without an office checklist.", refused, E1,
     files={"nav-a/kontor.yaml": f"office: nav-a\nnote: \"Leder sa {FNR}.\"\n"})
case("fnr-followup-file", "An identity number in oppfolging.yaml, in a round without a follow-up checklist.", refused, E1,
     files={"nav-a/oppfolging.yaml": f"office: nav-a\nnote: \"15.09.99 476 13\"\n"})
case("fnr-checklist", "An identity number in the guidance of the round's checklist.", refused,
     {"validate": 1, "score": 2, "report": 2, "checklist": 1, "new-case": 2},
     files={"checklists/mini-sak.yaml": (ROOT.parent / "fixtures" / "mini-sak.yaml").read_text().replace(
         "question: Er det fattet vedtak?", f"question: Er det fattet vedtak?\n        guidance: Eksempel {FNR}")},
     message_in=["validate", "checklist"])
case("fnr-file-name", "A case file named by an identity number (the key inside is a random one).", refused, E1,
     files={f"nav-a/{FNR}.yaml": HEAD.format(key="K-NAME01")})
case("fnr-d-number", "A D-nummer (day + 40) in a comment.", "ser ut som et fødselsnummer eller D-nummer (55*********)", E1,
     files={"nav-a/K-DNR001.yaml": HEAD.format(key="K-DNR001") + "note: \"D-nummer 55099947607\"\n"})
case("harmless-numbers", "Dates, counts and phone numbers that are not identity numbers: accepted.", "", OK,
     files={"nav-a/K-HARM01.yaml": HEAD.format(key="K-HARM01") + "note: \"Møte 15.03.2026 123 saker; tlf 22 33 44 55, +47 912 34 567; 2026-03-15 12 deltakere; 1 av 2 saker.\"\n"})
case("name-in-comment", "A participant's name in a comment: a warning, so validate passes and --strict fails.",
     "ser ut til å inneholde et navn (Kari H.)", OK,
     files={"nav-a/K-NAVN01.yaml": HEAD.format(key="K-NAVN01") + "note: \"Samtale med Kari Hansen om planen.\"\n"})
print("ok")
