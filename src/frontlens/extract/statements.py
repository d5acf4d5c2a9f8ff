"""Claims ledger: who said what, quoted or reported, for which side, and against whose interest.

Component ``statements`` (run after ``sentences`` and ``ner.<lang>``) appends
:class:`~frontlens.model.Statement` records and fills ``doc.user["speakers"]``.

Why this design:

- Quotes are paired with a stack over the whole text (curly, straight, «ёлочки», „lapki“,
  nesting, a quote that runs over a paragraph break), because quote marks are reliable and cheap.
- English reported speech reads the dependency parse spaCy already made (``doc.user["spacy"]``):
  a cue verb's subject is the speaker and its clausal complement the claim, so "X said that ...",
  "..., X said" and "said X" are one rule. Ukrainian/Russian have no parse here, so they use
  token patterns around cue lemmas (pymorphy3): "..., заявив X", "X заявил, что ...",
  "За словами X, ...".
- Speakers are carried across sentences: "he said", "вона додала", a bare surname, or a quote
  paragraph with no attribution take the last matching speaker, so their role and side (from the
  first, fuller mention) stay attached.
- Vocabulary (cue verbs, role words, organisations, side keywords, losing cues) lives in
  ``data/lexicon`` so it can be extended without code changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast, get_args

from frontlens.extract import lexicon, models
from frontlens.extract.doc import Doc, Speaker, component, provenance
from frontlens.extract.lang import LangPack, available, get_pack, has_pack
from frontlens.extract.ner import SPACY_CHUNK
from frontlens.model import Side, Statement

# --------------------------------------------------------------------------------------------
# lexicon-backed patterns (compiled once)


def _pack(lang: str | None) -> LangPack:
    return get_pack(lang or "en")


@cache
def _cues(lang: str) -> frozenset[str]:
    """Reporting-verb lemmas of a language (its pack's ``statements_cues.txt``)."""
    return _pack(lang).words("statements_cues")


@cache
def _alt(name: str) -> re.Pattern[str]:
    return re.compile(
        r"(?<![\w-])(?:" + "|".join(f"(?:{e})" for e in lexicon.entries(name)) + ")",
        re.IGNORECASE,
    )


def _lexicon_side(value: str, line: str) -> Side:
    """A side named in a lexicon line, checked: a typo is an error, not a side of its own."""
    side = value.strip()
    if side in get_args(Side):
        return cast(Side, side)
    raise ValueError(f"lexicon line {line!r}: unknown side {side!r}")


@cache
def _sides() -> list[tuple[re.Pattern[str], Side]]:
    out = []
    for line in lexicon.entries("sides_statements"):
        frag, side = line.rsplit("|", 1)
        out.append((re.compile(r"(?<![\w-])" + frag, re.IGNORECASE), _lexicon_side(side, line)))
    return out


@cache
def _orgs() -> list[tuple[re.Pattern[str], str, Side]]:
    out = []
    for line in lexicon.entries("roles_statements_orgs"):
        frag, name, side = line.rsplit("|", 2)
        out.append(
            (re.compile(r"(?<![\w-])" + frag, re.IGNORECASE), name.strip(),
             _lexicon_side(side, line))
        )
    return out


def side_of(text: str) -> Side:
    """The side a role / organisation text names: earliest keyword wins, longer on ties."""
    best: tuple[int, int, Side] | None = None
    for pat, side in _sides():
        m = pat.search(text)
        if m and (best is None or (m.start(), -len(m.group())) < (best[0], best[1])):
            best = (m.start(), -len(m.group()), side)
    return best[2] if best else "unknown"


def org_of(text: str) -> tuple[str, Side] | None:
    """Canonical (English) name and side of an organisation named in ``text``, if any."""
    for pat, name, side in _orgs():
        if pat.search(text):
            return name, side
    return None


# --------------------------------------------------------------------------------------------
# quotes

_OPEN_CLOSE = {"“": "”", "„": "“", "«": "»", '"': '"'}
_ATTR_WORDS = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@dataclass
class Quote:
    start: int  # inside the marks
    end: int
    depth: int
    para_start: bool = False


def find_quotes(text: str) -> list[Quote]:
    """Pair quote marks with a stack; returns inner spans (marks excluded), nested ones too."""
    stack: list[tuple[str, int, int]] = []  # (mark, pos, depth)
    out: list[Quote] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch not in "“”„«»\"":
            if ch == "\n" and stack and i + 1 < n and text[i + 1] == "\n":
                # a new paragraph that opens with the same mark continues the quote (English
                # convention): close the open one here
                j = i + 2
                if j < n and text[j] == stack[-1][0] and len(stack) == 1:
                    mark, pos, depth = stack.pop()
                    out.append(Quote(pos + 1, _rstrip(text, pos + 1, i), depth))
            continue
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if ch == '"':
            opening = (prev.isspace() or prev in "([«“„—–-:") and not nxt.isspace()
            closing = not opening
        elif ch == "“":
            closing = bool(stack) and stack[-1][0] == "„"
            opening = not closing
        elif ch in "«„":
            opening, closing = True, False
        else:  # ” »
            opening, closing = False, True
        if closing:
            for k in range(len(stack) - 1, -1, -1):
                mark = stack[k][0]
                if _OPEN_CLOSE.get(mark) == ch or (ch == "”" and mark in "“\""):
                    _, pos, depth = stack[k]
                    del stack[k:]
                    if i - pos > 1:
                        out.append(Quote(pos + 1, i, depth))
                    break
        elif opening:
            stack.append((ch, i, len(stack)))
    for q in out:
        q.para_start = _para_start(text, q.start - 1)
    out.sort(key=lambda q: q.start)
    return out


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _para_start(text: str, pos: int) -> bool:
    k = pos - 1
    while k >= 0 and text[k] in " \t-–—•*":
        k -= 1
    return k < 0 or text[k] == "\n"


def _clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim spaces, a leading "that"/"що"/"что" and trailing commas from a claim span."""
    while start < end and (text[start].isspace() or text[start] in ",:—–-"):
        start += 1
    m = re.match(r"(?:that|що|что|о|об|про)\s+", text[start:end], re.IGNORECASE)
    if m and end - start > len(m.group()) + 3:
        start += m.end()
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",:;—–-"):
        end -= 1
    return start, end


# --------------------------------------------------------------------------------------------
# speakers


@dataclass
class _Spk:
    name: str | None
    role: str | None
    side: Side
    start: int
    end: int
    person: bool
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Words:
    """The reported-speech readers' words of one language pack (``[words]``/``[statements]``)."""

    pronouns_person: frozenset[str]  # "he", "вона": the last person named
    pronouns_any: frozenset[str]  # "they", "воно": the last speaker
    pronouns_plural: frozenset[str]  # "them", "їхніми": "according to them" is any speaker
    dets: re.Pattern[str]  # determiners stripped from a role phrase ("the spokesman")
    stop_clause: re.Pattern[str]  # ", which ...": the claim ends there
    passive_cue: re.Pattern[str]  # "This was announced by X": the claim is the sentence before
    relative: frozenset[str]  # "які", "которые": a relative clause before a cue
    in_prep: frozenset[str]  # "в", "на": a place, not a speaker, after a cue
    this_is: re.Pattern[str]  # "Про це повідомляє X": the claim is the sentence before
    about_that: re.Pattern[str]  # "про те, що ...": dropped from the claim
    citing: re.Pattern[str]  # "посилаючись на X"
    by_pronoun: re.Pattern[str]  # "According to him, ...": the last person named said it
    country_self: frozenset[str]  # "Russia said its forces ...": a country speaks of itself


_NEVER = re.compile(r"(?!)")


@cache
def _words(lang: str | None) -> _Words:
    pack = _pack(lang)
    w = pack.words

    def alt(name: str, head: str = "", tail: str = "") -> re.Pattern[str]:
        items = pack.entries(name)
        if not items:
            return _NEVER
        body = "|".join(r"\s+".join(map(re.escape, i.split())) for i in items)
        return re.compile(f"{head}(?:{body}){tail}", re.IGNORECASE)

    passive = pack.setting("statements", "passive_cue")
    about = pack.setting("statements", "about_that")
    return _Words(
        pronouns_person=w("statements_pronouns_person"),
        pronouns_any=w("statements_pronouns_any"),
        pronouns_plural=w("statements_pronouns_plural"),
        dets=alt("statements_determiners", "^", r"\s+"),
        stop_clause=re.compile(
            ",\\s+(?:" + "|".join(map(re.escape, pack.entries("statements_clause_stops")))
            + r")\b|;", re.IGNORECASE) if pack.entries("statements_clause_stops") else _NEVER,
        passive_cue=re.compile(passive) if passive else _NEVER,
        relative=w("statements_relative"),
        in_prep=w("statements_place_prepositions"),
        this_is=alt("statements_this_is", "", r"\b"),
        about_that=re.compile(f"^(?:{about})\\s+", re.IGNORECASE) if about else _NEVER,
        citing=alt("statements_citing", "", r"\s+"),
        by_pronoun=alt("statements_by_pronoun", r"(?<!\w)", r"\s*,\s*"),
        country_self=w("statements_country_self"),
    )


@cache
def _roles() -> dict[str, str]:
    """Role word (English word or uk/ru lemma) → English gloss."""
    out = {}
    for line in lexicon.entries("roles_statements"):
        word, _, gloss = line.partition("|")
        out[word.strip()] = gloss.strip() or word.strip()
    return out


def _role_key(lang: str | None, tok: Any) -> str:
    """The role-lexicon key of a token: its lemma, else another reading's lemma (pymorphy's
    first reading of "Аналітики" is "аналітика", analytics, not "аналітик", analyst)."""
    roles = _roles()
    if tok.lemma in roles or not has_pack(lang):
        return str(tok.lemma)
    for p in _pack(lang).parses(tok.text)[:3]:
        if p.normal_form in roles and "NOUN" in p.tag:
            return str(p.normal_form)
    return str(tok.lemma)


def _gloss(lang: str | None, words: list[str]) -> str | None:
    """English glosses of the role lemmas in a role phrase of a language whose pack asks for
    them (``role_gloss``: Ukrainian, Russian)."""
    if not (has_pack(lang) and _pack(lang).role_gloss):
        return None
    roles = _roles()
    found = [roles[w] for w in words if w in roles]
    return "; ".join(dict.fromkeys(found)) or None


def _surname(name: str) -> str:
    return name.split()[-1].lower() if name else ""


def _stem(word: str, lang: str | None) -> str:
    pack = _pack(lang) if has_pack(lang) else None
    if pack is not None and pack.morphology:
        return pack.lemma(word)[:5]
    return word.lower()[:6]


class _Registry:
    """Persons mentioned (with the role their mention gives) and speakers seen so far, for
    "he said", "the official said" and bare-surname resolution."""

    def __init__(self, lang: str | None, mentions: list[_Spk]) -> None:
        self.lang = lang
        self.mentions = mentions
        self.seen: list[_Spk] = []

    def _person_by_key(self, key: str, pos: int) -> _Spk | None:
        best = None
        for m in self.mentions:
            if m.start <= pos and m.name and _stem(_surname(m.name), self.lang) == key and (
                best is None or (m.role and not best.role)
            ):
                best = m
        return best

    def add(self, spk: _Spk) -> _Spk:
        if spk.person and spk.name:
            prev = self._person_by_key(_stem(_surname(spk.name), self.lang), spk.start + 1)
            if prev is not None:
                if not spk.role and prev.role:
                    spk.role = prev.role
                if spk.side == "unknown":
                    spk.side = prev.side
                if prev.name and len(prev.name) > len(spk.name):
                    spk.name = prev.name
        self.seen.append(spk)
        return spk

    def by_surname(self, name: str, pos: int) -> _Spk | None:
        key = _stem(_surname(name), self.lang)
        same = [s for s in self.seen
                if s.person and s.name and _stem(_surname(s.name), self.lang) == key]
        best = next((s for s in same if s.role or s.side != "unknown"), None)
        return best or self._person_by_key(key, pos) or (same[-1] if same else None)

    def last(
        self, pos: int, person: bool | None = None, role_hint: str | None = None
    ) -> _Spk | None:
        """The latest speaker (or person mentioned) before ``pos``; with ``role_hint`` the
        latest whose role contains it, if any."""
        pool = [s for s in self.seen if (person is None or s.person == person) and s.start < pos]
        if person is not False:
            # full names only: the small English model tags some toponyms PERSON
            pool += [m for m in self.mentions if m.start < pos and (
                role_hint or not pool or " " in (m.name or ""))]
        pool.sort(key=lambda s: s.start)
        if role_hint:
            for s in reversed(pool):
                if s.role and role_hint in s.role.lower():
                    return s
        return pool[-1] if pool else None


def _role_side(*texts: str | None) -> Side:
    for t in texts:
        if t:
            s = side_of(t)
            if s != "unknown":
                return s
    return "unknown"


def _person_mentions(doc: Doc) -> list[_Spk]:
    """Every PER entity with the role its own mention gives ("Ukraine's Defence Minister X",
    "X, the Russian-installed leader of ...", "речник ... Сергій Череватий")."""
    out: list[_Spk] = []
    text = doc.text
    sdoc = doc.user.get("spacy")
    toks = doc.user.get("tokens", [])
    roles = _roles()
    for e in doc.ents:
        if e.label != "PER":
            continue
        role = None
        if sdoc is not None and _pack(doc.lang).syntax == "dependency":
            span = sdoc.char_span(e.start, e.end, alignment_mode="expand")
            if span is None:
                continue
            root = span.root
            parts: list[str] = []
            left = [c for c in root.lefts if c.i < span.start]
            if left:
                a = min(t.idx for c in left for t in c.subtree)
                parts.append(_words(doc.lang).dets.sub("", text[a : e.start].strip(" ,")))
            for c in root.children:
                if c.dep_ == "appos" and c.i >= span.end:
                    a, b = _subtree_span(c)
                    parts.append(_words(doc.lang).dets.sub("", text[a:b].strip(" ,")))
            role = "; ".join(p for p in parts if p and "\n" not in p) or None
            name = e.text
        else:
            k = next((i for i, t in enumerate(toks) if t.start >= e.start), len(toks))
            j = k
            while j > 0 and k - j < 7 and toks[j - 1].text not in _ROLE_STOP and \
                    toks[j - 1].pos not in ("VERB", "INFN", "PRTF", "GRND", "PREP", "CONJ"):
                j -= 1
            while j < k and _role_key(doc.lang, toks[j]) not in roles:
                j += 1
            if j < k:
                role = text[toks[j].start : e.start].strip(" ,")
                g = _gloss(doc.lang, [_role_key(doc.lang, t) for t in toks[j:k]])
                role = f"{role} ({g})" if g else role
            name = _nominative_name(doc.lang, e.text) if _pack(doc.lang).morphology else e.text
        out.append(_Spk(name, role, _role_side(role), e.start, e.end, True))
    return out


# --------------------------------------------------------------------------------------------
# English (dependency parse)


def _subtree_span(tok: Any) -> tuple[int, int]:
    toks = list(tok.subtree)
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)






@cache
def _past_cues(lang: str) -> frozenset[str]:
    """Past participles of the cue lemmas (regular ones, plus the pack's
    ``statements_cue_participles``)."""
    out = set()
    for c in _cues(lang):
        out.add(c + "d" if c.endswith("e") else c + "ed")
    return frozenset(out | _pack(lang).words("statements_cue_participles"))


def _parsed_speaker(doc: Doc, subj: Any, reg: _Registry) -> _Spk | None:
    """Speaker from a cue verb's subject token: a PER/ORG inside it, an appositive role,
    a pronoun or generic role noun resolved to the last person."""
    text = doc.text
    low = subj.lower_
    pos = subj.idx
    wl = _words(doc.lang)
    if low in wl.pronouns_person:
        return reg.last(pos, person=True)
    if low in wl.pronouns_any:
        return reg.last(pos, person=False) or reg.last(pos)
    if subj.tag_ in ("WP", "WDT", "PRP") or subj.dep_ == "expl":
        if subj.tag_ in ("WP", "WDT") and subj.head.dep_ == "relcl":
            return _parsed_speaker(doc, subj.head.head, reg)
        return None
    skip = {t.i for c in subj.children if c.dep_ in ("appos", "relcl", "acl")
            for t in c.subtree}
    head_toks = [t for t in subj.subtree if t.i not in skip]
    s0 = min(t.idx for t in head_toks)
    e0 = max(t.idx + len(t.text) for t in head_toks)
    nl = max(text.rfind("\n", s0, e0), text.rfind(":", s0, e0))
    if nl >= 0:
        s0 = nl + 1
    phrase = text[s0:e0].strip(" ,-–—\n")
    s0 = text.find(phrase, s0) if phrase else s0
    appos = [c for c in subj.children if c.dep_ == "appos"]
    role_parts: list[str] = []
    if appos:
        a0, a1 = _subtree_span(appos[0])
        role_parts.append(wl.dets.sub("", text[a0:a1].strip(" ,")))
    full = phrase + " " + " ".join(role_parts)
    org = org_of(full)
    per = [e for e in doc.ents if e.label == "PER" and e.start >= s0 and e.end <= e0]
    if per and not org:
        e = per[-1]
        e_start = _extend_name(subj.doc, e.start)
        name = text[e_start : e.end]
        pre = re.sub(r"['’]s$", "", wl.dets.sub("", text[s0:e_start].strip(" ,"))).strip()
        if pre:
            role_parts.insert(0, pre)
        role = "; ".join(p for p in role_parts if p) or None
        return reg.add(_Spk(name, role, _role_side(role), s0, e0, True))
    if appos and not per and not org:
        # "The head of the regional administration, Serhii Haidai, announced": the name is
        # the appositive, the subject phrase its role
        a0, a1 = _subtree_span(appos[0])
        named = [(e.start, e.end) for e in doc.ents
                 if e.label == "PER" and e.start >= a0 and e.end <= a1]
        words = list(appos[0].subtree)
        if not named and 2 <= len(words) <= 3 and all(
                t.pos_ == "PROPN" and t.text[:1].isupper() for t in words):
            named = [(a0, a1)]  # a two- or three-word proper name the small model missed
        if named:
            role = wl.dets.sub("", phrase) or None
            return reg.add(_Spk(text[named[-1][0] : named[-1][1]], role,
                                _role_side(role), s0, e0, True))
    if not org and subj.pos_ == "PROPN" and subj.text[:1].isupper():
        prev = reg.by_surname(subj.text, pos)
        if prev is not None:
            return reg.add(_Spk(prev.name, prev.role, prev.side, s0, e0, True))
    if org:
        name, side = org
        if side == "unknown":
            side = _role_side(full)
        return reg.add(_Spk(name, wl.dets.sub("", phrase), side, s0, e0, False))
    clean = wl.dets.sub("", phrase)
    if not clean or not any(c.isalpha() for c in clean):
        return None
    if low in lexicon.words("statements_anaphora") and len(head_toks) <= 2:
        prev = reg.last(pos, person=True)
        if prev is not None:
            return prev
    if low in lexicon.words("statements_message_nouns"):
        return _message_author(doc, reg, pos)
    if not _speakerlike(subj, clean):
        return None
    side = _role_side(full)
    return reg.add(_Spk(clean, "; ".join(role_parts) or None, side, s0, e0, False))


def _extend_name(sdoc: Any, start: int) -> int:
    """Take in a first name the small model left out of a PERSON span ("Oleksii Reznikov")."""
    span = sdoc.char_span(start, start + 1, alignment_mode="expand")
    if span is None:
        return start
    i = span.start
    roles = _roles()
    while i > 0:
        t = sdoc[i - 1]
        if t.pos_ != "PROPN" or not t.text.istitle() or t.lower_ in roles or t.ent_type_ in (
            "GPE", "NORP", "ORG"
        ):
            break
        i -= 1
    return sdoc[i].idx


def _speakerlike(subj: Any, phrase: str) -> bool:
    """A subject that can make a claim: a name, organisation or role word, not "the video"."""
    if subj.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or subj.pos_ == "PROPN":
        return True
    roles = _roles()
    return any(w.lower() in roles for w in re.findall(r"[\w-]+", phrase))


def _parsed_reported(doc: Doc, reg: _Registry, quotes: list[Quote]) -> list[dict[str, Any]]:
    sdoc = doc.user.get("spacy")
    if sdoc is None:
        if len(doc.text) > SPACY_CHUNK:  # parsed in pieces by ner.en: no document-wide parse
            return []
        sdoc = models.spacy_en()(doc.text)
        doc.user["spacy"] = sdoc
    text = doc.text
    lang = _pack(doc.lang).code
    cues = _cues(lang)
    out: list[dict[str, Any]] = []
    acc = _alt("cues_according")
    prev: tuple[int, int] | None = None
    prev_sent: tuple[int, int] | None = None
    for sent in sdoc.sents:
        s0, s1 = sent.start_char, sent.end_char
        prev_sent = prev
        this = _words(lang).passive_cue.match(text, s0)
        if this and prev and this.group(1).lower() in cues | _past_cues(lang):
            spk_tok = next((t for t in sent if t.idx >= this.end() and t.dep_ == "pobj"), None)
            spk = _parsed_speaker(doc, spk_tok, reg) if spk_tok is not None else None
            if spk is not None:
                c0, c1 = _clean_span(text, *prev)
                out.append(_rec(spk, this.group(1), this.start(1), c0,
                                _strip_final_period(text, c0, c1), prev[0], s1))
        prev = (s0, s1)
        # "according to X, CLAUSE" / "CLAUSE, according to X"
        for m in acc.finditer(text, s0, s1):
            a = m.end()
            spk_tok = next((t for t in sent if t.idx >= a and t.dep_ == "pobj"), None)
            if spk_tok is None:
                continue
            spk = _parsed_speaker(doc, spk_tok, reg)
            if spk is None:
                continue
            np_end = max(max(_subtree_span(spk_tok)[1], a), spk.end)
            lead = text[s0 : m.start()]
            led = _after_lead(acc, text, s0, s1)
            comma_after = text[np_end:s1].lstrip().startswith(",")
            if not lead.strip(" \n\"“‘-–—") or (comma_after and (
                    (led is not None and led.start() == m.start())
                    or lead.rstrip().endswith(("—", "–")))):
                # "according to X, CLAUSE", also after a lead-in ("In addition, according to
                # X, CLAUSE") or a dash ("... food — according to X, CLAUSE")
                c0, c1 = np_end, s1
            else:
                c0, c1 = s0, m.start()
            c0, c1 = _clean_span(text, c0, c1)
            c1 = _strip_final_period(text, c0, c1)
            if c1 - c0 > 8:
                out.append(_rec(spk, m.group(), m.start(), c0, c1, s0, s1))
        for tok in sent:
            if tok.lemma_.lower() not in cues or tok.pos_ not in ("VERB", "AUX", "NOUN"):
                continue
            subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is not None and subj.dep_ == "nsubjpass":
                continue
            if any(c.dep_ == "neg" for c in tok.children):
                continue  # "could not confirm the report", "did not say": nothing was stated
            if subj is None:
                # "..., adding that", "saying ..." take the governing verb's subject
                head = tok.head
                if tok.dep_ in ("advcl", "xcomp", "conj", "dep", "pcomp") and head is not tok:
                    subj = next((c for c in head.children if c.dep_ == "nsubj"), None)
                    if subj is None and head.dep_ in ("advcl", "conj", "ccomp"):
                        subj = next((c for c in head.head.children if c.dep_ == "nsubj"), None)
                if subj is None:
                    continue
            comp = next((c for c in tok.children if c.dep_ in ("ccomp", "xcomp")), None)
            if comp is None and tok.lemma_.lower() in _pack(lang).words("statements_object_cues"):
                comp = next(
                    (c for c in tok.children if c.dep_ in ("dobj", "attr")
                     and c.lower_ not in ("that", "this", "it", "them")),
                    None,
                )
            # (a quoted word or two is part of a name: Operational Command “East” said)
            inq = next((q for q in quotes if q.start <= subj.idx < q.end
                        and _word_count(text[q.start : q.end]) > 2), None)
            if inq is not None:
                name = next((e for e in doc.ents if e.label in ("PER", "ORG")
                             and inq.end < e.start < tok.idx), None)
                if name is None:
                    continue
                span = sdoc.char_span(name.start, name.end, alignment_mode="expand")
                subj = span.root
            if comp is None and prev_sent is not None and any(
                    c.dep_ == "dobj" and c.lower_ in ("this", "so") for c in tok.children):
                # "X announced this on Telegram": the claim is the sentence before
                spk = _parsed_speaker(doc, subj, reg)
                if spk is not None:
                    c0, c1 = _clean_span(text, *prev_sent)
                    out.append(_rec(spk, tok.text, tok.idx, c0,
                                    _strip_final_period(text, c0, c1), prev_sent[0], s1))
                continue
            if comp is None:
                spk = _parsed_speaker(doc, subj, reg)
                front = _fronted_clause(text, s0, subj, tok)
                if spk is not None and front is not None:
                    # "MOSCOW: CLAUSE, the ministry said": the parse lost the clause
                    out.append(_rec(spk, tok.text, tok.idx, *front, s0, s1))
                    continue
                that = _that_clause(text, sent, tok, s1)
                if spk is not None and that is not None:
                    # "said in a statement that CLAUSE", "told the outlet that CLAUSE": the
                    # parse hung the clause on the noun
                    out.append(_rec(spk, tok.text, tok.idx, *that, s0, s1))
                    continue
                if spk is not None:
                    e1 = doc.sentence_of(tok.idx)[1] if doc.sents else s1
                    rec = _rec(spk, tok.text, tok.idx, e1, e1, s0, e1)
                    rec["empty"] = True
                    out.append(rec)
                continue
            spk = _parsed_speaker(doc, subj, reg)
            if spk is None:
                continue
            c0, c1 = _subtree_span(comp)
            dl = _DATELINE.match(text, s0) if c0 <= s0 + 1 else None
            if dl and dl.end() < c1:
                c0 = dl.end()  # "MOSCOW: CLAUSE, the ministry said"
            if comp.dep_ in ("dobj", "attr"):
                if c1 - c0 < 12:
                    continue
                stop = _words(lang).stop_clause.search(text, c0, c1)
                if stop:
                    c1 = stop.start()
            if c0 > tok.idx:
                mk = next((c for c in comp.children if c.dep_ == "mark"), None)
                if mk is not None and mk.idx == c0:
                    c0 = mk.idx + len(mk.text)
            c0, c1 = _clean_span(text, c0, c1)
            c1 = _strip_final_period(text, c0, c1)
            if c1 - c0 < 6:
                continue
            out.append(_rec(spk, tok.text, tok.idx, c0, c1, s0, s1))
    return out


_DATELINE = re.compile(r"[A-ZА-ЯІЇЄҐ][A-ZА-ЯІЇЄҐ .'’-]{1,40}(?:\s*\([^()\n]{1,30}\))?"
                       r"(?:,[^:—–\n]{0,40})?\s*[:—–-]\s+")


def _fronted_clause(text: str, s0: int, subj: Any, tok: Any) -> tuple[int, int] | None:
    """The clause before ", SUBJECT said" at the end of a sentence, past a dateline; None when
    the verb does not close the sentence's reported clause that way."""
    a = min(t.idx for t in subj.subtree)
    if not text[:a].rstrip().endswith(","):
        return None
    c0 = s0
    m = _DATELINE.match(text, s0)
    if m:
        c0 = m.end()
    c1 = len(text[:a].rstrip()) - 1  # the comma
    if c1 - c0 < 12 or tok.idx < a:
        return None
    c0, c1 = _clean_span(text, c0, c1)
    return (c0, c1) if c1 - c0 >= 12 else None


def _that_clause(text: str, sent: Any, tok: Any, s1: int) -> tuple[int, int] | None:
    """The clause after "that" a few words past a cue verb whose complement the parse
    attached elsewhere ("said in a statement that ...", "told the liga.net outlet that ...");
    None when a verb or punctuation stands between."""
    for t in sent:
        if t.i <= tok.i:
            continue
        if t.i - tok.i > 6 or t.is_punct or t.pos_ in ("VERB", "AUX"):
            return None
        if t.lower_ == "that" and t.i > tok.i + 1:
            c0, c1 = _clean_span(text, t.idx + len(t.text), s1)
            c1 = _strip_final_period(text, c0, c1)
            return (c0, c1) if c1 - c0 >= 12 else None
    return None


def _strip_final_period(text: str, c0: int, c1: int) -> int:
    if c1 > c0 and text[c1 - 1] == ".":
        return c1 - 1
    return c1


# --------------------------------------------------------------------------------------------
# Ukrainian / Russian (token patterns)


def _nominative_name(lang: str | None, text: str) -> str:
    """Nominative form of an inflected person name (Сергія Череватого → Сергій Череватий)."""
    out = []
    for w in text.split():
        best = None
        for p in _pack(lang).parses(w):
            if any(t in p.tag for t in ("Name", "Surn", "Patr")):
                best = p
                break
        out.append(best.normal_form.capitalize() if best else w)
    return " ".join(out)


_ROLE_STOP = frozenset(",.;:!?()«»\"“”„—–")


def _name_reading(lang: str, word: str) -> bool:
    return any(t in p.tag for p in _pack(lang).parses(word)[:3] for t in ("Name", "Surn"))


def _surn_reading(lang: str, word: str) -> bool:
    return any("Surn" in p.tag for p in _pack(lang).parses(word)[:3])


def _token_speaker(doc: Doc, st: list[Any], i0: int, i1: int, reg: _Registry) -> _Spk | None:
    """Speaker in st[i0:i1] (the words next to a cue): a PER entity, an organisation, a
    pronoun, a known surname, a message noun, or a role phrase."""
    if i0 >= i1:
        return None
    lang = doc.lang or "ru"
    text = doc.text
    if st[i0].text.lower() in _words(lang).in_prep and any(
            _role_key(lang, t) in lexicon.words("statements_media_nouns") for t in st[i0:i1]):
        return None  # "в эфире Первого канала", "у своєму Telegram-каналі": where, not who
    s0, s1 = st[i0].start, st[i1 - 1].end
    pos = s0
    words = [t.text.lower() for t in st[i0:i1]]
    lemmas = [_role_key(lang, t) for t in st[i0:i1]]
    wl = _words(lang)
    if (any(w in wl.pronouns_person for w in words) and i1 - i0 <= 2) or (
            words[0] in wl.pronouns_person and len(words) > 1 and words[1] in wl.in_prep):
        # "сказал он", "отметил он в эфире Первого канала": where, not who, follows
        return reg.last(pos, person=True)
    if any(w in wl.pronouns_any for w in words) and i1 - i0 <= 2:
        return reg.last(pos, person=False) or reg.last(pos)
    phrase = text[s0:s1]
    per: list[Any] = [e for e in doc.ents if e.label == "PER" and e.start >= s0 and e.end <= s1]
    if not per:
        per = _loose_names(doc, st, i0, i1)
    org = org_of(phrase)
    if per:
        # the uk rules may tag an organisation word after a title ("речниця Генштабу") as
        # PER: prefer a multi-word name with a first-name or surname reading
        e = next((p for p in per if " " in p.text and any(
            _name_reading(lang, w) for w in p.text.split())), per[-1])
        name = _nominative_name(lang, e.text)
        k = next(i for i in range(i0, i1) if st[i].start >= e.start)
        role = text[s0 : e.start].strip(" ,–—-") or None
        roles = _roles()
        j = i0
        while j < k and _role_key(lang, st[j]) not in roles:
            j += 1
        role = text[st[j].start : e.start].strip(" ,") if j < k else None
        g = _gloss(lang, [_role_key(lang, t) for t in st[j:k]])
        if role and g:
            role = f"{role} ({g})"
        side = _role_side(role, phrase)
        if side == "unknown" and org:
            side = org[1]
        return reg.add(_Spk(name, role, side, s0, s1, True))
    for k in range(i0, i1):
        t = st[k]
        if t.is_title and (k > 0 or t.start > 0):
            prev = reg.by_surname(t.text, pos)
            if prev is not None and len(t.text) > 3:
                return reg.add(_Spk(prev.name, prev.role, prev.side, s0, s1, True))
    if org:
        name, side = org
        return reg.add(_Spk(name, phrase.strip(" ,–—-"), side if side != "unknown"
                            else _role_side(phrase), s0, s1, False))
    if any(lm in lexicon.words("statements_message_nouns") for lm in lemmas):
        return _message_author(doc, reg, pos)
    anaph = [lm for lm in lemmas if lm in lexicon.words("statements_anaphora")]
    if anaph and i1 - i0 <= 3:
        prev = reg.last(pos, person=True, role_hint=anaph[0][:5])
        if prev is not None:
            return prev
    # a surname-like word that heads a noun phrase ("Сумська ОВА", "Білого дому",
    # "Громадському радіо") is an adjective of an organisation, not a person
    surn = [t for j, t in enumerate(st[i0:i1], i0) if t.is_title and _surn_reading(lang, t.text)
            and not (j + 1 < i1 and (st[j + 1].pos == "NOUN" or st[j + 1].text.isupper()))]
    if surn:
        t = surn[0]
        return reg.add(_Spk(_nominative_name(lang, t.text), None, _role_side(phrase), s0, s1, True))
    roles = _roles()
    has_role = [lm for lm in lemmas if lm in roles]
    orgs = [e for e in doc.ents if e.label == "ORG" and e.start >= s0 and e.end <= s1]
    if orgs or has_role:
        nm = orgs[0].text if orgs and not has_role else None
        g = _gloss(lang, lemmas)
        role = phrase.strip(" ,–—-") + (f" ({g})" if g else "")
        return reg.add(_Spk(nm, role, _role_side(phrase), s0, s1, False))
    return None


@dataclass(frozen=True)
class _Name:
    start: int
    end: int
    text: str


def _loose_names(doc: Doc, st: list[Any], i0: int, i1: int) -> list[_Name]:
    """A first name followed by a capitalised word next to a cue ("Роман Семенуха
    повідомив"): a person the rule NER left out because the surname has no dictionary
    reading. Only beside a cue, so the places and the control claims do not see it."""
    lang = doc.lang or "ru"
    out = []
    for k in range(i0, i1 - 1):
        a, b = st[k], st[k + 1]
        if not (a.is_title and b.is_title and len(a.text) > 2 and len(b.text) > 2
                and b.text[1:].islower()) or org_of(b.text) or _role_key(lang, b) in _roles():
            continue
        if not any("Name" in p.tag for p in _pack(lang).parses(a.text)[:3]):
            continue
        if any(pm.start < b.end and a.start < pm.end for pm in doc.places):
            continue
        out.append(_Name(a.start, b.end, doc.text[a.start : b.end]))
    return out


def _message_author(doc: Doc, reg: _Registry, pos: int) -> _Spk | None:
    """Whose is "the message" ("«…», – йдеться у повідомленні", "говорится в сообщении"):
    the latest of the last speaker and the last organisation the text names before it (a
    post that quotes the General Staff's report names the staff, not a speaker, first);
    an army as a whole is what fights, not who posts."""
    last = reg.last(pos)
    best: tuple[int, int, str, Side] | None = None
    forces = lexicon.words("statements_fighting_forces")
    for pat, name, side in _orgs():
        if name in forces:
            continue
        for m in pat.finditer(doc.text, 0, pos):
            if best is None or m.start() > best[0]:
                best = (m.start(), m.end(), name, side)
    if best is None or (last is not None and last.start >= best[0]):
        return last
    a, b, name, side = best
    return reg.add(_Spk(name, doc.text[a:b], side, a, b, False))


def _window(st: list[Any], k: int, step: int) -> tuple[int, int]:
    """Token range next to st[k] (after: step=1, before: step=-1) up to punctuation."""
    j = k + step
    while 0 <= j < len(st) and st[j].text not in _ROLE_STOP and st[j].text != "\n" \
            and abs(j - k) <= 10 and not (step > 0 and st[j].lemma in _cues_any()):
        j += step
    return (k + 1, j) if step > 0 else (j + 1, k)


@cache
def _cues_any() -> frozenset[str]:
    """Reporting verbs of every token-pattern language (a Ukrainian text quotes Russian)."""
    return frozenset().union(*(_cues(c) for c in available() if get_pack(c).syntax == "tokens"))




def _token_reported(doc: Doc, reg: _Registry) -> list[dict[str, Any]]:
    lang = doc.lang or "ru"
    wl = _words(lang)
    text = doc.text
    toks = doc.user.get("tokens", [])
    cues = _cues(lang)
    acc = _alt("cues_according")
    out: list[dict[str, Any]] = []
    sents = doc.sents or [(0, len(text))]
    ti = 0
    prev_sent: tuple[int, int] | None = None
    for s0, s1 in sents:
        while ti < len(toks) and toks[ti].start < s0:
            ti += 1
        tj = ti
        while tj < len(toks) and toks[tj].end <= s1:
            tj += 1
        st = toks[ti:tj]
        done = False
        # "Про це повідомляє X, посилаючись на Y" / "Об этом сообщила бригада": the claim is
        # the previous sentence
        if prev_sent and wl.this_is.match(text, s0) and not any(
                prev_sent[0] <= r["q0"] and r["q1"] <= prev_sent[1] for r in out):
            # (not when the sentence before already says who said what: "X повідомив, що
            # CLAUSE. Про це він сказав в ефірі ...")
            cite = wl.citing.search(text, s0, s1)
            k = next((i for i, t in enumerate(st) if t.lemma in cues), None)
            if k is not None:
                if cite:
                    a = next(i for i, t in enumerate(st) if t.start >= cite.end())
                    spk = _token_speaker(doc, st, *_window(st, a - 1, 1), reg)
                    cue = text[cite.start() : cite.end()].split()[0]
                else:
                    a, b = _window(st, k, -1)
                    this_end = wl.this_is.match(text, s0).end()  # type: ignore[union-attr]
                    while a < b and st[a].start < this_end:
                        a += 1  # "Об этом он сообщил": the pronoun alone is the speaker
                    spk = _token_speaker(doc, st, a, b, reg) or \
                        _token_speaker(doc, st, *_window(st, k, 1), reg)
                    cue = st[k].text
                if spk is not None:
                    c0, c1 = _clean_span(text, *prev_sent)
                    c1 = _strip_final_period(text, c0, c1)
                    out.append(_rec(spk, cue, st[k].start, c0, c1, prev_sent[0], s1))
                    done = True
        prev_sent = (s0, s1)
        if done:
            continue
        # "За словами X, CLAUSE" / "Как отметил X, ..."
        m = acc.match(text, s0) or _after_lead(acc, text, s0, s1)
        if m:
            k = next((i for i, t in enumerate(st) if t.start >= m.end()), None)
            if k is not None:
                a, b = _window(st, k - 1, 1)
                spk = _token_speaker(doc, st, a, b, reg)
                if spk is not None and b < len(st):
                    c0, c1 = _clean_span(text, st[b].end, s1)
                    c1 = _strip_final_period(text, c0, c1)
                    if c1 - c0 > 8:
                        out.append(_rec(spk, m.group(), s0, c0, c1, s0, s1))
                        continue
        for k, t in enumerate(st):
            if t.lemma not in cues:
                continue
            # comma (and dash / an adverb) right before the cue: "CLAUSE, заявив X."
            j = k - 1
            while j >= 0 and st[j].text in "–—-":
                j -= 1
            if j >= 1 and st[j].pos in ("ADVB", "") and st[j].text not in ",»\"" \
                    and st[j - 1].text == ",":
                j -= 1
            if j >= 0 and st[j].text == "," and j > 0:
                a, b = _window(st, k, 1)
                if a < b and st[a].text.lower() in wl.in_prep:
                    a += 1
                spk = _token_speaker(doc, st, a, b, reg)
                if spk is None:
                    continue
                c0, c1 = s0, st[j].start
                # a quoted claim may begin in an earlier sentence
                c0, c1 = _clean_span(text, c0, c1)
                am = wl.about_that.match(text, c0)
                if am:
                    c0 = am.end()
                if c1 - c0 > 8:
                    out.append(_rec(spk, t.text, t.start, c0, c1, s0, s1))
                continue
            # "X заявил, что CLAUSE" / "X заявил о CLAUSE" / "О CLAUSE заявил X"
            a, b = _window(st, k, -1)
            while a < b and st[a].text.lower() in wl.relative and a > 1 and st[a - 1].text == ",":
                # "Военкоры, которые ..., сообщают": skip the relative clause
                a, b = _window(st, a - 1, -1)
            spk = _token_speaker(doc, st, a, b, reg) if a < b else None
            about = None
            if spk is None or (a < b and st[a].text.lower() in ("о", "об", "про")):
                a2, b2 = _window(st, k, 1)
                if a2 < b2 and st[a2].text.lower() in wl.in_prep:
                    continue
                spk2 = _token_speaker(doc, st, a2, b2, reg)
                if spk2 is None:
                    continue
                if a < b and st[a].text.lower() in ("о", "об", "про"):
                    about = (st[a + 1].start, _np_end(st, a + 1, k))
                spk = spk2
                if about is None:
                    continue
            if about is not None:
                c0, c1 = about
            else:
                nxt = k + 1
                if nxt >= len(st):
                    continue
                c0 = st[nxt].start
                c1 = s1
                dash = re.search(r"\s[—–]\s", text[c0:c1])
                if st[nxt].text.lower() in ("о", "об", "про") and dash:
                    c1 = c0 + dash.start()
            c0, c1 = _clean_span(text, c0, c1)
            c1 = _strip_final_period(text, c0, c1)
            if c1 - c0 > 5:
                out.append(_rec(spk, t.text, t.start, c0, c1, s0, s1))
    return out


_LEAD = re.compile(r"\s*(?:[^\W\d_]+\s+){0,2}[^\W\d_]+\s*[,—–]\s*")


def _after_lead(pat: re.Pattern[str], text: str, s0: int, s1: int) -> re.Match[str] | None:
    """A prepositional attribution after a short lead-in ("In addition, according to X,
    CLAUSE", "Крім того, за словами X, ..."): the lead says nothing, the claim follows."""
    lead = _LEAD.match(text, s0, s1)
    return pat.match(text, lead.end()) if lead else None


def _np_end(st: list[Any], i: int, k: int) -> int:
    """End of the noun phrase after a preposition, before adverbs and the cue."""
    j = i
    while j < k and st[j].pos in ("NOUN", "ADJF", "ADJS", "PRTF", "NUMR", "") and \
            st[j].text not in _ROLE_STOP:
        j += 1
    return st[max(i, j - 1)].end


# --------------------------------------------------------------------------------------------
# direct quotes and the component


def _rec(
    spk: _Spk, cue: str, cpos: int, c0: int, c1: int, r0: int, r1: int, direct: bool = False
) -> dict[str, Any]:
    return {"spk": spk, "cue": cue, "cpos": cpos, "q0": c0, "q1": c1, "r0": r0, "r1": r1,
            "direct": direct}


def _overlap(a0: int, a1: int, b0: int, b1: int) -> float:
    inter = min(a1, b1) - max(a0, b0)
    return inter / max(1, min(a1 - a0, b1 - b0)) if inter > 0 else 0.0


def _word_count(s: str) -> int:
    return len(_ATTR_WORDS.findall(s))


_GAP = re.compile(r"[\s,.!?…—–-]*")


def _owner(text: str, q: Quote, reported: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The attribution a quote belongs to: a cue right after it ("…,” X said"), or a cue
    earlier in its sentence when the quote ends that sentence ("X said: “…”")."""
    after = None
    for r in reported:
        c = r["cpos"]
        if c > q.end and _GAP.fullmatch(text, q.end + 1, c) is not None:
            if after is None or c < after["cpos"]:
                after = r
        elif c > q.end:
            # "”, Ganchev said", "», – говорится", "”, he told Reuters"
            gap = text[q.end + 1 : c]
            if len(gap) < 40 and "\n" not in gap and re.match(r"[\s,.!?…]*[—–-]?\s*\S", gap) \
                    and (lead := _GAP.match(gap)) is not None and lead.end() > 0 \
                    and gap.count(" ") <= 4 and \
                    r["r0"] <= q.end + 3 and (after is None or c < after["cpos"]):
                after = r
    if after is not None:
        return after
    tail = text[q.end + 1 : q.end + 6]
    ends = bool(re.match(r"[\s,.!?…]*(?:\n|$)", tail)) or text[q.end - 1 : q.end] in ".!?"
    words = _word_count(text[q.start : q.end])
    for r in reported:
        c = r["cpos"]
        if c < q.start and r["r0"] <= q.start <= r["r1"] and ends and \
                "\n" not in text[c : q.start] and (
                    words >= 6 or q.end - q.start >= 0.6 * (r["q1"] - r["q0"])):
            return r
    return None


def _direct(
    doc: Doc, quotes: list[Quote], reported: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Attribute top-level quotes to a nearby cue, or to the previous speaker when the quote
    stands alone as a paragraph (continued speech)."""
    text = doc.text
    out: list[dict[str, Any]] = []
    for q in quotes:
        if q.depth > 0:
            continue
        words = _word_count(text[q.start : q.end])
        owner = _owner(text, q, reported)
        qend = q.end
        while qend > q.start and text[qend - 1] in ",;: \n":
            qend -= 1  # quote-internal trailing comma ("…,” he said)
        if owner is not None and words >= 4:
            rec = _rec(owner["spk"], owner["cue"], owner["cpos"], q.start, qend,
                       min(owner["r0"], q.start - 1), max(owner["r1"], q.end + 1), True)
            out.append(rec)
            continue
        prior = [r for r in reported if r["r1"] <= q.start] + [
            r for r in out if r["q1"] <= q.start
        ]
        latest = max(prior, key=lambda r: r["q1"]) if prior else None
        follows = latest is not None and not text[latest["r1"] : q.start - 1].strip()
        if owner is None and words >= 4 and (q.para_start or follows) and latest is not None \
                and q.start - latest["q1"] < 600:
            tail = text[q.end + 1 : q.end + 4]
            if re.match(r"[\s.,!?…]*(?:\n|$)", tail):
                rec = _rec(latest["spk"], latest["cue"], latest["cpos"], q.start, qend,
                           q.start - 1, q.end + 1, True)
                out.append(rec)
    return out


def _against(spk_side: Side, quote: str) -> bool:
    """Does the speaker concede a loss for their own side (a statement against interest)?
    A losing cue whose nearest preceding side word is not the enemy's, or an enemy-gain cue
    next to the enemy's name."""
    if spk_side not in ("UA", "RU"):
        return False
    enemy: Side = "UA" if spk_side == "RU" else "RU"
    for m in _alt("cues_loss").finditer(quote):
        before = quote[max(0, m.start() - 80) : m.start()]
        sides = [(mm.start(), s) for pat, s in _sides() for mm in pat.finditer(before)]
        sides += [(mm.start(), enemy) for mm in _alt("statements_enemy_words").finditer(before)]
        nearest = max(sides)[1] if sides else None
        own = re.search(r"\b(?:our|we|наш\w*|мы|ми)\b", before, re.IGNORECASE)
        if nearest == enemy and not own:
            continue
        return True
    for m in _alt("cues_enemy_gain").finditer(quote):
        window = quote[max(0, m.start() - 80) : m.end() + 60]
        if side_of(window) == enemy or _alt("statements_enemy_words").search(window):
            return True
    return False


def _by_pronoun(doc: Doc, reg: _Registry) -> list[dict[str, Any]]:
    """"According to him, six settlements came under fire" / "За його словами, ..." / "По ее
    словам, ...": the rest of the sentence is what the last person named before it said
    (the last speaker, for "according to them")."""
    wl = _words(doc.lang)
    out = []
    for m in wl.by_pronoun.finditer(doc.text):
        s1 = doc.sentence_of(m.start())[1] if doc.sents else len(doc.text)
        q0 = m.end()
        q1 = _strip_final_period(doc.text, q0, _rstrip(doc.text, q0, s1))
        if q1 - q0 < 10:
            continue
        cue = m.group().strip(" ,")
        plural = any(w in cue.lower().split() for w in wl.pronouns_plural)
        # a person first; else the last speaker (the small English model misses some names)
        spk = (None if plural else reg.last(m.start(), person=True)) or reg.last(m.start())
        if spk is None:
            continue
        out.append(_rec(spk, cue, m.start(), q0, q1, m.start(), q1))
    return out


def _place_names(doc: Doc, country: bool = False) -> frozenset[str]:
    """Lower-cased surfaces and names of the document's place mentions below country level
    (``country``: of its countries)."""
    return frozenset(x.lower() for pm in doc.places if (pm.kind == "country") == country
                     for x in (pm.surface, pm.name) if x)


def _country_speaks(text: str, r: dict[str, Any], wl: _Words) -> bool:
    """A bare country as speaker: kept only when the claim's first words speak of the
    country itself ("Russia said on Monday its forces captured X", the government's claim);
    "Ukraine said fighting goes on" is the reporter's shorthand for an unnamed source."""
    head = re.findall(r"\w+", text[r["q0"] : r["q1"]])[:4]
    return any(w.lower() in wl.country_self for w in head)


_FIRST_PERSON = frozenset({"i", "we", "me", "us"})


def _drop_wrappers(doc: Doc, quotes: list[Quote]) -> list[Quote]:
    """Quote marks around a whole paragraph of reporting (a scraping artefact: the paragraph
    itself says "the military said ...") are no quotation: drop them, keep real block quotes.
    A wrapper holds a reporting verb whose subject is not "I"/"we"."""
    sdoc = doc.user.get("spacy")
    if sdoc is None or not quotes:
        return quotes
    text = doc.text
    cues = _cues(_pack(doc.lang).code)
    out = []
    for q in quotes:
        ends_para = bool(re.match(r"[ \t]*(?:\n|$)", text[q.end + 1 :]))
        whole = q.depth == 0 and q.para_start and ends_para
        if whole:
            span = sdoc.char_span(q.start, q.end, alignment_mode="contract")
            whole = span is not None and len(list(span.sents)) >= 2 and any(
                t.lemma_.lower() in cues and any(
                    c.dep_ == "nsubj" and c.lower_ not in _FIRST_PERSON for c in t.children)
                for t in span)
        if not whole:
            out.append(q)
    return out


def _relay(r: dict[str, Any], kept: list[dict[str, Any]]) -> bool:
    """Is ``r``'s claim itself an attribution that points elsewhere ("UNN reports: X announced
    this on Telegram", "За даними Укрінформу, про це заявив X")? Another record's cue stands
    inside it while that record's claim lies outside it (and does not hold ``r``'s cue in
    turn: a garbled sentence where each holds the other's cue keeps both)."""
    return any(o is not r and r["q0"] <= o["cpos"] < r["q1"]
               and (o["q1"] <= r["q0"] or o["q0"] >= r["q1"])
               and not o["q0"] <= r["cpos"] < o["q1"] for o in kept)


def _drop_relays(kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in kept if not _relay(r, kept)]


def _headline_end(text: str) -> int:
    """End of a headline line (a first line without closing punctuation, followed by the
    body), or 0 when the text does not open with one."""
    first, nl, rest = text.partition("\n")
    head = first.rstrip()
    if not nl or not rest.strip() or not head or len(head) > 250 or head[-1] in ".!?…\"”»:":
        return 0
    return len(head)


@component("statements")
def statements(doc: Doc) -> Doc:
    text = doc.text
    reg = _Registry(doc.lang, _person_mentions(doc))
    quotes = find_quotes(text)
    pack = _pack(doc.lang)
    if pack.syntax == "tokens":
        reported = _token_reported(doc, reg)
    else:
        quotes = _drop_wrappers(doc, quotes)
        reported = _parsed_reported(doc, reg, quotes)
    reported.sort(key=lambda r: r["q0"])
    direct = _direct(doc, quotes, reported)
    reported += _by_pronoun(doc, reg)  # after the quotes: their speakers are known by then
    records = [
        r for r in reported
        if not r.get("empty")
        and not any(_overlap(d["q0"], d["q1"], r["q0"], r["q1"]) >= 0.5 for d in direct)
    ]
    records.extend(direct)
    records.sort(key=lambda r: (r["q0"], -r["q1"]))
    kept: list[dict[str, Any]] = []
    for r in records:
        if kept and _overlap(kept[-1]["q0"], kept[-1]["q1"], r["q0"], r["q1"]) >= 0.8:
            if r["direct"] and not kept[-1]["direct"]:
                kept[-1] = r
            continue
        kept.append(r)
    kept = _drop_relays(kept)
    if pack.unmarked_official_side:
        # Ukrainian-language reporting names its own officials without a nationality
        # ("президент", "речник Генштабу"): an unmarked official role defaults to UA.
        for r in kept:
            if r["spk"].side == "unknown" and r["spk"].role:
                r["spk"].side = pack.unmarked_official_side
    speakers: list[Speaker] = doc.user.setdefault("speakers", [])
    seen_spk: set[tuple[int, int]] = set()
    places = _place_names(doc)
    countries = _place_names(doc, country=True)
    wl = _words(doc.lang)
    head = _headline_end(text)
    for r in kept:
        if r["q1"] <= head:
            continue  # the editor's summary of a statement the body gives in its own words
        spk: _Spk = r["spk"]
        if spk.name and not spk.role and spk.name.lower() in places:
            continue  # "Kharkiv said", "в Балаклее сообщили": a town is no speaker
        if spk.name and not spk.role and spk.name.lower() in countries and \
                not _country_speaks(text, r, wl):
            continue
        q0, q1 = r["q0"], r["q1"]
        r0 = max(0, min(r["r0"], q0))
        r1 = min(len(text), max(r["r1"], q1))
        s0 = min(doc.sentence_of(r0)[0], r0) if doc.sents else r0
        s1 = max(doc.sentence_of(max(r0, r1 - 1))[1], r1) if doc.sents else r1
        quote = text[q0:q1]
        doc.records.append(
            Statement(
                **provenance(doc, s0, s1),
                speaker=spk.name,
                role=spk.role,
                side=spk.side,
                cue=r["cue"],
                quote=quote,
                quote_start=q0,
                quote_end=q1,
                direct=r["direct"],
                against_interest=_against(spk.side, quote),
            )
        )
        if (spk.start, spk.end) not in seen_spk:
            seen_spk.add((spk.start, spk.end))
            speakers.append(Speaker(spk.name, spk.role, spk.side, spk.start, spk.end))
    return doc
