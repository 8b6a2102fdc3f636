"""`assist`: the assistant's line console on another machine — the LAN console's verbs typed one per line (the
list and its parsing are `app.commerce.verbs`), the room's state and questions printed as they come."""

from __future__ import annotations

import sys

from app.cli.errors import UsageError


ASSIST_HELP = """commands (one per line):
  state                          the room now          pin N | next | prev | unpin
  price N YUAN | stock N COUNT   change a product     coupon ID QUANTITY MINUTES | stopcoupon ID
  flash N YUAN STOCK MINUTES     start a flash sale   endflash
  draw PRIZE KEYWORD N MINUTES [who]  福袋 (who: anyone | followers | entered_before)   enddraw
  comments                       the newest comments  pincomment SEQ | unpincomment
  questions                      自动回复: questions   reply SEQ [ANSWER] | unreply
  notice TEXT                    公告 on stream        unnotice
  undo                           take back your last  quit"""


def assist(url: str, name: str, fingerprint: str | None = None) -> int:
    """A line-by-line assistant console against a console's AssistantServer (the token, or the whole pairing
    code, from ANCHOR_ASSIST_TOKEN or asked for; never on the command line, where other users could read it)."""
    from app.commerce.room import ActionRefused
    from app.remote.client import RemoteError

    assistant = _pair(url, name, fingerprint)
    print(f"已连接 connected as {assistant.actor}. {ASSIST_HELP}")
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0].lower() in ("quit", "exit"):
                break
            try:
                text = _answer(assistant, words[0].lower(), words[1:])
                if text:
                    print(text)
            except ActionRefused as exc:
                print(f"拒绝 refused: {exc}")
            except ValueError as exc:
                print(f"? {exc}")
            except RemoteError as exc:
                raise UsageError(f"lost the console: {exc}") from None
    finally:
        assistant.close()
    return 0


def _pair(url: str, name: str, fingerprint: str | None):
    """The token (or the whole pairing code) from ANCHOR_ASSIST_TOKEN or asked for, then connected."""
    import getpass
    import os

    from app.remote.client import RemoteAssistant, RemoteError
    from app.remote.pairing import PREFIX, PairingError, parse_pairing_code

    token = os.environ.get("ANCHOR_ASSIST_TOKEN") or getpass.getpass("配对码 pairing code or token: ")
    if token.strip().startswith(PREFIX):
        try:
            url, token, fingerprint = parse_pairing_code(token)
        except PairingError as exc:
            raise UsageError(str(exc)) from None
    elif url in ("", "-"):
        raise UsageError("需要控制台地址或完整配对码 / give the console's address, or the whole pairing code as the token")
    try:
        return RemoteAssistant(url, token, name, fingerprint=fingerprint.lower() if fingerprint else None).connect()
    except RemoteError as exc:
        raise UsageError(f"cannot pair with {url}: {exc}") from None


def _answer(assistant, command: str, rest: list[str]) -> str:
    """What one typed line does, as the text to print (ValueError for a line that says nothing doable)."""
    from app.commerce.verbs import line_words, parse_words

    if command == "state":
        return _describe_room(assistant.state)
    if command == "comments":
        return "\n".join(f"  [{e['seq']}] {e['data'].get('nickname', '')}：{e['data'].get('text', '')}"
                         for e in [e for e in assistant.events if e["type"] == "comment"][-10:])
    if command == "questions":
        return "\n".join(f"  [{d.get('comment_seq')}] 【{d.get('topic', '')}】{d.get('nickname', '')}："
                         f"{d.get('question', '')} → {d.get('answer', '')}" for d in _questions(assistant.events)[-10:])
    if command == "reply" and rest:
        seq = int(rest[0])
        asked = next((d for d in reversed(_questions(assistant.events)) if d.get("comment_seq") == seq), None)
        if asked is None:
            raise ValueError(f"no question {seq}: see `questions`")
        answer = " ".join(rest[1:]) or str(asked.get("answer", ""))
        reply = assistant.call("reply_comment", seq, str(asked.get("nickname", "")), str(asked.get("question", "")),
                               answer)
        return f"ok #{reply.get('seq')}"
    if command == "notice" and rest:
        return f"ok #{assistant.call('pin_notice', ' '.join(rest)).get('seq')}"
    if command == "undo":
        return f"已撤销 undone: {assistant.undo()}"
    if command in line_words():
        verb, values = parse_words(command, rest)  # yuan → cents, minutes → seconds, defaults
        return f"ok #{assistant.call(verb, *values).get('seq')}"
    return ASSIST_HELP


def _questions(events) -> list[dict]:
    """The questions the console suggested answering (自动回复), oldest first, from an assistant's events."""
    return [e["data"] for e in events if e.get("type") == "faq_asked" and e["data"].get("suggested")]


def _describe_room(state: dict) -> str:
    if not state.get("live"):
        return "未开播 / not live"
    products = {p["id"]: p for p in state["products"]}
    lines = []
    for product_id in state["run_sheet"]:
        p = products[product_id]
        mark = "▶" if product_id == state["pinned_product"] else " "
        lines.append(f"{mark} {product_id:>3} {p['title']}  ￥{p['live_price_cents'] / 100:g}  库存 {p['stock']}")
    for c in state["coupons"]:
        lines.append(f"  券 {c['id']} {c['name']} {'● live ' + str(c['remaining']) if c['live'] else '○'}")
    return "\n".join(lines)
