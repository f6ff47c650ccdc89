"""The English catalogue (`web.i18n.EN`) is made of the pages' words, their messages, the signature badge's, the
indicators' and the vault's words: no Vietnamese text is in two parts (one would silently win), and the parts hold
what they say they hold."""

from __future__ import annotations

from pathlib import Path

from web.i18n import EN, translator
from web.messages_en import MESSAGES_EN
from web.page_words_en import PAGE_WORDS_EN
from web.signing_words import SIGNING_EN
from web.stats_words import STATS_EN
from web.vault_words import VAULT_EN

PARTS = (PAGE_WORDS_EN, MESSAGES_EN, SIGNING_EN, STATS_EN, VAULT_EN)


def test_each_vietnamese_text_is_in_one_part_of_the_catalogue() -> None:
    assert sum(len(part) for part in PARTS) == len(EN)
    assert EN.keys() == set().union(*(part.keys() for part in PARTS))
    assert all(vietnamese.rstrip().endswith((".", "?", "!")) for vietnamese in MESSAGES_EN)
    assert not any(vietnamese.rstrip().endswith((".", "?", "!")) for vietnamese in PAGE_WORDS_EN)
    assert all(english.strip() for english in EN.values())


def test_a_page_word_and_a_message_translate_and_vietnamese_stays() -> None:
    t, vi = translator("en"), translator("vi")
    assert t("Đăng nhập") == "Sign in"
    assert t("Không tìm thấy hồ sơ với mã này.") == "No dossier with this code."
    assert vi("Đăng nhập") == "Đăng nhập"
    assert t("chưa có trong danh mục") == "chưa có trong danh mục"


def test_the_consent_paragraph_reads_as_english() -> None:
    """Her vault's consent request, in English: an officer is asking (now), papers from her vault, the code below."""
    paragraph = translator("en")(
        "Cán bộ tiếp nhận đề nghị dùng lại giấy tờ trong kho của bạn. Nếu đồng ý, đọc mã dưới đây cho cán bộ"
        " (mã dùng một lần, hết hạn sau 15 phút)."
    )
    assert paragraph.startswith("An officer at the counter is asking to reuse papers from your vault. ")
    assert "read the code below out to the officer" in paragraph and "15 minutes" in paragraph


def test_the_counters_consent_paragraph_has_english() -> None:
    """The counter's note after asking consent was Vietnamese on the English page (its words were not looked up)."""
    counter = (Path(__file__).parents[2] / "web" / "templates" / "counter.html").read_text()
    sent = counter[counter.index('id="consent-sent"') : counter.index("</p>", counter.index('id="consent-sent"'))]
    t = translator("en")
    assert '{{ t("Đã gửi yêu cầu đồng ý dùng lại") }}' in sent and t("Đã gửi yêu cầu đồng ý dùng lại") == (
        "Consent requested to reuse"
    )
    assert t(
        "Đề nghị công dân mở tài khoản (mục «Yêu cầu dùng lại giấy tờ» trong kho) và đọc mã đồng ý gồm 6 chữ số."
    ).startswith("Ask the citizen to open their account")
