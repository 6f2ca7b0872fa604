"""The chat recipe: WhatsApp (Android and iOS, several locales, .txt and .zip) and Telegram exports, who is me,
turns, sessions and context, names and numbers redacted everywhere, the ledger, and bad files."""

import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from compose.chats import telegram_json, telegram_message, whatsapp_text, write_whatsapp
from conftest import invoke
from ftcook.chat.whatsapp import parse, parse_blocks
from ftcook.pipeline import BuildSettings, build

T0 = datetime(2024, 12, 30, 9, 0)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


CONVERSATION = [
    (at(0), None, "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
                  "can read or listen to them. Tap to learn more."),
    (at(1), "Sam Lee", "hey Ada! are you coming to the lake on saturday?"),
    (at(2), "Sam Lee", "bring your swimsuit\nand sunscreen"),
    (at(9), "Ada", "omg yes!! 🙌"),
    (at(10), "Ada", "what time?"),
    (at(15), "Sam Lee", "around 10. call me at +1 415 555 0132 if you get lost"),
    (at(16), "Ada", "perfect Sam, I'll bring snacks"),
    (at(17), "Sam Lee", "<Media omitted>"),
    (at(18), "Ada", "This message was deleted"),
    (at(19), "Ada", "see you then <This message was edited>"),
    (at(600), "Ada", "are we still on?"),  # the next session: answers nobody
    (at(605), "Sam Lee", "yes!"),
    (at(606), "Ada", "great"),
]


@pytest.mark.parametrize("style", ["android_us", "android_gb", "android_de", "android_fr", "android_es12",
                                   "ios_us", "ios_de"])
def test_whatsapp_styles_read_alike(style):
    text = whatsapp_text(style, CONVERSATION, marks={7} if style.startswith("ios") else set())
    messages = list(parse(text, "chat.txt", "Sam Lee"))
    assert len(messages) == len(CONVERSATION)
    assert [m.time for m in messages] == [when.replace(second=0) if style.startswith("android") else when
                                          for when, _, _ in CONVERSATION]
    kinds = [m.kind for m in messages]
    assert kinds == ["system", "text", "text", "text", "text", "text", "text", "media", "deleted", "text", "text",
                     "text", "text"]
    assert messages[2].text == "bring your swimsuit\nand sunscreen" and messages[2].place == "chat.txt:line 3"
    assert messages[9].text == "see you then" and messages[9].edited


def test_ios_system_lines_and_attachments_are_marked():
    text = ("\u200e[12/30/24, 9:00:00\u202fAM] Family: \u200eSam Lee added Ada\n"
            "[12/30/24, 9:01:00\u202fAM] Sam Lee: \u200eimage omitted\n"
            "[12/30/24, 9:02:00\u202fAM] Sam Lee: \u200esticker omitted\n"
            "[12/30/24, 9:03:00\u202fAM] Ada: I added the file to the folder\n")
    kinds = [(m.sender, m.kind) for m in parse(text, "_chat.txt", "Family")]
    assert kinds == [("Family", "system"), ("Sam Lee", "media"), ("Sam Lee", "sticker"), ("Ada", "text")]


def test_the_encryption_notice_is_a_system_line_even_with_a_name_before_it():
    """As in whatstk's test chats (PyPI sdist): the group's name before the notice, no mark. Its 'sender' is not a
    person (whose words 'Pokemon' would then be hidden as a name), and a message quoting the notice is a message."""
    text = ("15.04.2016, 15:04 - Pokemon Chat: Messages and calls are end-to-end encrypted. No one outside of this "
            "chat, not even WhatsApp, can read or listen to them.\n"
            "06.08.2016, 13:18 - Messages you send to this group are now secured with end-to-end encryption. Tap "
            "for more info.\n"
            "06.08.2016, 13:23 - Ash Ketchum: Hey guys! Pokemon Go?\n"
            "06.08.2016, 13:24 - Brock: it said \"Messages and calls are end-to-end encrypted\" lol\n")
    kinds = [(m.sender, m.kind) for m in parse(text, "pokemon.txt", "pokemon")]
    assert kinds == [("Pokemon Chat", "system"), ("", "system"), ("Ash Ketchum", "text"), ("Brock", "text")]


@pytest.mark.parametrize("size", [1, 7, 64, 10_000])
def test_an_export_read_in_pieces_of_any_size_gives_the_same_messages(size):
    """The reader takes a file a block at a time: a header or a message cut between two blocks is read whole,
    with the line it starts on; Windows line ends read like Unix ones."""
    text = whatsapp_text("ios_de", CONVERSATION, marks={7}) + "\n\n"
    whole = [(m.place, m.sender, m.time, m.text, m.kind) for m in parse(text, "chat.txt", "Sam Lee")]
    assert whole[3][0] == "chat.txt:line 5" and whole[-1][3] == "great"
    cut = [text[i:i + size] for i in range(0, len(text), size)]
    pieces = [(m.place, m.sender, m.time, m.text, m.kind)
              for m in parse_blocks(lambda: iter(cut), "chat.txt", "Sam Lee")]
    assert pieces == whole
    windows = [(m.place, m.sender, m.time, m.text, m.kind)
               for m in parse(text.replace("\n", "\r\n"), "chat.txt", "Sam Lee")]
    assert windows == whole


def chat_build(tmp_path, sources, **options):
    out = tmp_path / "ds"
    result = build(BuildSettings(recipe="chat", sources=[Path(s) for s in sources], out=out, options=options,
                                 valid_fraction=0.0))
    return result, rows(out / "train.jsonl"), rows(out / "skipped.jsonl")


def test_without_me_the_senders_are_listed(tmp_path):
    export = write_whatsapp(tmp_path / "WhatsApp Chat with Sam Lee.txt", "android_us", CONVERSATION)
    result = invoke("build", "chat", export, "-d", tmp_path / "ds")
    assert result.exit_code == 2 and "Which sender is you?" in result.output
    assert "5  Sam Lee" in result.output and "7  Ada" in result.output and '-o me="Ada"' in result.output
    wrong = invoke("build", "chat", export, "-d", tmp_path / "ds", "-o", "me=Bob")
    assert wrong.exit_code == 2 and "No message is from Bob" in wrong.output
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("buy milk\n", encoding="utf-8")
    nothing = invoke("build", "chat", tmp_path / "notes", "-d", tmp_path / "ds", "-o", "me=Ada")
    assert nothing.exit_code == 2 and "No messages found" in nothing.output
    assert "todo.txt: not a WhatsApp, Telegram, Discord, Messenger or Slack export" in nothing.output


def test_turns_context_and_every_message_accounted(tmp_path):
    export = write_whatsapp(tmp_path / "WhatsApp Chat with Sam Lee.txt", "android_gb", CONVERSATION)
    result, train, skipped = chat_build(tmp_path, [export], me="Ada")
    first, second, third = (r["messages"] for r in train)
    assert first[1:] == [{"role": "user", "content": "hey Ada! are you coming to the lake on saturday?\nbring your "
                                                     "swimsuit\nand sunscreen"},
                         {"role": "assistant", "content": "omg yes!! 🙌\nwhat time?"}]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user", "assistant"]
    assert second[3]["content"] == "around 10. call me at <PHONE_1> if you get lost"
    # names redacted in your own turns too; 'see you then' is within merge_minutes of it (the deleted one is gone)
    assert second[4]["content"] == "perfect <PERSON_1>, I'll bring snacks\nsee you then"
    assert third[1:] == [{"role": "user", "content": "yes!"}, {"role": "assistant", "content": "great"}]
    assert first[0]["content"] == "You are Ada. Reply in this chat the way you write to people."
    reasons = {}
    for skip in skipped:
        reasons[skip["reason"]] = reasons.get(skip["reason"], 0) + 1
    assert reasons == {"system_message": 1, "media_only": 1, "deleted": 1, "not_mine": 4, "merged": 2,
                       "opens_conversation": 1}  # 'are we still on?' opens the next session
    assert result.ledger.records == len(CONVERSATION) == len(train) + len(skipped)
    excerpts = json.dumps([s.get("excerpt") for s in skipped], ensure_ascii=False)  # masked like the examples
    assert "555" not in excerpts and "Sam" not in excerpts and "call me at <PHONE>" in excerpts


def test_group_chats_keep_who_said_what_and_hide_names(tmp_path):
    group = [(at(0), "Sam Lee", "who's in for pizza tonight?"),
             (at(1), "Mia Chen", "me! Sam you pick the place"),
             (at(2), "Ada", "count me in, Mia"),
             (at(3), "Sam Lee", "Luigi's at 8"),
             (at(4), "Ada", "👍")]
    export = write_whatsapp(tmp_path / "WhatsApp Chat with Friends.txt", "ios_us", group)
    result, train, _ = chat_build(tmp_path, [export], me="Ada", context_turns=8)
    last = train[-1]["messages"]
    text = json.dumps(train, ensure_ascii=False)
    assert "Sam" not in text and "Mia" not in text and "Chen" not in text
    assert last[1]["content"] == "<PERSON_1>: who's in for pizza tonight?\n<PERSON_2>: me! <PERSON_1> you pick the " \
                                 "place"
    assert last[2] == {"role": "assistant", "content": "count me in, <PERSON_2>"}
    assert last[3]["content"] == "<PERSON_1>: Luigi's at 8" and result.manifest["stats"]["people"] == 2


def test_chat_filters(tmp_path):
    one = write_whatsapp(tmp_path / "WhatsApp Chat with Sam Lee.txt", "android_us", CONVERSATION)
    group = write_whatsapp(tmp_path / "WhatsApp Chat with Friends.txt", "android_us",
                           [(at(0), "Sam Lee", "hi all"), (at(1), "Mia Chen", "hey"), (at(2), "Ada", "hello!")])
    _, train, skipped = chat_build(tmp_path, [one, group], me="Ada", one_to_one="true")
    assert len(train) == 3 and sum(s["reason"] == "other_chat" for s in skipped) == 3
    _, train, skipped = chat_build(tmp_path, [one, group], me="Ada", chats="friend*")
    assert len(train) == 1 and sum(s["reason"] == "other_chat" for s in skipped) == len(CONVERSATION)


def test_a_zip_export_reads_its_chat_file(tmp_path):
    path = tmp_path / "WhatsApp Chat - Sam Lee.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_chat.txt", whatsapp_text("ios_de", CONVERSATION))
        archive.writestr("00000012-PHOTO-2024-12-30-09-17-00.jpg", b"\xff\xd8\xff")
    _, train, skipped = chat_build(tmp_path, [path], me="Ada")
    assert len(train) == 3 and skipped[0]["id"].startswith("WhatsApp Chat - Sam Lee.zip!_chat.txt:line ")


def test_telegram_text_parts_replies_forwards_and_service_messages(tmp_path):
    messages = [
        {"id": 1, "type": "service", "date": "2024-12-30T09:00:00", "actor": "Ada Byron", "actor_id": "user1",
         "action": "phone_call", "text": ""},
        telegram_message(2, at(1), "Sam Lee", "user2", "did you see the game?"),
        telegram_message(3, at(2), "Sam Lee", "user2", ["look: ", {"type": "link", "text": "https://example.org"}]),
        telegram_message(4, at(3), "Mia Chen", "user3", "Sam it was amazing"),
        telegram_message(5, at(4), "Ada Byron", "user1", "YES what a finish", reply_to_message_id=2),
        telegram_message(6, at(5), "Sam Lee", "user2", "", media_type="sticker", sticker_emoji="😀",
                         file="stickers/a.webp"),
        telegram_message(7, at(6), "Ada Byron", "user1", "news for you", forwarded_from="Sports Daily"),
        telegram_message(8, at(7), "Sam Lee", "user2", "", photo="photos/p.jpg"),
    ]
    path = tmp_path / "result.json"
    path.write_text(telegram_json([("Game night", "private_group", messages)]), encoding="utf-8")
    result, train, skipped = chat_build(tmp_path, [path], me="Ada Byron")
    (example,) = train
    assert example["messages"][1]["content"] == ("<PERSON_1>: did you see the game?\n<PERSON_1>: look: "
                                                 "https://example.org\n<PERSON_2>: <PERSON_1> it was amazing")
    assert example["messages"][2]["content"] == "YES what a finish"
    assert {s["reason"] for s in skipped} == {"system_message", "not_mine", "sticker", "forwarded", "media_only"}
    assert result.ledger.records == len(messages)


def test_telegram_chats_as_a_plain_list_and_an_export_with_no_messages(tmp_path):
    """Telegram Desktop writes ``chats: {list: [...]}``; some tools (telegram-export-md's fixtures) write a plain
    ``chats`` list, read alike. A JSON file with chats but no messages anywhere says so, rather than nothing."""
    messages = [telegram_message(1, at(0), "Sam Lee", "user2", "lunch?"),
                telegram_message(2, at(1), "Ada Byron", "user1", "yes, noon")]
    listed = json.loads(telegram_json([("Sam Lee", "personal_chat", messages)]))
    listed["chats"] = listed["chats"]["list"]
    (tmp_path / "list").mkdir()
    (tmp_path / "list" / "result.json").write_text(json.dumps(listed), encoding="utf-8")
    _, train, _ = chat_build(tmp_path / "list", [tmp_path / "list" / "result.json"], me="Ada Byron")
    assert [m["content"] for m in train[0]["messages"][1:]] == ["lunch?", "yes, noon"]  # one to one: no names
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"about": "Here is the data you requested.", "chats": {"list": []}, "messages": 0}))
    from ftcook.chat.message import ExportError
    from ftcook.chat.telegram import read

    with pytest.raises(ExportError, match="no messages where a Telegram export has them"):
        list(read(empty))


def test_a_reply_to_an_earlier_message_quotes_it(tmp_path):
    messages = [telegram_message(1, at(0), "Sam Lee", "user2", "what's the wifi password?"),
                telegram_message(2, at(1), "Ada Byron", "user1", "ask Mia"),
                telegram_message(3, at(2), "Sam Lee", "user2", "ok"),
                telegram_message(4, at(3), "Ada Byron", "user1", "it's on the fridge", reply_to_message_id=1)]
    path = tmp_path / "result.json"
    path.write_text(telegram_json([("Sam Lee", "personal_chat", messages)], full=False), encoding="utf-8")
    _, train, _ = chat_build(tmp_path, [path], me="Ada Byron", context_turns=0)
    assert train[-1]["messages"][1]["content"] == "> <PERSON_1>: what's the wifi password?\nok"


def test_bad_files_are_skipped_with_a_reason(tmp_path):
    good = write_whatsapp(tmp_path / "WhatsApp Chat with Sam Lee.txt", "android_us", CONVERSATION)
    (tmp_path / "cut.json").write_text('{"name": "Sam", "type": "personal_chat", "messages": [{"id": 1, "from_id"',
                                       encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as archive:
        archive.writestr("a.jpg", b"\xff\xd8\xff")
    (tmp_path / "garbage.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    _, train, skipped = chat_build(tmp_path, [tmp_path], me="Ada")
    by_id = {Path(s["id"]).name: s for s in skipped if s["reason"] in ("unreadable_export", "not_a_chat_export")}
    assert by_id["cut.json"]["reason"] == "unreadable_export" and "before the first message" in by_id["cut.json"]["detail"]
    assert by_id["photos.zip"]["reason"] == "unreadable_export" and "no WhatsApp chat" in by_id["photos.zip"]["detail"]
    assert by_id["garbage.txt"]["reason"] == by_id["empty.txt"]["reason"] == "not_a_chat_export"
    assert len(train) == 3 and good.exists()


def test_the_sample_exports_are_what_their_script_writes_and_build(tmp_path):
    import runpy

    module = runpy.run_path(str(Path(__file__).parent.parent / "scripts" / "make_chat_sample.py"))
    module["write"](tmp_path / "made")
    shipped = module["OUT"]
    for path in sorted(p for p in shipped.rglob("*") if p.is_file()):
        assert (tmp_path / "made" / path.relative_to(shipped)).read_bytes() == path.read_bytes(), path
    copied = invoke("samples", "copy", "chat", tmp_path / "mine")
    assert copied.exit_code == 0, copied.output
    result, train, skipped = chat_build(tmp_path, [tmp_path / "mine" / "chat"], me="Ada Byron")
    stats = result.manifest["stats"]
    assert len(train) == 28 and stats["chats"] == 6 and stats["people"] == 7  # Noah Kim is listed, never writes
    assert set(stats["by_chat"]) == {"Sam Lee", "Climbing crew", "Mia Chen", "Leo Park", "Priya Shah", "team"}
    text = json.dumps(train, ensure_ascii=False)
    assert not any(name in text for name in ("Sam", "Mia", "Jonas", "Lee", "Chen", "Weber", "555", "Leo", "Priya",
                                             "Noah", "Omar"))


def test_discord_replies_system_messages_and_attachments(tmp_path):
    from compose.chats import discord_json

    messages = [(at(0), "2", "Sam Lee", "anyone up for a raid tonight?"), (at(1), "2", "Sam Lee", ""),
                (at(2), "1", "Ada Byron", "yes!! give me 10 min"), (at(3), "3", "Mia Chen", "Sam started a call."),
                (at(4), "2", "Sam Lee", "cool"), (at(5), "1", "Ada Byron", "ok ready")]
    extra = {1: {"attachments": [{"id": "a", "fileName": "map.png"}]}, 3: {"type": "Call"},
             5: {"type": "Reply", "reference": {"messageId": "9000"}}}
    path = tmp_path / "Direct Messages - sam [77].json"
    path.write_text(discord_json("sam", messages, extra=extra), encoding="utf-8")
    result, train, skipped = chat_build(tmp_path, [path], me="Ada Byron", context_turns=0)
    assert [r["messages"][-1]["content"] for r in train] == ["yes!! give me 10 min", "ok ready"]
    assert train[1]["messages"][-2]["content"] == "> <PERSON_1>: anyone up for a raid tonight?\ncool"
    assert {s["reason"] for s in skipped} == {"media_only", "system_message", "not_mine"}
    assert result.ledger.records == len(messages)


def test_messenger_mojibake_order_and_files(tmp_path):
    from compose.chats import messenger_json

    folder = tmp_path / "inbox" / "samlee_1"
    folder.mkdir(parents=True)
    first = [(at(0), "Sam Lée", {"content": "tu viens ce soir ? 😀"}), (at(1), "Ada Byron", {"content": "oui ! à 20h"})]
    second = [(at(2), "Sam Lée", {"photos": [{"uri": "photos/1.jpg"}]}),
              (at(3), "Sam Lée", {"content": "Sam Lée sent an attachment."}),
              (at(4), "Ada Byron", {"content": "Ada Byron unsent a message"}),
              (at(5), "Sam Lée", {"content": "génial"}), (at(6), "Ada Byron", {"content": "à tout à l'heure"})]
    (folder / "message_2.json").write_text(messenger_json("Sam Lée", ["Sam Lée", "Ada Byron"], first), encoding="utf-8")
    (folder / "message_1.json").write_text(messenger_json("Sam Lée", ["Sam Lée", "Ada Byron"], second),
                                           encoding="utf-8")
    _, train, skipped = chat_build(tmp_path, [tmp_path / "inbox"], me="Ada Byron")
    assert [[m["content"] for m in r["messages"][1:]] for r in train] == [
        ["tu viens ce soir ? 😀", "oui ! à 20h"],
        ["tu viens ce soir ? 😀", "oui ! à 20h", "génial", "à tout à l'heure"]]
    assert sorted(s["reason"] for s in skipped) == ["deleted", "media_only", "media_only", "not_mine", "not_mine"]


def test_slack_folders_and_zips_threads_and_mentions(tmp_path):
    from compose.chats import write_slack

    base = T0.replace(tzinfo=None).timestamp()
    ts = lambda minutes: f"{base + minutes * 60:.6f}"  # noqa: E731
    users = {"U1": "Ada Byron", "U2": "Sam Lee", "U3": "Mia Chen"}
    general = [{"user": "U2", "text": "deploy is done <@U1> :tada:", "ts": ts(0)},
               {"user": "U1", "text": "nice, checking <https://status.example.org|the status page> now",
                "ts": ts(2)},
               {"user": "U3", "subtype": "channel_join", "text": "<@U3> has joined the channel", "ts": ts(3)},
               {"user": "U3", "text": "can someone review my PR?", "ts": ts(10), "thread_ts": ts(10)},
               {"user": "U1", "text": "on it", "ts": ts(12), "thread_ts": ts(10)},
               {"user": "U2", "text": "", "files": [{"name": "log.txt"}], "ts": ts(13)}]
    export = write_slack(tmp_path / "export", users, {"general": general})
    result, train, skipped = chat_build(tmp_path, [export], me="U1")  # a user id works as -o me
    assert [r["messages"][1:] for r in train] == [
        [{"role": "user", "content": "<PERSON_1>: deploy is done @Ada Byron :tada:"},
         {"role": "assistant", "content": "nice, checking the status page now"}],
        [{"role": "user", "content": "> <PERSON_2>: can someone review my PR?"},
         {"role": "assistant", "content": "on it"}]]
    assert result.ledger.records == len(general)
    assert {s["reason"] for s in skipped} == {"not_mine", "system_message", "media_only"}
    packed = tmp_path / "slack.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        for path in export.rglob("*.json"):
            archive.write(path, f"My Workspace Slack export/{path.relative_to(export)}")
    _, from_zip, _ = chat_build(tmp_path / "z", [packed], me="Ada Byron")
    assert [r["messages"] for r in from_zip] == [r["messages"] for r in train]


def test_people_the_export_lists_are_hidden_even_if_they_never_wrote(tmp_path):
    """Messenger's participants, Slack's users.json and a Telegram one-to-one chat's name list people who may
    never write a message; their names in anyone's text become placeholders too (yours stay)."""
    from compose.chats import messenger_json, write_slack

    folder = tmp_path / "inbox" / "trip_1"
    folder.mkdir(parents=True)
    thread = [(at(0), "Sam Lee", {"content": "who else is coming?"}),
              (at(1), "Ada Byron", {"content": "Priya Shah and maybe Leo"})]
    (folder / "message_1.json").write_text(messenger_json("Trip", ["Sam Lee", "Ada Byron", "Priya Shah"], thread),
                                           encoding="utf-8")
    _, train, _ = chat_build(tmp_path / "m", [tmp_path / "inbox"], me="Ada Byron")
    assert train[0]["messages"][-1]["content"] == "<PERSON_2> and maybe Leo"  # Leo is listed nowhere: stays

    base = T0.timestamp()
    users = {"U1": "Ada Byron", "U2": "Sam Lee", "U4": "Omar Said"}
    general = [{"user": "U2", "text": "who owns the billing service?", "ts": f"{base:.6f}"},
               {"user": "U1", "text": "Omar Said does, I'm Ada Byron's backup", "ts": f"{base + 60:.6f}"}]
    export = write_slack(tmp_path / "export", users, {"general": general})
    _, train, _ = chat_build(tmp_path / "s", [export], me="U1")
    assert train[0]["messages"][-1]["content"] == "<PERSON_2> does, I'm Ada Byron's backup"

    mia = [telegram_message(1, at(0), "Ada Byron", "user1", "did Mia Chen call you back?"),
           telegram_message(2, at(1), "Sam Lee", "user2", "not yet"),
           telegram_message(3, at(2), "Ada Byron", "user1", "ok, I'll ask Mia Chen myself")]
    path = tmp_path / "result.json"
    path.write_text(telegram_json([("Mia Chen", "personal_chat", mia)], False), encoding="utf-8")
    _, train, _ = chat_build(tmp_path / "t", [path], me="Ada Byron")
    assert train[0]["messages"][-1]["content"] == "ok, I'll ask <PERSON_2> myself"
