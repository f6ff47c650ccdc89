"""XMP metadata of sohoa's PDF/A-2b files: pdfaid, Dublin Core, dates, and sohoa's own fields declared in a
PDF/A extension schema (dossier code, document type code, owner id, page count, digitised-at).
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

SOHOA_NS = "http://ns.sohoa.vn/xmp/1.0/"
SOHOA_FIELDS = (
    ("DossierCode", "Text", "Dossier code <agency>-YYMMDD-XXXX (Circular 01/2018/TT-VPCP)"),
    ("DocumentTypeCode", "Text", "Code of the document type (paper or result type)"),
    ("OwnerId", "Text", "Owner identifier: 12-digit personal ID number or tax code"),
    ("PageCount", "Integer", "Number of scanned pages in this document"),
    ("DigitisedAt", "Date", "When the document was digitised"),
)


def iso(moment: dt.datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.isoformat(timespec="seconds")


def _property(name: str, kind: str, description: str) -> str:
    return (
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        f"<pdfaProperty:valueType>{kind}</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(description)}</pdfaProperty:description>"
        "</rdf:li>"
    )


def xmp_packet(
    *,
    title: str,
    language: str,
    created: dt.datetime,
    producer: str,
    sohoa_values: dict[str, str],
    pdfa: bool = True,
) -> bytes:
    """A complete XMP packet (UTF-8) declaring PDF/A-2b (`pdfa=False`: the same without the PDF/A claim)."""
    when = iso(created)
    own = "".join(f"<sohoa:{k}>{escape(v)}</sohoa:{k}>" for k, v in sohoa_values.items() if v)
    props = "".join(_property(*field) for field in SOHOA_FIELDS)
    claim = "<pdfaid:part>2</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n" if pdfa else ""
    body = f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:sohoa="{SOHOA_NS}"
 xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
{claim}<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
<dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language>
<xmp:CreateDate>{when}</xmp:CreateDate>
<xmp:ModifyDate>{when}</xmp:ModifyDate>
<xmp:MetadataDate>{when}</xmp:MetadataDate>
<xmp:CreatorTool>{escape(producer)}</xmp:CreatorTool>
<pdf:Producer>{escape(producer)}</pdf:Producer>
{own}
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>sohoa digitisation record</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{SOHOA_NS}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>sohoa</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>{props}</rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>"""
    padding = "\n".join(" " * 99 for _ in range(20))
    packet = f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n{body}\n{padding}\n<?xpacket end="w"?>'
    return packet.encode("utf-8")
