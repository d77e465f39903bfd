"""The SMS channel's pure logic: segment counting, opt-out keywords, Twilio's webhook signature and
its form fields; and the fake sender other modules' tests use."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from parcours.channels.fakes import FakeSmsSender
from parcours.channels.ports import DeliveryError, OutgoingSms, SmsSender
from parcours.channels.sms import (
    GSM_BASIC,
    STATUSES,
    DeliveryReceipt,
    InboundSms,
    Media,
    SmsLength,
    SmsPayloadError,
    keyword,
    parse_inbound,
    parse_status,
    segments,
    twilio_signature,
    verify_twilio_signature,
)

# ---------------------------------------------------------------------------------- segments


def test_given_an_empty_text_when_counted_then_it_costs_no_segment():
    assert segments("") == SmsLength("GSM-7", units=0, segments=0, remaining=160)


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (1, SmsLength("GSM-7", 1, 1, 159)),
        (160, SmsLength("GSM-7", 160, 1, 0)),
        (161, SmsLength("GSM-7", 161, 2, 145)),
        (306, SmsLength("GSM-7", 306, 2, 0)),
        (307, SmsLength("GSM-7", 307, 3, 152)),
    ],
    ids=["1-one-segment", "160-one-segment", "161-two-of-153", "306-two-full", "307-three"],
)
def test_given_a_plain_gsm_text_when_counted_then_160_fit_one_segment_and_153_each_beyond(
    length: int, expected: SmsLength
):
    assert segments("a" * length) == expected


def test_given_the_gsm_table_then_it_has_the_127_characters_of_gsm_03_38_besides_escape():
    listed = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà"
    letters_and_digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    assert frozenset(listed + letters_and_digits) == GSM_BASIC
    assert len(GSM_BASIC) == 127


def test_given_the_accents_of_the_gsm_alphabet_when_counted_then_each_is_one_septet():
    text = "é è ù ì ò Ç Ø ø Å å Δ _ Φ Γ Λ Ω Π Ψ Σ Θ Ξ Æ æ ß É Ä Ö Ñ Ü § ¿ ä ö ñ ü à @ £ $ ¥ ¡ ¤"
    assert segments(text) == SmsLength("GSM-7", len(text), 1, 160 - len(text))


EXTENSION_NAMES = {
    "\f": "form-feed",
    "^": "caret",
    "{": "brace-open",
    "}": "brace-close",
    "\\": "backslash",
    "[": "bracket-open",
    "]": "bracket-close",
    "~": "tilde",
    "|": "pipe",
    "€": "euro",
}


@pytest.mark.parametrize("character", list(EXTENSION_NAMES), ids=list(EXTENSION_NAMES.values()))
def test_given_an_extension_character_when_counted_then_it_takes_two_septets(character: str):
    assert segments(f"Prix 10{character}") == SmsLength("GSM-7", 9, 1, 151)


def test_given_euros_when_80_or_81_then_one_or_two_segments():
    assert segments("€" * 80) == SmsLength("GSM-7", 160, 1, 0)
    # 76 euros fill 152 of the first 153 septets; the other 5 take 10 of the second segment.
    assert segments("€" * 81) == SmsLength("GSM-7", 162, 2, 143)


def test_given_an_extension_character_at_a_segment_boundary_then_its_escape_is_not_split():
    # 152 + 2 septets: the euro does not fit the first segment (153), so it opens the second.
    assert segments("a" * 152 + "€" + "a" * 152) == SmsLength("GSM-7", 306, 3, 152)


def test_given_a_french_order_notice_when_counted_then_the_e_circumflex_forces_ucs2():
    assert segments("Votre commande est prête") == SmsLength("UCS-2", 24, 1, 46)
    assert segments("Votre commande est prete") == SmsLength("GSM-7", 24, 1, 136)


FRENCH_OUTSIDE_GSM = {
    "ê": "e-circumflex",
    "â": "a-circumflex",
    "ç": "c-cedilla-lower",
    "ô": "o-circumflex",
    "î": "i-circumflex",
    "û": "u-circumflex",
    "ë": "e-diaeresis",
    "ï": "i-diaeresis",
    "œ": "oe-ligature",
    "’": "typographic-apostrophe",
    "«": "guillemet",
    "\u00a0": "no-break-space",
    "\u202f": "narrow-no-break-space",
}


@pytest.mark.parametrize(
    "character", list(FRENCH_OUTSIDE_GSM), ids=list(FRENCH_OUTSIDE_GSM.values())
)
def test_given_a_common_french_character_outside_gsm_when_counted_then_the_text_is_ucs2(
    character: str,
):
    assert segments(f"Merci{character}") == SmsLength("UCS-2", 6, 1, 64)


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (70, SmsLength("UCS-2", 70, 1, 0)),
        (71, SmsLength("UCS-2", 71, 2, 63)),
        (134, SmsLength("UCS-2", 134, 2, 0)),
        (135, SmsLength("UCS-2", 135, 3, 66)),
    ],
    ids=["70-one-segment", "71-two-of-67", "134-two-full", "135-three"],
)
def test_given_a_ucs2_text_when_counted_then_70_fit_one_segment_and_67_each_beyond(
    length: int, expected: SmsLength
):
    assert segments("ê" * length) == expected


def test_given_an_emoji_when_counted_then_it_is_ucs2_and_takes_two_units():
    assert segments("😀") == SmsLength("UCS-2", 2, 1, 68)
    assert segments("Merci 😀") == SmsLength("UCS-2", 8, 1, 62)


def test_given_an_emoji_at_a_segment_boundary_then_its_surrogate_pair_is_not_split():
    # 66 + 2 units: the emoji does not fit the first segment (67), so it opens the second, and
    # 134 units need three segments where 134 / 67 would say two.
    assert segments("ê" * 66 + "😀" + "ê" * 66) == SmsLength("UCS-2", 134, 3, 66)


# ---------------------------------------------------------------------------------- keywords


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("STOP", "stop", id="STOP"),
        pytest.param("stop", "stop", id="stop-lower"),
        pytest.param("  Stop. ", "stop", id="spaces-and-full-stop"),
        pytest.param("STOP!!!", "stop", id="exclamation-marks"),
        pytest.param("STOPALL", "stop", id="STOPALL"),
        pytest.param("Unsubscribe", "stop", id="UNSUBSCRIBE"),
        pytest.param("cancel", "stop", id="CANCEL"),
        pytest.param("END", "stop", id="END"),
        pytest.param("Quit", "stop", id="QUIT"),
        pytest.param("ARRET", "stop", id="ARRET"),
        pytest.param("ARRÊT", "stop", id="ARRÊT"),
        pytest.param("arrêt !", "stop", id="arrêt-french-spacing"),
        pytest.param("STOP SMS", "stop", id="STOP-SMS"),
        pytest.param("stop  sms", "stop", id="stop-sms-two-spaces"),
        pytest.param("Stop PUB", "stop", id="STOP-PUB"),
        pytest.param("stop-pub", "stop", id="stop-pub-hyphen"),
        pytest.param("ＳＴＯＰ", "stop", id="full-width-STOP"),
        pytest.param("START", "start", id="START"),
        pytest.param("unstop", "start", id="UNSTOP"),
        pytest.param("HELP", "help", id="HELP"),
        pytest.param("info?", "help", id="INFO-question-mark"),
        pytest.param("Aide", "help", id="AIDE"),
        pytest.param("stop calling me late", None, id="sentence-starting-with-stop"),
        pytest.param("Merci, stop", None, id="sentence-ending-with-stop"),
        pytest.param("STOP STOP", None, id="stop-twice"),
        pytest.param("STOP SMS PUB", None, id="stop-sms-pub"),
        pytest.param("stopper", None, id="longer-word"),
        pytest.param("YES", None, id="yes-is-not-an-opt-in"),
        pytest.param("Oui", None, id="oui"),
        pytest.param("", None, id="empty"),
        pytest.param("!!!", None, id="punctuation-only"),
    ],
)
def test_given_a_reply_when_read_then_only_a_whole_message_keyword_counts(
    text: str, expected: str | None
):
    assert keyword(text) == expected


# --------------------------------------------------------------------------------- signature

DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


def doc_params(number: str) -> dict[str, str]:
    return {
        "CallSid": "CA1234567890ABCDE",
        "Caller": number,
        "Digits": "1234",
        "From": number,
        "To": "+18005551212",
    }


@pytest.mark.parametrize(
    ("number", "signature"),
    [
        pytest.param("+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", id="current-docs-numbers"),
        pytest.param("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc=", id="earlier-docs-numbers"),
    ],
)
def test_given_twilios_documented_example_when_signed_then_the_published_signature_comes_out(
    number: str, signature: str
):
    # Twilio's page has shown this example with two pairs of numbers over the years; each pair
    # has its own signature ("GvWf…" goes with +14158675310, not with +12349013030).
    assert twilio_signature(DOC_TOKEN, DOC_URL, doc_params(number)) == signature
    assert verify_twilio_signature(DOC_TOKEN, DOC_URL, doc_params(number), signature)


def test_given_the_signed_string_when_computed_by_hand_then_it_matches():
    data = "https://example.fr/sms?x=1" + "Bodyoui" + "From+33612345678" + "MessageSidSM1"
    by_hand = base64.b64encode(hmac.new(b"token", data.encode(), hashlib.sha1).digest()).decode()
    params = {"MessageSid": "SM1", "From": "+33612345678", "Body": "oui"}
    assert twilio_signature("token", "https://example.fr/sms?x=1", params) == by_hand


def test_given_a_tampered_parameter_then_the_signature_does_not_verify():
    tampered = {**doc_params("+12349013030"), "Digits": "9999"}
    assert not verify_twilio_signature(DOC_TOKEN, DOC_URL, tampered, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://mycompany.com/myapp.php?foo=1&bar=2", id="http-instead-of-https"),
        pytest.param("https://mycompany.com/myapp.php?foo=1&bar=3", id="other-query"),
        pytest.param("https://mycompany.com/myapp.php", id="no-query"),
        pytest.param("https://evil.example/myapp.php?foo=1&bar=2", id="other-host"),
    ],
)
def test_given_a_different_url_then_the_signature_does_not_verify(url: str):
    params = doc_params("+12349013030")
    assert not verify_twilio_signature(DOC_TOKEN, url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("", id="empty"),
        pytest.param("0/KCTR6DLpKmkAf8muzZqo1nDgQ", id="one-character-short"),
        pytest.param("é" * 28, id="not-ascii"),
    ],
)
def test_given_a_wrong_token_or_a_malformed_signature_then_it_does_not_verify(signature: str):
    params = doc_params("+12349013030")
    assert not verify_twilio_signature("54321", DOC_URL, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not verify_twilio_signature(DOC_TOKEN, DOC_URL, params, signature)


def test_given_the_default_port_written_or_not_then_both_spellings_verify_but_no_other_port():
    params = doc_params("+12349013030")
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert verify_twilio_signature(DOC_TOKEN, with_port, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    signed_with_port = twilio_signature(DOC_TOKEN, with_port, params)
    assert verify_twilio_signature(DOC_TOKEN, DOC_URL, params, signed_with_port)
    other_port = "https://mycompany.com:8443/myapp.php?foo=1&bar=2"
    assert not verify_twilio_signature(
        DOC_TOKEN, other_port, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_given_a_repeated_key_then_each_value_is_signed_in_sorted_order():
    url = "https://example.fr/sms"
    data = url + "MediaUrlhttps://a.example/1" + "MediaUrlhttps://b.example/2" + "NumMedia2"
    by_hand = base64.b64encode(hmac.new(b"token", data.encode(), hashlib.sha1).digest()).decode()
    listed = ["https://b.example/2", "https://a.example/1"]
    assert twilio_signature("token", url, {"NumMedia": "2", "MediaUrl": listed}) == by_hand
    assert verify_twilio_signature(
        "token", url, {"MediaUrl": sorted(listed), "NumMedia": "2"}, by_hand
    )
    assert not verify_twilio_signature(
        "token", url, {"MediaUrl": listed[:1], "NumMedia": "2"}, by_hand
    )


# ------------------------------------------------------------------------- inbound and status

INBOUND = {
    "MessageSid": "SM0123456789abcdef0123456789abcdef",
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+33612345678",
    "To": "+33700000000",
    "Body": "Ma commande est arrivée abîmée",
    "NumMedia": "2",
    "MediaUrl0": "https://api.twilio.com/media/ME1",
    "MediaContentType0": "image/jpeg",
    "MediaUrl1": "https://api.twilio.com/media/ME2",
    "MediaContentType1": "image/png",
}


def test_given_an_incoming_mms_when_parsed_then_text_and_pictures_come_in_order():
    assert parse_inbound(INBOUND) == InboundSms(
        message_sid="SM0123456789abcdef0123456789abcdef",
        account_sid="AC0123456789abcdef0123456789abcdef",
        from_number="+33612345678",
        to_number="+33700000000",
        body="Ma commande est arrivée abîmée",
        media=(
            Media("https://api.twilio.com/media/ME1", "image/jpeg"),
            Media("https://api.twilio.com/media/ME2", "image/png"),
        ),
    )


def test_given_a_bare_sms_when_parsed_then_it_has_no_media_and_no_account():
    bare = {"MessageSid": "SM1", "From": "+33612345678", "To": "+33700000000", "Body": "STOP"}
    assert parse_inbound(bare) == InboundSms("SM1", None, "+33612345678", "+33700000000", "STOP")


@pytest.mark.parametrize("field", ["MessageSid", "From", "To"])
def test_given_an_incoming_message_without_a_required_field_then_the_error_names_it(field: str):
    params = {name: value for name, value in INBOUND.items() if name != field}
    received = ", ".join(sorted(params))
    with pytest.raises(SmsPayloadError) as raised:
        parse_inbound(params)
    assert str(raised.value) == (
        f"Twilio incoming message: {field} is missing or empty (fields received: {received})"
    )


def test_given_an_empty_from_then_it_counts_as_missing():
    with pytest.raises(SmsPayloadError, match=r"^Twilio incoming message: From is missing"):
        parse_inbound({**INBOUND, "From": ""})


def test_given_fewer_media_than_announced_then_the_missing_field_is_named():
    params = {**INBOUND, "NumMedia": "3"}
    with pytest.raises(SmsPayloadError, match=r"^Twilio incoming message: MediaUrl2 is missing"):
        parse_inbound(params)


@pytest.mark.parametrize(
    "count",
    [
        pytest.param("two", id="word"),
        pytest.param("-1", id="negative"),
        pytest.param("1.5", id="decimal"),
        pytest.param("٢", id="arabic-indic-digit"),
    ],
)
def test_given_a_num_media_that_is_not_a_count_then_it_is_refused(count: str):
    with pytest.raises(SmsPayloadError) as raised:
        parse_inbound({**INBOUND, "NumMedia": count})
    assert str(raised.value) == (
        f"Twilio incoming message: NumMedia must be a whole number, not {count!r}"
    )


def test_given_a_delivered_callback_when_parsed_then_it_is_final_without_error():
    receipt = parse_status(
        {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+33612345678"}
    )
    assert receipt == DeliveryReceipt("SM1", "delivered", None)
    assert receipt.is_final


def test_given_an_undelivered_callback_when_parsed_then_it_carries_twilios_error_code():
    params = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert parse_status(params) == DeliveryReceipt("SM1", "undelivered", 30003)


@pytest.mark.parametrize(
    ("status", "is_final"),
    [
        pytest.param("queued", False, id="queued-not-final"),
        pytest.param("sending", False, id="sending-not-final"),
        pytest.param("sent", False, id="sent-not-final"),
        pytest.param("accepted", False, id="accepted-not-final"),
        pytest.param("scheduled", False, id="scheduled-not-final"),
        pytest.param("delivered", True, id="delivered-final"),
        pytest.param("undelivered", True, id="undelivered-final"),
        pytest.param("failed", True, id="failed-final"),
        pytest.param("read", True, id="read-final"),
        pytest.param("canceled", True, id="canceled-final"),
    ],
)
def test_given_each_status_then_only_the_last_words_on_a_message_are_final(
    status: str, is_final: bool
):
    assert parse_status({"MessageSid": "SM1", "MessageStatus": status}).is_final is is_final


def test_given_the_status_list_then_it_is_twilios_ten_outbound_statuses():
    assert " ".join(STATUSES) == (
        "queued sending sent delivered undelivered failed read accepted scheduled canceled"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param(
            {"MessageStatus": "sent"},
            "Twilio status callback: MessageSid is missing or empty "
            "(fields received: MessageStatus)",
            id="no-sid",
        ),
        pytest.param(
            {"MessageSid": "SM1"},
            "Twilio status callback: MessageStatus is missing or empty "
            "(fields received: MessageSid)",
            id="no-status",
        ),
        pytest.param(
            {"MessageSid": "SM1", "MessageStatus": "lost"},
            "Twilio status callback: MessageStatus 'lost' is not one of queued, sending, sent, "
            "delivered, undelivered, failed, read, accepted, scheduled, canceled",
            id="unknown-status",
        ),
        pytest.param(
            {"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "E30003"},
            "Twilio status callback: ErrorCode must be a whole number, not 'E30003'",
            id="error-code-not-a-number",
        ),
    ],
)
def test_given_a_malformed_status_callback_then_the_error_says_which_field_and_why(
    params: dict[str, str], message: str
):
    with pytest.raises(SmsPayloadError) as raised:
        parse_status(params)
    assert str(raised.value) == message


# ---------------------------------------------------------------------------------- the fake


def test_given_the_fake_sender_when_sending_then_it_keeps_the_messages_and_answers_ids():
    fake = FakeSmsSender()
    sender: SmsSender = fake
    first, second = OutgoingSms("+33612345678", "Bonjour"), OutgoingSms("+33699999999", "Merci")
    assert sender.send(first) == "SM00000000000000000000000000000001"
    assert sender.send(second) == "SM00000000000000000000000000000002"
    assert fake.sent == [first, second]


def test_given_the_fake_sender_told_to_fail_then_it_raises_and_keeps_nothing():
    refusal = DeliveryError("unsubscribed recipient", is_permanent=True, code=21610)
    fake = FakeSmsSender(failure=refusal)
    with pytest.raises(DeliveryError) as raised:
        fake.send(OutgoingSms("+33612345678", "Promo"))
    assert raised.value is refusal
    assert (raised.value.is_permanent, raised.value.code) == (True, 21610)
    assert fake.sent == []


def test_given_a_delivery_error_made_the_old_way_then_it_is_temporary_and_has_no_code():
    error = DeliveryError("smtp.example:25: connection refused")
    assert str(error) == "smtp.example:25: connection refused"
    assert (error.is_permanent, error.code) == (False, None)
