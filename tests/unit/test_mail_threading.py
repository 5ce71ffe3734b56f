"""E-mail threading: each mail answers the thread's latest one, and References stays bounded."""
from datetime import datetime, timedelta, timezone

from helpdesk.mail.threads import MAX_REFERENCES, ThreadMail, clean_message_id, reply_headers, thread_chain

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_a_first_mail_has_no_thread_headers():
    assert reply_headers([]) == {}


def test_our_acknowledgement_answers_the_customers_mail_received_at_the_same_instant():
    chain = thread_chain([ThreadMail("<ack@helpdesk.test>", T0, 1, ours=True), ThreadMail("<c1@client.fr>", T0, 7)])
    assert chain == ["<c1@client.fr>", "<ack@helpdesk.test>"]
    assert reply_headers(chain) == {"In-Reply-To": "<ack@helpdesk.test>",
                                    "References": "<c1@client.fr> <ack@helpdesk.test>"}


def test_a_reply_points_at_the_customers_last_mail_when_they_wrote_last():
    mails = [ThreadMail("<ack@h>", T0, 1, ours=True), ThreadMail("<c2@client.fr>", T0 + timedelta(hours=1), 3),
             ThreadMail("<c1@client.fr>", T0 - timedelta(minutes=1), 2)]
    headers = reply_headers(thread_chain(mails))
    assert headers["In-Reply-To"] == "<c2@client.fr>"
    assert headers["References"].split() == ["<c1@client.fr>", "<ack@h>", "<c2@client.fr>"]


def test_references_keep_the_root_and_the_latest_mails():
    chain = [f"<m{i}@h>" for i in range(30)]
    references = reply_headers(chain)["References"].split()
    assert len(references) == MAX_REFERENCES
    assert references[0] == "<m0@h>" and references[-1] == "<m29@h>" and references[1] == "<m21@h>"


def test_message_ids_are_cleaned_and_counted_once():
    assert clean_message_id(" abc@host ") == "<abc@host>"
    assert clean_message_id("<abc@host> (Outlook)") == "<abc@host>"
    assert clean_message_id("not an id") is None and clean_message_id(None) is None
    chain = thread_chain([ThreadMail("<a@h>", T0), ThreadMail("a@h", T0 + timedelta(1)), ThreadMail("junk", T0)])
    assert chain == ["<a@h>"]
