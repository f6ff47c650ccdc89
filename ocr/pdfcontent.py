"""What a PDF carries, read from its objects without rendering: per page text, drawing and images (as OCRmyPDF's
`--skip-text` decides which pages to OCR), signatures, active content, and what keeps a kept page out of PDF/A.

Content streams are inflated with a cap before they are parsed (`ocr.bounded.inflated_size`), form XObjects are
followed to a bounded depth, and only the operators that paint something are counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf

from ocr.bounded import Malformed, inflated_size

TEXT_OPERATORS = frozenset({"Tj", "TJ", "'", '"'})
PAINT_OPERATORS = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh"})
CMYK_OPERATORS = frozenset({"k", "K"})
CONTENT_LIMIT = 32 * 1024 * 1024  # inflated bytes of one content stream; a page of text is a few tens of kB
MAX_FORM_DEPTH = 8
MAX_FIELD_DEPTH = 16

# Actions and entries that run or launch something: refused in every PDF (`active_content`).
ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action",
    "/SubmitForm": "a form submission action",
    "/ImportData": "a data import action",
    "/RichMediaExecute": "rich media",
    "/GoToE": "an action into an embedded file",
}
ACTIVE_KEYS = {"/JS": "JavaScript", "/XFA": "an XFA form", "/RichMedia": "rich media"}
EMBEDDED_KEYS = {"/EmbeddedFiles", "/EF"}


@dataclass
class PageContent:
    """What one page paints: text (any text-showing operator, invisible OCR text included), drawing (paths,
    shadings), images (XObjects and inline), the image streams to bound, and colour in DeviceCMYK."""

    text: bool = False
    drawing: bool = False
    images: int = 0
    cmyk: bool = False
    image_streams: list[pikepdf.Stream] = field(default_factory=list)

    @property
    def image_only(self) -> bool:
        return self.images > 0 and not self.text and not self.drawing

    @property
    def kind(self) -> str:
        """What the page carries: "text", "drawing", "image" (image-only: a scan) or "empty"."""
        if self.text:
            return "text"
        if self.drawing:
            return "drawing"
        return "image" if self.images else "empty"


def _filters(stream: pikepdf.Stream) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    return [str(f) for f in value] if isinstance(value, pikepdf.Array) else [str(value)]


def check_content_stream(stream: pikepdf.Stream) -> None:
    """Bound a content stream before it is parsed: Flate inflated with a cap, no other compression."""
    filters = _filters(stream)
    raw = stream.read_raw_bytes()
    if filters == ["/FlateDecode"]:
        inflated_size([raw], CONTENT_LIMIT)
    elif filters:
        raise Malformed(f"content stream compression {' + '.join(filters)} is not accepted")
    elif len(raw) > CONTENT_LIMIT:
        raise Malformed(f"a content stream of {len(raw)} bytes exceeds {CONTENT_LIMIT}")


def _page_streams(page: pikepdf.Page) -> list[pikepdf.Stream]:
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    if isinstance(contents, pikepdf.Array):
        return [item for item in contents if isinstance(item, pikepdf.Stream)]
    return []


def _xobject(resources: pikepdf.Object | None, name: pikepdf.Object) -> pikepdf.Object | None:
    if not isinstance(resources, pikepdf.Dictionary):
        return None
    xobjects = resources.get("/XObject")
    return xobjects.get(str(name)) if isinstance(xobjects, pikepdf.Dictionary) else None


def _walk(
    owner: pikepdf.Page | pikepdf.Stream, resources: pikepdf.Object | None, found: PageContent, depth: int
) -> None:
    for instruction in pikepdf.parse_content_stream(owner):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            found.images += 1
            continue
        operator = str(instruction.operator)
        if operator in TEXT_OPERATORS:
            found.text = True
        elif operator in PAINT_OPERATORS:
            found.drawing = True
        elif operator in CMYK_OPERATORS:
            found.cmyk = True
        elif operator == "Do" and instruction.operands:
            target = _xobject(resources, instruction.operands[0])
            if not isinstance(target, pikepdf.Stream):
                continue
            subtype = target.get("/Subtype")
            if subtype == pikepdf.Name.Image:
                found.images += 1
                found.image_streams.append(target)
                found.cmyk = found.cmyk or str(target.get("/ColorSpace")) == "/DeviceCMYK"
            elif subtype == pikepdf.Name.Form:
                if depth >= MAX_FORM_DEPTH:
                    raise Malformed(f"drawings nested deeper than {MAX_FORM_DEPTH} levels")
                check_content_stream(target)
                _walk(target, target.get("/Resources", resources), found, depth + 1)


def inherited(page: pikepdf.Page, key: str) -> pikepdf.Object | None:
    """A page attribute, from the page or the nearest node of the page tree above it."""
    node: pikepdf.Object | None = page.obj
    for _ in range(64):  # a page tree deeper than this is damaged
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node.get(key)
        node = node.get("/Parent")
    return None


def page_content(page: pikepdf.Page) -> PageContent:
    """Classify one page by what its content streams paint; Malformed for a stream that breaks the bounds."""
    for stream in _page_streams(page):
        check_content_stream(stream)
    found = PageContent()
    _walk(page, inherited(page, "/Resources"), found, 0)
    return found


def _fields(items: pikepdf.Object | None, parent_kind: object, depth: int) -> Iterator[pikepdf.Dictionary]:
    if not isinstance(items, pikepdf.Array) or depth > MAX_FIELD_DEPTH:
        return
    for item in items:
        if not isinstance(item, pikepdf.Dictionary):
            continue
        kind = item.get("/FT", parent_kind)
        if kind == pikepdf.Name.Sig and "/V" in item:
            yield item
        yield from _fields(item.get("/Kids"), kind, depth + 1)


def signature_count(pdf: pikepdf.Pdf) -> int:
    """Signature fields holding a value (signatures and document timestamps) in the form of the file."""
    form = pdf.Root.get("/AcroForm")
    if not isinstance(form, pikepdf.Dictionary):
        return 0
    return len(list(_fields(form.get("/Fields"), None, 0)))


def _children(obj: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """Direct (not indirect) dictionaries and arrays inside `obj`: indirect ones are visited on their own."""
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        keys = obj.keys()
        values = [obj.get(key) for key in keys]
    elif isinstance(obj, pikepdf.Array):
        values = list(obj)
    else:
        return
    for value in values:
        if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
            yield value


def _active_in(obj: pikepdf.Object, embedded: bool) -> str | None:
    pending = [obj]
    while pending:
        item = pending.pop()
        if isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)):
            keys = set(item.keys())
            for key, what in ACTIVE_KEYS.items():
                if key in keys:
                    return what
            action = item.get("/S")
            if isinstance(action, pikepdf.Name) and str(action) in ACTIVE_ACTIONS:
                return ACTIVE_ACTIONS[str(action)]
            if embedded and keys & EMBEDDED_KEYS:
                return "embedded files"
        pending.extend(_children(item))
    return None


def active_content(pdf: pikepdf.Pdf, *, embedded_files: bool) -> str | None:
    """What runs or launches something in the file (JavaScript, launch and submit actions, XFA, rich media),
    and with `embedded_files` attached files too; None when there is nothing of the kind."""
    for obj in pdf.objects:
        found = _active_in(obj, embedded_files)
        if found:
            return found
    return None


def _font_embedded(font: pikepdf.Object | None) -> bool:
    if not isinstance(font, pikepdf.Dictionary):
        return True
    if font.get("/Subtype") == pikepdf.Name.Type3:
        return True  # its glyphs are content streams of the file
    if font.get("/Subtype") == pikepdf.Name.Type0:
        descendants = font.get("/DescendantFonts")
        font = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else font
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def _font_names(resources: pikepdf.Object | None, depth: int = 0) -> Iterator[tuple[str, bool]]:
    if not isinstance(resources, pikepdf.Dictionary) or depth > MAX_FORM_DEPTH:
        return
    fonts = resources.get("/Font")
    if isinstance(fonts, pikepdf.Dictionary):
        names = fonts.keys()
        for key in names:
            font = fonts.get(key)
            name = str(font.get("/BaseFont", key)) if isinstance(font, pikepdf.Dictionary) else str(key)
            yield name.lstrip("/"), _font_embedded(font)
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, pikepdf.Dictionary):
        names = xobjects.keys()
        for key in names:
            form = xobjects.get(key)
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == pikepdf.Name.Form:
                yield from _font_names(form.get("/Resources"), depth + 1)


def pdfa_problems(page: pikepdf.Page, content: PageContent) -> list[str]:
    """Why a page kept as received cannot be part of a PDF/A-2b file (without rewriting it): fonts not
    embedded, colour in DeviceCMYK (the output intent is sRGB)."""
    fonts = _font_names(inherited(page, "/Resources"))
    problems = sorted({f"font {name} is not embedded" for name, embedded in fonts if not embedded})
    if content.cmyk:
        problems.append("colour in DeviceCMYK (the file's output intent is sRGB)")
    return problems
