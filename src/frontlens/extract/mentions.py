"""Turn the document's recognised spans into stored ``Mention`` records (the last component).

Places keep their resolution (gazetteer id, score) or, when ambiguous, their candidates; people
and organisations are kept as spans so the claims ledger and the dashboard can link to them.
"""

from __future__ import annotations

from frontlens.extract.doc import Doc, component, provenance
from frontlens.model import Mention, MentionType

_ENTITY_TYPES: dict[str, MentionType] = {"PER": "person", "ORG": "org"}


@component("mentions")
def mentions(doc: Doc) -> Doc:
    for pm in doc.places:
        doc.records.append(
            Mention(
                **provenance(doc, pm.start, pm.end),
                text=pm.surface,
                type="place",
                resolved_id=pm.place.id if pm.place else None,
                score=round(pm.score, 4),
                candidates=[c.id for c in pm.candidates[:10]] if pm.place is None else [],
            )
        )
    taken = {(pm.start, pm.end) for pm in doc.places}
    for ent in doc.ents:
        kind = _ENTITY_TYPES.get(ent.label)
        if kind and (ent.start, ent.end) not in taken:
            doc.records.append(
                Mention(**provenance(doc, ent.start, ent.end), text=ent.text, type=kind)
            )
    return doc
