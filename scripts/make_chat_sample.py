"""Writes ftcook/samples/chat/: small chat exports written for the project (all people and numbers are invented;
555 phone numbers). Ada Byron is "me" on both apps.

- ``WhatsApp Chat with Sam Lee.txt``: an Android export (US English, 12-hour clock), one-to-one;
- ``WhatsApp Chat - Climbing crew.zip``: an iOS export (German dates, 24-hour clock) of a group chat, as
  ``_chat.txt`` inside the zip the app makes, with one photo;
- ``telegram/result.json``: a Telegram Desktop export of one chat with Mia Chen;
- ``discord/Direct Messages - Leo Park [1184].json``: a DiscordChatExporter JSON export of a DM with Leo Park
  (a reply, a pinned-message notice, an attachment);
- ``messenger/inbox/priyashah_1/message_1.json``: a Facebook Messenger thread with Priya Shah, in Meta's
  mojibake and newest first, whose participants list Noah Kim, who never writes;
- ``slack/``: a Slack workspace export (users.json, channels.json, a channel's day files) with a thread.

Run ``python scripts/make_chat_sample.py``; a test checks the committed files are what this script writes.
"""

import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test-data writers
from compose.chats import (  # noqa: E402
    discord_json, messenger_json, telegram_json, telegram_message, whatsapp_text, write_slack)

OUT = Path(__file__).resolve().parent.parent / "ftcook" / "samples" / "chat"
ME = "Ada Byron"

SAM = [  # (minutes after the conversation starts, sender, text); each list is one day's conversation
    [(0, "Sam Lee", "hey! are you around this weekend?"), (1, "Sam Lee", "thinking of the lake on saturday"),
     (6, ME, "ooh yes!! saturday works"), (6, ME, "who else is coming?"), (9, "Sam Lee", "Mia and maybe Jonas"),
     (10, ME, "perfect, I'll bring snacks 🍉")],
    [(0, "Sam Lee", "what time should we leave?"), (4, ME, "10ish? traffic gets bad after 11"),
     (5, "Sam Lee", "deal. call me at +1 415 555 0132 if you're running late"), (6, ME, "will do 👍")],
    [(0, ME, "made it home, that was SO fun"), (3, "Sam Lee", "same!! my arms hurt from paddling"),
     (4, ME, "haha told you to switch sides"), (5, ME, "next time you're steering")],
    [(0, "Sam Lee", "can you send me that pasta recipe?"), (20, ME, "sure, it's basically garlic, lemon and too "
                                                                 "much parmesan"),
     (20, ME, "I'll write it down properly tonight"), (22, "Sam Lee", "<Media omitted>"),
     (23, "Sam Lee", "this one?"), (30, ME, "yes that's the one!")],
    [(0, "Sam Lee", "did you watch the match"), (2, ME, "don't. I can't talk about it"), (3, "Sam Lee", "😂😂"),
     (3, ME, "This message was deleted"), (4, ME, "ok fine it was a great goal")],
    [(0, "Sam Lee", "running 10 min late sorry"), (1, ME, "no worries, I'll grab us a table"),
     (2, ME, "window seat or patio?"), (4, "Sam Lee", "patio!!"), (5, ME, "done ☀️")],
]
CREW = [
    [(0, "Jonas Weber", "Halle heute um 18 Uhr?"), (2, "Mia Chen", "bin dabei"), (5, ME, "ich auch! bring die "
                                                                                        "Seile mit, Jonas"),
     (7, "Jonas Weber", "klar"), (30, ME, "bin schon da, Wand 3 ist frei")],
    [(0, "Mia Chen", "wer hat meine Kreide?"), (3, "Jonas Weber", "nicht ich 😇"), (4, ME, "ups. ich. morgen "
                                                                                         "zurück versprochen"),
     (6, "Mia Chen", "haha ok")],
    [(0, "Jonas Weber", "neue Route in der Boulderhalle, 6b"), (1, "Jonas Weber", "image omitted"),
     (9, ME, "sieht fies aus. samstag?"), (12, "Mia Chen", "samstag passt"), (13, ME, "perfekt, 10 Uhr")],
]
MIA = [
    [(0, "Mia Chen", "did Sam tell you about the lake?"), (3, ME, "yes! so in"), (4, "Mia Chen", "I'll bring the boat"),
     (6, ME, "amazing, you're the best")],
    [(0, "Mia Chen", "book club this thursday?"), (8, ME, "I haven't finished the book 🙈"),
     (8, ME, "but I'll come for the snacks"), (10, "Mia Chen", "valid")],
    [(0, ME, "happy birthday!! 🎂🎉"), (40, "Mia Chen", "thank you!!! come by later?"),
     (41, ME, "wouldn't miss it, 8?"), (43, "Mia Chen", "8 is perfect")],
]
LEO = [
    [(0, "Leo Park", "you still up for the raid tonight?"), (2, ME, "yes! 9pm your time?"),
     (3, "Leo Park", "9 works, I'll bring the healer"), (5, ME, "finally 😅 last time we wiped 4 times")],
    [(0, ME, "gg last night"), (6, "Leo Park", "gg!! that last boss though"), (6, "Leo Park", ""),
     (7, ME, "next week same time? 🐉")],
]
PRIYA = [
    [(0, "Priya Shah", "are you coming to Noah's thing on friday?"), (5, ME, "yes!! what should I bring?"),
     (6, "Priya Shah", "maybe dessert? Noah Kim is doing the grill"), (9, ME, "on it. tiramisù it is")],
    [(0, "Priya Shah", "that tiramisù was unreal"), (30, ME, "haha I'll send you the recipe"),
     (31, ME, "it's all about the mascarpone")],
]
TEAM = [
    [(0, "Omar Said", "standup moved to 10:30 today"), (3, ME, "thanks, I'll update the invite"),
     (20, "Omar Said", "can someone look at the flaky login test?"), (24, ME, "I'll take it after lunch")],
]
START = datetime(2024, 6, 1, 9, 30)


def messages(days: list, sender_is_system=False) -> list[tuple[datetime, str | None, str]]:
    out = []
    for day, conversation in enumerate(days):
        start = START + timedelta(days=day * 3, hours=day % 3 * 2)
        out += [(start + timedelta(minutes=m), who, text) for m, who, text in conversation]
    return out


def write(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    notice = "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can " \
             "read or listen to them. Tap to learn more."
    sam = [(START - timedelta(minutes=5), None, notice), *messages(SAM)]
    (out / "WhatsApp Chat with Sam Lee.txt").write_text(whatsapp_text("android_us", sam), encoding="utf-8")
    crew = [(START - timedelta(minutes=5), "Climbing crew", "Jonas Weber hat dich hinzugefügt"),
            (START - timedelta(minutes=4), "Climbing crew", "Messages and calls are end-to-end encrypted."),
            *messages(CREW)]
    marks = {0, 1} | {i for i, (_, _, text) in enumerate(crew) if text.endswith("omitted")}
    info = zipfile.ZipInfo("_chat.txt", date_time=(2024, 6, 30, 12, 0, 0))
    with zipfile.ZipFile(out / "WhatsApp Chat - Climbing crew.zip", "w") as archive:
        archive.writestr(info, whatsapp_text("ios_de", crew, marks))
        archive.writestr(zipfile.ZipInfo("00000007-PHOTO-2024-06-07-13-31-00.jpg", date_time=(2024, 6, 30, 12, 0, 0)),
                         b"\xff\xd8\xff\xe0 not a real photo")
    ids = {"Mia Chen": "user2002", ME: "user1001"}
    telegram = [telegram_message(number, when, who, ids[who], text)
                for number, (when, who, text) in enumerate(messages(MIA), 1)]
    (out / "telegram").mkdir(exist_ok=True)
    (out / "telegram" / "result.json").write_text(telegram_json([("Mia Chen", "personal_chat", telegram)], False),
                                                  encoding="utf-8")
    write_others(out)


def write_others(out: Path) -> None:
    """Discord, Messenger and Slack: one small conversation each."""
    ids = {"Leo Park": "2001", ME: "1001"}
    leo = [(when, ids[who], who, text) for when, who, text in messages(LEO)]
    extra = {2: {"reference": {"messageId": "9001"}},  # a reply to Ada's "9pm your time?"
             6: {"attachments": [{"id": "1", "url": "screenshot.png", "fileName": "screenshot.png"}]}}
    (out / "discord").mkdir(exist_ok=True)
    (out / "discord" / "Direct Messages - Leo Park [1184].json").write_text(
        discord_json("Leo Park", leo, extra=extra), encoding="utf-8")
    thread = [(when, who, {"content": text}) for when, who, text in messages(PRIYA)]
    folder = out / "messenger" / "inbox" / "priyashah_1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "message_1.json").write_text(messenger_json("Priya Shah", ["Priya Shah", ME, "Noah Kim"], thread),
                                           encoding="utf-8")
    users = {"U01": ME, "U02": "Omar Said", "U03": "Noah Kim"}
    uid = {ME: "U01", "Omar Said": "U02"}
    team = [{"user": uid[who], "text": text, "ts": f"{when.replace(tzinfo=timezone.utc).timestamp():.6f}"}
            for when, who, text in messages(TEAM)]
    team[2]["thread_ts"] = team[3]["thread_ts"] = team[2]["ts"]  # Ada answers in the question's thread
    write_slack(out / "slack", users, {"team": team})


if __name__ == "__main__":
    write()
